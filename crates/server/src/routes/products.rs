//! `/products`: the catalogue, searched at the till and managed by admins.

use super::paging::{self, Paging};
use crate::auth::Caller;
use crate::error::{field_error, on_conflict, ApiError};
use crate::startup::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use crm_api_types::{CreateProductRequest, Product, ProductPage, UpdateProductRequest};
use crm_domain::codes;
use crm_domain::sale::{Category, BASIS_POINTS};
use crm_domain::Capability;
use crm_store::products::{self as store, NewProduct, ProductChanges};
use serde::Deserialize;
use std::str::FromStr;
use utoipa::IntoParams;

/// VAT rate of a product created without one: 18 %.
const DEFAULT_VAT_BP: u32 = 1_800;

/// The API view; the cost only for roles that read the back office.
pub fn product_view(row: &store::Product, show_cost: bool) -> Result<Product, ApiError> {
    Ok(Product {
        id: row.id,
        sku: row.sku.clone(),
        barcode: row.barcode.clone(),
        name: row.name.clone(),
        category: store::category_of(row)?,
        price: row.price,
        cost: if show_cost { row.cost } else { 0 },
        vat_rate_bp: row.vat_rate_bp.max(0) as u32,
        active: row.active,
    })
}

fn check_fields(
    errors: &mut Vec<crm_api_types::FieldError>,
    name: Option<&str>,
    category: Option<&str>,
    price: Option<i64>,
    cost: Option<i64>,
    vat: Option<u32>,
    barcode: Option<&str>,
) {
    if name.is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200) {
        errors.push(field_error(
            "name",
            codes::field::INVALID,
            "Nom obligatoire, 200 caractères au plus.",
        ));
    }
    if category.is_some_and(|c| Category::from_str(c).is_err()) {
        errors.push(field_error(
            "category",
            codes::field::INVALID,
            "Catégorie inconnue (ALIMENTAIRE, BOISSONS, HYGIENE, VETEMENTS, ELECTRONIQUE, MAISON).",
        ));
    }
    if price.is_some_and(|p| p <= 0 || p > 100_000_000) {
        errors.push(field_error(
            "price",
            codes::field::INVALID,
            "Le prix doit être positif.",
        ));
    }
    if cost.is_some_and(|c| !(0..=100_000_000).contains(&c)) {
        errors.push(field_error(
            "cost",
            codes::field::INVALID,
            "Le coût ne peut pas être négatif.",
        ));
    }
    if vat.is_some_and(|v| v > BASIS_POINTS) {
        errors.push(field_error(
            "vat_rate_bp",
            codes::field::INVALID,
            "Taux de TVA invalide.",
        ));
    }
    if barcode.is_some_and(|b| !crm_domain::barcode::is_ean13(b)) {
        errors.push(field_error(
            "barcode",
            codes::field::INVALID,
            "Code-barres EAN-13 invalide.",
        ));
    }
}

fn conflict(e: crm_store::StoreError) -> ApiError {
    match e {
        crm_store::StoreError::NotFound => {
            ApiError::not_found(codes::PRODUCT_NOT_FOUND, "Produit inconnu.")
        }
        other => on_conflict(
            codes::PRODUCT_DUPLICATE,
            "Un produit porte déjà ce SKU ou ce code-barres.",
        )(other),
    }
}

/// Search of `GET /products`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ProductQuery {
    /// Text in the name or SKU.
    pub q: Option<String>,
    /// Exact EAN-13 (the till's scanner).
    pub barcode: Option<String>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// Searches the catalogue, or looks a barcode up.
#[utoipa::path(tag = "products", security(("bearer" = [])),
    params(ProductQuery), responses((status = 200, body = ProductPage)))]
#[get("/products")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ProductQuery>,
) -> Result<web::Json<ProductPage>, ApiError> {
    caller.require_any(&[Capability::Pos, Capability::CrmRead, Capability::AdminRead])?;
    let show_cost = caller.can(Capability::AdminRead);
    let back_office = caller.can(Capability::AdminRead) || caller.can(Capability::CrmRead);
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    if let Some(barcode) = query.barcode.as_deref().map(str::trim) {
        let found = store::find_by_barcode(&state.db, barcode)
            .await?
            .filter(|p| p.active || back_office);
        let items: Vec<Product> = found
            .iter()
            .map(|p| product_view(p, show_cost))
            .collect::<Result<_, _>>()?;
        return Ok(web::Json(ProductPage {
            total: items.len() as u64,
            items,
            page: 1,
            per_page,
        }));
    }
    let (rows, total) =
        store::search(&state.db, query.q.as_deref(), !back_office, page, per_page).await?;
    Ok(web::Json(ProductPage {
        items: rows
            .iter()
            .map(|p| product_view(p, show_cost))
            .collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    }))
}

/// Adds a product (admin).
#[utoipa::path(tag = "products", security(("bearer" = [])),
    request_body = CreateProductRequest,
    responses((status = 201, body = Product), (status = 409, body = crm_api_types::Problem),
              (status = 422, body = crm_api_types::Problem)))]
#[post("/products")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let vat = body.vat_rate_bp.unwrap_or(DEFAULT_VAT_BP);
    let mut errors = Vec::new();
    if body.sku.trim().is_empty() || body.sku.len() > 64 {
        errors.push(field_error(
            "sku",
            codes::field::INVALID,
            "SKU obligatoire, 64 caractères au plus.",
        ));
    }
    check_fields(
        &mut errors,
        Some(&body.name),
        Some(&body.category),
        Some(body.price),
        Some(body.cost),
        Some(vat),
        body.barcode.as_deref(),
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let category = Category::from_str(&body.category)
        .map_err(|_| ApiError::internal("category checked above"))?;
    let row = store::create(
        &state.db,
        NewProduct {
            sku: body.sku.trim().to_owned(),
            barcode: body.barcode,
            name: body.name.trim().to_owned(),
            category: category.as_str().to_owned(),
            price: body.price,
            cost: body.cost,
            vat_rate_bp: vat as i32,
        },
    )
    .await
    .map_err(conflict)?;
    crm_store::audit::record(
        &state.db,
        &caller.actor(),
        "product.create",
        "product",
        Some(row.id.to_string()),
        None,
        Some(serde_json::json!({"sku": row.sku, "price": row.price})),
    )
    .await?;
    Ok(HttpResponse::Created().json(product_view(&row, true)?))
}

/// Changes a product (admin, audited).
#[utoipa::path(tag = "products", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = UpdateProductRequest,
    responses((status = 200, body = Product), (status = 404, body = crm_api_types::Problem),
              (status = 409, description = "`product.duplicate`: another product has this barcode", body = crm_api_types::Problem)))]
#[patch("/products/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateProductRequest>,
) -> Result<web::Json<Product>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    check_fields(
        &mut errors,
        body.name.as_deref(),
        body.category.as_deref(),
        body.price,
        body.cost,
        body.vat_rate_bp,
        body.barcode.as_deref(),
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let changes = ProductChanges {
        name: body.name.map(|n| n.trim().to_owned()),
        category: body
            .category
            .and_then(|c| Category::from_str(&c).ok())
            .map(|c| c.as_str().to_owned()),
        price: body.price,
        cost: body.cost,
        vat_rate_bp: body.vat_rate_bp.map(|v| v as i32),
        barcode: body.barcode,
        active: body.active,
    };
    let (before, after) = store::update(&state.db, *id, changes)
        .await
        .map_err(conflict)?;
    crm_store::audit::record(
        &state.db,
        &caller.actor(),
        "product.update",
        "product",
        Some(after.id.to_string()),
        Some(serde_json::json!({"name": before.name, "price": before.price, "active": before.active})),
        Some(serde_json::json!({"name": after.name, "price": after.price, "active": after.active})),
    )
    .await?;
    Ok(web::Json(product_view(&after, true)?))
}
