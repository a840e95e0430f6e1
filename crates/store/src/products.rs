//! The catalogue.

use crate::entities::product;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub use product::Model as Product;

/// The product's category, as the domain knows it.
pub fn category_of(product: &Product) -> StoreResult<crm_domain::sale::Category> {
    crate::stored("products.category", &product.category)
}

/// A product to add to the catalogue (already validated).
#[derive(Clone, Debug)]
pub struct NewProduct {
    /// SKU.
    pub sku: String,
    /// EAN-13.
    pub barcode: Option<String>,
    /// Name.
    pub name: String,
    /// Category name (`BOISSONS`).
    pub category: String,
    /// Price TTC.
    pub price: i64,
    /// Cost.
    pub cost: i64,
    /// VAT, basis points.
    pub vat_rate_bp: i32,
}

/// Changes to a product; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct ProductChanges {
    /// Name.
    pub name: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Price TTC.
    pub price: Option<i64>,
    /// Cost.
    pub cost: Option<i64>,
    /// VAT.
    pub vat_rate_bp: Option<i32>,
    /// Barcode.
    pub barcode: Option<String>,
    /// Active flag.
    pub active: Option<bool>,
}

/// Adds a product; `Conflict` when the SKU or barcode is taken.
pub async fn create(db: &impl ConnectionTrait, new: NewProduct) -> StoreResult<Product> {
    let now = Utc::now();
    product::ActiveModel {
        sku: Set(new.sku),
        barcode: Set(new.barcode),
        name: Set(new.name),
        category: Set(new.category),
        price: Set(new.price),
        cost: Set(new.cost),
        vat_rate_bp: Set(new.vat_rate_bp),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_write(e, "sku/barcode"))
}

/// Applies `changes`; returns the product before and after.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    changes: ProductChanges,
) -> StoreResult<(Product, Product)> {
    let before = product::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut row = before.clone().into_active_model();
    if let Some(v) = changes.name {
        row.name = Set(v);
    }
    if let Some(v) = changes.category {
        row.category = Set(v);
    }
    if let Some(v) = changes.price {
        row.price = Set(v);
    }
    if let Some(v) = changes.cost {
        row.cost = Set(v);
    }
    if let Some(v) = changes.vat_rate_bp {
        row.vat_rate_bp = Set(v);
    }
    if let Some(v) = changes.barcode {
        row.barcode = Set(Some(v));
    }
    if let Some(v) = changes.active {
        row.active = Set(v);
    }
    row.updated_at = Set(Utc::now());
    let after = row
        .update(db)
        .await
        .map_err(|e| StoreError::from_write(e, "barcode"))?;
    Ok((before, after))
}

/// The product with this id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Product>> {
    Ok(product::Entity::find_by_id(id).one(db).await?)
}

/// The product with this barcode.
pub async fn find_by_barcode(
    db: &impl ConnectionTrait,
    barcode: &str,
) -> StoreResult<Option<Product>> {
    Ok(product::Entity::find()
        .filter(product::Column::Barcode.eq(barcode))
        .one(db)
        .await?)
}

/// The products of a basket in one query: those with one of `ids` or of `barcodes`.
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
    barcodes: &[String],
) -> StoreResult<Vec<Product>> {
    if ids.is_empty() && barcodes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(product::Entity::find()
        .filter(
            Condition::any()
                .add(product::Column::Id.is_in(ids.iter().copied()))
                .add(product::Column::Barcode.is_in(barcodes.iter().cloned())),
        )
        .all(db)
        .await?)
}

/// Products whose name or SKU contains `text` (any case), by name; with `active_only`
/// the till sees only what it may sell.
pub async fn search(
    db: &impl ConnectionTrait,
    text: Option<&str>,
    active_only: bool,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<Product>, u64)> {
    let mut query = product::Entity::find().order_by_asc(product::Column::Name);
    if active_only {
        query = query.filter(product::Column::Active.eq(true));
    }
    if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        query = query.filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(product::Column::Name))).like(pattern.clone()),
                )
                .add(Expr::expr(Func::lower(Expr::col(product::Column::Sku))).like(pattern)),
        );
    }
    let paginator = query.paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((rows, total))
}

/// Number of products (the demo seeds a catalogue only into an empty one).
pub async fn count(db: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(product::Entity::find().count(db).await?)
}
