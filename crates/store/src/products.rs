//! The catalogue.

use crate::audit::Actor;
use crate::entities::product;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    ExprTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
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

/// What an audit entry keeps of a product: every field an administrator changes.
fn snapshot(p: &Product) -> serde_json::Value {
    serde_json::json!({
        "sku": p.sku, "barcode": p.barcode, "name": p.name, "category": p.category,
        "price": p.price, "cost": p.cost, "vat_rate_bp": p.vat_rate_bp, "active": p.active,
    })
}

/// Applies `changes` with its audit entry (before/after) in one transaction; returns the
/// product before and after. Past sales keep their own prices (`sale_lines` copies them).
pub async fn update(
    db: &DatabaseConnection,
    id: i64,
    changes: ProductChanges,
    actor: &Actor,
) -> StoreResult<(Product, Product)> {
    let txn = db.begin().await?;
    let before = product::Entity::find_by_id(id)
        .one(&txn)
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
        .update(&txn)
        .await
        .map_err(|e| StoreError::from_write(e, "barcode"))?;
    crate::audit::record(
        &txn,
        actor,
        "product.update",
        "product",
        Some(id.to_string()),
        Some(snapshot(&before)),
        Some(snapshot(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok((before, after))
}

/// A new price (and cost) for one product, from a price list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdate {
    /// Product id.
    pub product_id: i64,
    /// New price TTC, FCFA.
    pub price: i64,
    /// New cost, FCFA; `None` keeps the current one.
    pub cost: Option<i64>,
}

/// Writes a price list's changes, each product with its audit entry
/// (`product.price_import`), all in one transaction: the list is applied whole or not at
/// all. Returns how many products changed.
pub async fn apply_prices(
    db: &DatabaseConnection,
    updates: &[PriceUpdate],
    actor: &Actor,
) -> StoreResult<u64> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let mut changed = 0;
    for update in updates {
        let before = product::Entity::find_by_id(update.product_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut row = before.clone().into_active_model();
        row.price = Set(update.price);
        if let Some(cost) = update.cost {
            row.cost = Set(cost);
        }
        row.updated_at = Set(now);
        let after = row.update(&txn).await?;
        crate::audit::record(
            &txn,
            actor,
            "product.price_import",
            "product",
            Some(after.id.to_string()),
            Some(serde_json::json!({ "price": before.price, "cost": before.cost })),
            Some(serde_json::json!({ "price": after.price, "cost": after.cost })),
        )
        .await?;
        changed += 1;
    }
    txn.commit().await?;
    Ok(changed)
}

/// The products carrying these barcodes (a price list's lines), in batches of 500 so
/// that no statement holds too many parameters.
pub async fn find_by_barcodes(
    db: &impl ConnectionTrait,
    barcodes: &[String],
) -> StoreResult<Vec<Product>> {
    let mut found = Vec::new();
    for chunk in barcodes.chunks(500) {
        found.extend(
            product::Entity::find()
                .filter(product::Column::Barcode.is_in(chunk.iter().cloned()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
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

/// Products whose name, SKU or barcode contains `text` (any case), by name; with `active_only`
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
                .add(Expr::expr(Func::lower(Expr::col(product::Column::Sku))).like(pattern.clone()))
                .add(Expr::col(product::Column::Barcode).like(pattern)),
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
