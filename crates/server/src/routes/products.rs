//! `/products`: the catalogue, searched at the till and managed by admins — one product
//! at a time, or a whole price list (`POST /products/price-list`, dry run first). A price
//! change never alters a past sale: sale lines keep the price they were sold at.

use super::paging::{self, Paging};
use crate::auth::Caller;
use crate::error::{field_error, on_conflict, ApiError};
use crate::startup::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use crm_api_types::{
    CreateProductRequest, PriceChange, PriceLineProblem, PriceListReport, Product, ProductPage,
    UpdateProductRequest,
};
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
    /// Text in the name, SKU or barcode.
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

/// Changes a product (admin, audited with every field before and after).
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
    let (_, after) = store::update(&state.db, *id, changes, &caller.actor())
        .await
        .map_err(conflict)?;
    Ok(web::Json(product_view(&after, true)?))
}

/// Mode of `POST /products/price-list`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PriceListQuery {
    /// `true` writes the changes; absent or `false` only reports them (dry run).
    pub apply: Option<bool>,
}

// Documented as binary so that code generators offer a file upload: openapi-python-client
// skips a `text/csv` body of `type: string`, and cannot send one as a file either.
/// The price-list file as it is, UTF-8 text.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PriceListFile(pub Vec<u8>);

/// Reads a price list (`code-barres;prix[;coût]`, French Excel CSV) and reports, line by
/// line, what it changes, which barcodes the catalogue lacks and which lines are invalid.
/// A dry run (the default) writes nothing; `?apply=true` writes every change in one
/// transaction, each product audited — refused whole (422 `price_list.invalid`) while a
/// line is invalid. Unknown barcodes are reported and skipped.
#[utoipa::path(tag = "products", security(("bearer" = [])),
    params(PriceListQuery),
    request_body(content = inline(PriceListFile), content_type = "text/csv",
        description = "`code-barres;prix[;coût]`, one product a line, optional header",
        example = "code-barres;prix;coût\n6191000000016;4 750;3 600\n"),
    responses((status = 200, body = PriceListReport),
              (status = 422, description = "`price_list.unreadable`: not UTF-8 text or no product line; `price_list.invalid`: applied with invalid lines", body = crm_api_types::Problem)))]
#[post("/products/price-list")]
pub async fn price_list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PriceListQuery>,
    body: web::Bytes,
) -> Result<web::Json<PriceListReport>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let apply = query.apply.unwrap_or(false);
    let list = crate::price_list::parse(&body).map_err(|_| {
        crate::error::unprocessable(
            codes::PRICE_LIST_UNREADABLE,
            "Fichier illisible : du texte UTF-8, une ligne « code-barres;prix[;coût] » par produit.",
        )
    })?;
    if apply && !list.invalid.is_empty() {
        let first: Vec<String> = list
            .invalid
            .iter()
            .take(5)
            .map(|b| b.line.to_string())
            .collect();
        return Err(crate::error::unprocessable(
            codes::PRICE_LIST_INVALID,
            format!(
                "{} ligne(s) invalide(s) (ligne {}) : corrigez-les avant d'appliquer ; rien n'a été écrit.",
                list.invalid.len(),
                first.join(", ")
            ),
        ));
    }
    let barcodes: Vec<String> = list.lines.iter().map(|l| l.barcode.clone()).collect();
    let products = store::find_by_barcodes(&state.db, &barcodes).await?;
    let mut report = PriceListReport {
        applied: false,
        lines: (list.lines.len() + list.invalid.len()) as u64,
        unchanged: 0,
        changes: Vec::new(),
        unknown: Vec::new(),
        invalid: list
            .invalid
            .into_iter()
            .map(|b| PriceLineProblem {
                line: b.line,
                barcode: b.barcode,
                reason: b.reason,
            })
            .collect(),
    };
    let mut updates = Vec::new();
    for line in list.lines {
        let Some(product) = products
            .iter()
            .find(|p| p.barcode.as_deref() == Some(line.barcode.as_str()))
        else {
            report.unknown.push(PriceLineProblem {
                line: line.line,
                barcode: line.barcode,
                reason: "Code-barres inconnu du catalogue.".to_owned(),
            });
            continue;
        };
        let new_cost = line.cost.unwrap_or(product.cost);
        if line.price == product.price && new_cost == product.cost {
            report.unchanged += 1;
            continue;
        }
        updates.push(store::PriceUpdate {
            product_id: product.id,
            price: line.price,
            cost: line.cost,
        });
        report.changes.push(PriceChange {
            line: line.line,
            product_id: product.id,
            barcode: line.barcode,
            name: product.name.clone(),
            old_price: product.price,
            new_price: line.price,
            old_cost: product.cost,
            new_cost,
        });
    }
    if apply {
        store::apply_prices(&state.db, &updates, &caller.actor()).await?;
        report.applied = true;
    }
    Ok(web::Json(report))
}
