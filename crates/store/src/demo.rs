//! Demo data only: gives seeded customers a believable standing. Real levels come from
//! the loyalty analysis and real points from sales.

use crate::entities::customer;
use crate::StoreResult;
use chrono::{Duration, Utc};
use crm_domain::Level;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// Sets level, points, spend and purchase count of a demo customer.
pub async fn set_standing(
    db: &impl ConnectionTrait,
    id: i64,
    level: Level,
    points: i64,
    lifetime_spend: i64,
    purchases: i64,
) -> StoreResult<()> {
    let last_visit = (purchases > 0).then(|| Utc::now() - Duration::days(3));
    customer::Entity::update_many()
        .col_expr(customer::Column::Level, Expr::value(level.as_str()))
        .col_expr(customer::Column::Points, Expr::value(points))
        .col_expr(customer::Column::LifetimeSpend, Expr::value(lifetime_spend))
        .col_expr(customer::Column::PurchasesCount, Expr::value(purchases))
        .col_expr(customer::Column::LastVisitAt, Expr::value(last_visit))
        .filter(customer::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A generated customer for bulk loading (demo data sets and benchmarks).
pub struct BulkCustomer {
    /// Blind index of the phone.
    pub phone_index: String,
    /// Encrypted phone.
    pub phone_cipher: String,
    /// Prénom.
    pub first_name: String,
    /// Nom.
    pub last_name: String,
    /// City.
    pub city: String,
    /// Level.
    pub level: Level,
    /// Points.
    pub points: i64,
    /// Lifetime spend, FCFA.
    pub lifetime_spend: i64,
    /// Purchases.
    pub purchases_count: i64,
    /// Sign-up time.
    pub registered_at: chrono::DateTime<Utc>,
    /// Home store.
    pub home_store_id: i64,
}

/// Inserts many customers in one statement per batch, then numbers them.
pub async fn insert_customers(
    db: &crate::DatabaseConnection,
    batch: Vec<BulkCustomer>,
) -> StoreResult<()> {
    use sea_orm::{Set, TransactionTrait};
    if batch.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = batch.into_iter().map(|c| customer::ActiveModel {
        customer_number: Set(None),
        phone_index: Set(Some(c.phone_index)),
        phone_cipher: Set(Some(c.phone_cipher)),
        first_name: Set(Some(c.first_name)),
        last_name: Set(Some(c.last_name)),
        email: Set(None),
        city: Set(c.city),
        birth_date: Set(None),
        level: Set(c.level.as_str().to_owned()),
        points: Set(c.points),
        lifetime_spend: Set(c.lifetime_spend),
        purchases_count: Set(c.purchases_count),
        registered_at: Set(c.registered_at),
        last_visit_at: Set((c.purchases_count > 0).then_some(now - Duration::days(c.points % 60))),
        level_changed_at: Set(None),
        active: Set(true),
        sms_consent: Set(c.points % 2 == 0),
        email_consent: Set(false),
        home_store_id: Set(Some(c.home_store_id)),
        erased_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    });
    let txn = db.begin().await?;
    // Only this batch is numbered: rows above the highest id before it.
    let before: Option<i64> = customer::Entity::find()
        .select_only()
        .column_as(customer::Column::Id.max(), "max_id")
        .into_tuple()
        .one(&txn)
        .await?
        .flatten();
    customer::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([customer::Column::PhoneIndex])
        .exec_without_returning(&txn)
        .await?;
    let sql = format!(
        "{} AND id > {}",
        number_unnumbered_customers_sql(db.get_database_backend()),
        before.unwrap_or(0)
    );
    txn.execute_unprepared(&sql).await?;
    sea_orm::TransactionSession::commit(txn).await?;
    Ok(())
}

/// `CLT` + id zero-padded to 7 digits: the SQL twin of
/// `crm_domain::customer::customer_number`, for bulk loads (a test checks they agree).
fn number_unnumbered_customers_sql(backend: sea_orm::DbBackend) -> &'static str {
    match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE customers SET customer_number = 'CLT' || CASE WHEN id < 10000000 \
             THEN lpad(id::text, 7, '0') ELSE id::text END WHERE customer_number IS NULL"
        }
        _ => "UPDATE customers SET customer_number = printf('CLT%07d', id) WHERE customer_number IS NULL",
    }
}
