//! Demo data only: gives seeded customers a believable standing. Real levels come from
//! the loyalty analysis and real points from sales.

use crate::entities::{customer, sale};
use crate::{StoreError, StoreResult};
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
    let rows = batch.into_iter().map(|c| {
        let keys = crm_domain::customer::name_keys(Some(&c.first_name), Some(&c.last_name));
        customer::ActiveModel {
            name_key: Set(keys.0),
            name_key_first: Set(keys.1),
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
            last_visit_at: Set(
                (c.purchases_count > 0).then_some(now - Duration::days(c.points % 60))
            ),
            level_changed_at: Set(None),
            active: Set(true),
            sms_consent: Set(c.points % 2 == 0),
            email_consent: Set(false),
            home_store_id: Set(Some(c.home_store_id)),
            erased_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        }
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

/// A generated sale for bulk loading, with its own id (lines and payments point to it).
pub struct GeneratedSale {
    /// Id, allocated by the generator above the current maximum.
    pub id: i64,
    /// The sale row's values (`id` is ignored).
    pub sale: crate::sales::NewSale,
    /// Ticket number.
    pub ticket_number: String,
    /// Status.
    pub status: crm_domain::sale::SaleStatus,
    /// When.
    pub created_at: chrono::DateTime<Utc>,
}

/// The first free sale id.
pub async fn next_sale_id(db: &impl ConnectionTrait) -> StoreResult<i64> {
    let max: Option<i64> = sale::Entity::find()
        .select_only()
        .column_as(sale::Column::Id.max(), "max_id")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(max.unwrap_or(0) + 1)
}

/// Writes a batch of generated sales with their lines and payments: `COPY` on
/// PostgreSQL (millions of rows in minutes), multi-row inserts on SQLite.
pub async fn insert_sales(
    db: &crate::DatabaseConnection,
    batch: &[GeneratedSale],
) -> StoreResult<()> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => copy_sales(db, batch).await,
        _ => insert_sales_rows(db, batch).await,
    }
}

async fn copy_sales(db: &crate::DatabaseConnection, batch: &[GeneratedSale]) -> StoreResult<()> {
    use std::fmt::Write;
    let mut sales = String::new();
    let mut lines = String::new();
    let mut payments = String::new();
    let null = |v: Option<i64>| v.map_or_else(|| "\\N".to_owned(), |v| v.to_string());
    for g in batch {
        let s = &g.sale;
        let _ = writeln!(
            sales,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            g.id,
            s.header.store_id,
            s.header.till_id,
            s.header.cashier_id,
            null(s.header.customer_id),
            g.ticket_number,
            g.status.as_str(),
            s.subtotal,
            s.loyalty_percent,
            s.loyalty_discount,
            s.coupon_discount,
            s.total,
            s.vat_total,
            s.points_earned,
            s.paid,
            s.change_given,
            s.header.business_date,
            g.created_at.format("%Y-%m-%d %H:%M:%S%.6f+00"),
        );
        for l in &s.lines {
            let _ = writeln!(
                lines,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                g.id,
                l.product_id,
                l.quantity,
                l.unit_price,
                l.line_total,
                l.discount,
                l.vat_rate_bp,
                l.unit_cost
            );
        }
        for p in &s.payments {
            let _ = writeln!(
                payments,
                "{}\t{}\t{}\t{}\t\\N",
                g.id, p.method, p.amount, p.applied_amount
            );
        }
    }
    let pool = db.get_postgres_connection_pool();
    let copy = |sql: &'static str, data: String| async move {
        use sea_orm::sqlx::postgres::PgPoolCopyExt;
        let mut writer = pool.copy_in_raw(sql).await.map_err(sqlx_err)?;
        writer.send(data.into_bytes()).await.map_err(sqlx_err)?;
        writer.finish().await.map_err(sqlx_err)?;
        Ok::<(), StoreError>(())
    };
    // Sales first (lines and payments point to them), then the two others side by side.
    copy(
        "COPY sales (id, store_id, till_id, cashier_id, customer_id, ticket_number, status, subtotal, \
         loyalty_percent, loyalty_discount, coupon_discount, total, vat_total, points_earned, paid, \
         change_given, business_date, created_at) FROM STDIN",
        sales,
    )
    .await?;
    let (lines_done, payments_done) = futures::join!(
    copy(
        "COPY sale_lines (sale_id, product_id, quantity, unit_price, line_total, discount, vat_rate_bp, unit_cost) FROM STDIN",
        lines,
    ),
    copy("COPY payments (sale_id, method, amount, applied_amount, reference) FROM STDIN", payments)
    );
    lines_done.and(payments_done)
}

fn sqlx_err(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

async fn insert_sales_rows(
    db: &crate::DatabaseConnection,
    batch: &[GeneratedSale],
) -> StoreResult<()> {
    use crate::entities::{payment, sale_line};
    use sea_orm::{Set, TransactionTrait};
    let txn = db.begin().await?;
    for chunk in batch.chunks(500) {
        sale::Entity::insert_many(chunk.iter().map(|g| sale::ActiveModel {
            id: Set(g.id),
            ..g.sale.row(g.ticket_number.clone(), g.status, g.created_at)
        }))
        .exec_without_returning(&txn)
        .await?;
        sale_line::Entity::insert_many(
            chunk
                .iter()
                .flat_map(|g| g.sale.lines.iter().map(move |l| l.row(g.id))),
        )
        .exec_without_returning(&txn)
        .await?;
        payment::Entity::insert_many(
            chunk
                .iter()
                .flat_map(|g| g.sale.payments.iter().map(move |p| p.row(g.id))),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    sea_orm::TransactionSession::commit(txn).await?;
    Ok(())
}

/// Secondary indexes of the sales tables, dropped for a bulk load into empty tables on
/// PostgreSQL and rebuilt after it (`pg_indexes` keeps their exact definitions, so the
/// migrations stay the only place that declares them). Returns the statements that
/// rebuild them; empty on SQLite or when the tables already hold sales.
pub async fn suspend_sales_indexes(db: &crate::DatabaseConnection) -> StoreResult<Vec<String>> {
    use sea_orm::{PaginatorTrait, Statement};
    if db.get_database_backend() != sea_orm::DbBackend::Postgres
        || sale::Entity::find().count(db).await? > 0
    {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()              AND tablename IN ('sales', 'sale_lines', 'payments') AND indexname NOT LIKE '%_pkey'",
        ))
        .await?;
    let mut rebuild = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("", "indexname")?;
        let definition: String = row.try_get("", "indexdef")?;
        // Unique constraints made by `unique_key()` are constraints, not bare indexes.
        let constraint = db
            .query_one_raw(crate::sql::statement(
                db,
                "SELECT conrelid::regclass::text AS tbl FROM pg_constraint WHERE conname = $1",
                [name.clone().into()],
            ))
            .await?;
        match constraint {
            Some(c) => {
                let table: String = c.try_get("", "tbl")?;
                db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""))
                    .await?;
                rebuild.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" UNIQUE USING INDEX \"{name}\""
                ));
                rebuild.insert(0, definition);
            }
            None => {
                db.execute_unprepared(&format!("DROP INDEX \"{name}\""))
                    .await?;
                rebuild.insert(0, definition);
            }
        }
    }
    Ok(rebuild)
}

/// Runs what [`suspend_sales_indexes`] returned.
pub async fn restore_sales_indexes(
    db: &crate::DatabaseConnection,
    rebuild: &[String],
) -> StoreResult<()> {
    for statement in rebuild {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// After a bulk load: customers' spend, visits and points follow their completed sales
/// (with one `DEMO` ledger entry each), today's ticket counters continue after the
/// generated tickets, and PostgreSQL's id sequence passes the generated ids.
pub async fn finish_sales_load(
    db: &crate::DatabaseConnection,
    store_id: i64,
    counters: &[(chrono::NaiveDate, u32)],
) -> StoreResult<()> {
    use sea_orm::Value;
    let backend = db.get_database_backend();
    crate::sales::recompute_customer_totals(db, crate::sales::LoadedSales::Generated).await?;
    db.execute_unprepared(
        "INSERT INTO points_ledger (customer_id, sale_id, kind, points, note, created_at) \
         SELECT id, NULL, 'DEMO', points, 'données de démonstration', updated_at FROM customers WHERE points > 0",
    )
    .await?;
    for (day, last) in counters {
        let sql = match backend {
            sea_orm::DbBackend::Postgres => "INSERT INTO ticket_counters (store_id, business_date, last_seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (store_id, business_date) DO UPDATE SET last_seq = GREATEST(ticket_counters.last_seq, EXCLUDED.last_seq)",
            _ => "INSERT INTO ticket_counters (store_id, business_date, last_seq) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (store_id, business_date) DO UPDATE SET last_seq = MAX(ticket_counters.last_seq, excluded.last_seq)",
        };
        db.execute_raw(crate::sql::statement(
            db,
            sql,
            [
                Value::from(store_id),
                Value::from(*day),
                Value::from(*last as i32),
            ],
        ))
        .await?;
    }
    if backend == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('sales', 'id'), (SELECT MAX(id) FROM sales))",
        )
        .await?;
        db.execute_unprepared(
            "ANALYZE sales; ANALYZE sale_lines; ANALYZE payments; ANALYZE customers",
        )
        .await?;
    }
    Ok(())
}

/// Ids and levels of every active customer (the generator picks buyers among them).
pub async fn customer_levels(
    db: &impl ConnectionTrait,
) -> StoreResult<Vec<(i64, crm_domain::Level)>> {
    let rows: Vec<(i64, String)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::Level)
        .filter(customer::Column::Active.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(id, level)| Ok((id, crate::stored("customers.level", &level)?)))
        .collect()
}

/// A coupon use the demo generator rings up with its sale.
pub struct GeneratedRedemption {
    /// The coupon.
    pub coupon_id: i64,
    /// Who used it.
    pub customer_id: i64,
    /// The sale it was used in.
    pub sale_id: i64,
    /// The discount it gave, FCFA.
    pub amount: i64,
    /// When.
    pub at: chrono::DateTime<Utc>,
    /// The sale was refunded: the use no longer counts.
    pub released_at: Option<chrono::DateTime<Utc>>,
}

/// Records generated coupon uses (their sales are already in), then sets every used
/// coupon's `uses_count` to its uses that still count — what the checkout keeps sale by
/// sale.
pub async fn insert_redemptions(
    db: &crate::DatabaseConnection,
    uses: &[GeneratedRedemption],
) -> StoreResult<()> {
    use crate::entities::coupon_redemption;
    use sea_orm::Set;
    // 6 columns × 1 000 rows stays under SQLite's 32 766 bound values.
    for chunk in uses.chunks(1_000) {
        coupon_redemption::Entity::insert_many(chunk.iter().map(|u| {
            coupon_redemption::ActiveModel {
                coupon_id: Set(u.coupon_id),
                customer_id: Set(Some(u.customer_id)),
                sale_id: Set(u.sale_id),
                amount: Set(u.amount),
                at: Set(u.at),
                released_at: Set(u.released_at),
                ..Default::default()
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    db.execute_unprepared(
        "UPDATE coupons SET uses_count = (SELECT COUNT(*) FROM coupon_redemptions r \
           WHERE r.coupon_id = coupons.id AND r.released_at IS NULL) \
         WHERE id IN (SELECT coupon_id FROM coupon_redemptions)",
    )
    .await?;
    Ok(())
}

/// The congratulation coupons the loyalty analyses issued that nobody has used yet, in
/// id order (the demo generator has some of them spent).
pub async fn unused_congratulations(
    db: &impl ConnectionTrait,
) -> StoreResult<Vec<crate::coupons::CouponRow>> {
    use crate::entities::{coupon, job};
    use sea_orm::sea_query::Query;
    use sea_orm::QueryOrder;
    let analyses = Query::select()
        .column(job::Column::Id)
        .from(job::Entity)
        .and_where(job::Column::Kind.eq(crm_domain::job::JobKind::LoyaltyAnalysis.as_str()))
        .to_owned();
    Ok(coupon::Entity::find()
        .filter(coupon::Column::IssueJobId.in_subquery(analyses))
        .filter(coupon::Column::CustomerId.is_not_null())
        .filter(coupon::Column::UsesCount.eq(0))
        .order_by_asc(coupon::Column::Id)
        .all(db)
        .await?)
}

/// Fresh planner statistics after a bulk load (PostgreSQL; SQLite plans without them),
/// so that what runs next — the demo's loyalty analyses — picks the indexes.
pub async fn refresh_statistics(db: &crate::DatabaseConnection) -> StoreResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE sales; ANALYZE customers")
            .await?;
    }
    Ok(())
}
