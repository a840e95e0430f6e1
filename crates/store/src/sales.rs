//! Sales: recording a checkout in one transaction, reversing it (refund, cancel), and
//! the figures of a cashier's history.

use crate::audit::{self, Actor};
use crate::entities::{
    customer, payment, points_entry, product, sale, sale_event, sale_line, store, till, user,
};
use crate::{placeholders, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::sale::ticket_number;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, Statement, TransactionTrait, Value,
};

pub use payment::Model as Payment;
pub use sale::Model as Sale;
pub use sale_line::Model as SaleLine;

/// Status of a sale that counts in revenue.
pub const COMPLETED: &str = "COMPLETED";
/// Status after a refund.
pub const REFUNDED: &str = "REFUNDED";
/// Status after a same-day cancellation.
pub const CANCELLED: &str = "CANCELLED";

/// A line as recorded.
#[derive(Clone, Debug)]
pub struct NewLine {
    /// Product.
    pub product_id: i64,
    /// Units.
    pub quantity: i64,
    /// Catalogue price at the time of sale.
    pub unit_price: i64,
    /// quantity × unit price.
    pub line_total: i64,
    /// Share of the discounts.
    pub discount: i64,
    /// VAT, basis points.
    pub vat_rate_bp: i32,
    /// Cost, for margins.
    pub unit_cost: i64,
}

/// A payment as recorded.
#[derive(Clone, Debug)]
pub struct NewPayment {
    /// Method (`ESPECES`).
    pub method: String,
    /// Tendered.
    pub amount: i64,
    /// Kept (cash net of change).
    pub applied_amount: i64,
    /// Reference.
    pub reference: Option<String>,
}

/// Everything a checkout writes; amounts come from `crm_domain::sale`.
#[derive(Clone, Debug)]
pub struct NewSale {
    /// Store.
    pub store_id: i64,
    /// Its code, for the ticket number.
    pub store_code: String,
    /// Till.
    pub till_id: i64,
    /// Cashier.
    pub cashier_id: i64,
    /// Customer, if identified.
    pub customer_id: Option<i64>,
    /// Store-local date.
    pub business_date: NaiveDate,
    /// Loyalty percent applied.
    pub loyalty_percent: String,
    /// Sous-total.
    pub subtotal: i64,
    /// Remise fidélité.
    pub loyalty_discount: i64,
    /// Coupon discount.
    pub coupon_discount: i64,
    /// Total TTC.
    pub total: i64,
    /// VAT included.
    pub vat_total: i64,
    /// Points earned.
    pub points_earned: i64,
    /// Tendered.
    pub paid: i64,
    /// Change.
    pub change_given: i64,
    /// Lines.
    pub lines: Vec<NewLine>,
    /// Payments.
    pub payments: Vec<NewPayment>,
    /// `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// Hash of the request body, to spot a key reused for another basket.
    pub request_hash: Option<String>,
    /// The coupon applied, checked again under its lock before anything is written.
    pub coupon: Option<crate::coupons::CouponToRedeem>,
}

/// What recording a sale did.
#[derive(Debug)]
pub enum Recorded {
    /// A new sale.
    Created(Sale),
    /// The same request was already recorded under this key: nothing written.
    Replayed(Sale),
    /// The key was used before for a different basket: nothing written.
    KeyReused,
}

async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    cashier_id: i64,
    key: &str,
) -> StoreResult<Option<Sale>> {
    Ok(sale::Entity::find()
        .filter(sale::Column::CashierId.eq(cashier_id))
        .filter(sale::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

fn replay(existing: Sale, hash: &Option<String>) -> Recorded {
    if existing.request_hash == *hash {
        Recorded::Replayed(existing)
    } else {
        Recorded::KeyReused
    }
}

/// Records a checkout: ticket number, sale, lines, payments, and the customer's points,
/// spend and last visit — in one transaction.
pub async fn record(db: &DatabaseConnection, new: NewSale) -> StoreResult<Recorded> {
    if let Some(key) = &new.idempotency_key {
        if let Some(existing) = by_idempotency_key(db, new.cashier_id, key).await? {
            return Ok(replay(existing, &new.request_hash));
        }
    }
    let txn = db.begin().await?;
    match write_sale(&txn, &new).await {
        Ok(created) => {
            txn.commit().await?;
            Ok(Recorded::Created(created))
        }
        Err(e) => {
            txn.rollback().await?;
            // Another request with the same key may have won the race (it then also
            // holds the coupon use this one waited for): answer with its sale.
            if let Some(key) = &new.idempotency_key {
                if let Some(existing) = by_idempotency_key(db, new.cashier_id, key).await? {
                    return Ok(replay(existing, &new.request_hash));
                }
            }
            Err(e)
        }
    }
}

async fn write_sale(txn: &impl ConnectionTrait, new: &NewSale) -> StoreResult<Sale> {
    // The counter is the first write: on SQLite it takes the write lock before any read.
    let seq = next_ticket_sequence(txn, new.store_id, new.business_date).await?;
    // Tills using one coupon queue here (row lock); the caps are counted after the wait.
    if let Some(redeem) = &new.coupon {
        crate::coupons::lock_and_check(txn, redeem).await?;
    }
    let now = Utc::now();
    let created = sale::ActiveModel {
        store_id: Set(new.store_id),
        till_id: Set(new.till_id),
        cashier_id: Set(new.cashier_id),
        customer_id: Set(new.customer_id),
        ticket_number: Set(ticket_number(&new.store_code, new.business_date, seq)),
        status: Set(COMPLETED.to_owned()),
        subtotal: Set(new.subtotal),
        loyalty_percent: Set(new.loyalty_percent.clone()),
        loyalty_discount: Set(new.loyalty_discount),
        coupon_discount: Set(new.coupon_discount),
        total: Set(new.total),
        vat_total: Set(new.vat_total),
        points_earned: Set(new.points_earned),
        paid: Set(new.paid),
        change_given: Set(new.change_given),
        business_date: Set(new.business_date),
        created_at: Set(now),
        idempotency_key: Set(new.idempotency_key.clone()),
        request_hash: Set(new.request_hash.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| StoreError::from_write(e, "idempotency_key"))?;
    sale_line::Entity::insert_many(new.lines.iter().map(|l| sale_line::ActiveModel {
        sale_id: Set(created.id),
        product_id: Set(l.product_id),
        quantity: Set(l.quantity),
        unit_price: Set(l.unit_price),
        line_total: Set(l.line_total),
        discount: Set(l.discount),
        vat_rate_bp: Set(l.vat_rate_bp),
        unit_cost: Set(l.unit_cost),
        ..Default::default()
    }))
    .exec_without_returning(txn)
    .await?;
    payment::Entity::insert_many(new.payments.iter().map(|p| payment::ActiveModel {
        sale_id: Set(created.id),
        method: Set(p.method.clone()),
        amount: Set(p.amount),
        applied_amount: Set(p.applied_amount),
        reference: Set(p.reference.clone()),
        ..Default::default()
    }))
    .exec_without_returning(txn)
    .await?;
    if let Some(redeem) = &new.coupon {
        crate::coupons::record_use(txn, redeem, created.id, now).await?;
    }
    if let Some(customer_id) = new.customer_id {
        credit_customer(
            txn,
            customer_id,
            created.id,
            new.points_earned,
            new.total,
            1,
            "EARN",
            now,
        )
        .await?;
    }
    let lines: Vec<(i64, i64, i64)> = new
        .lines
        .iter()
        .map(|l| (l.product_id, l.quantity, l.line_total - l.discount))
        .collect();
    let payments: Vec<(String, i64)> = new
        .payments
        .iter()
        .map(|p| (p.method.clone(), p.applied_amount))
        .collect();
    add_to_rollups(txn, &created, &lines, &payments, 1).await?;
    Ok(created)
}

/// Adds a completed sale to its cashier's daily totals (`sign` = 1), or takes a reversed
/// one out (`sign` = -1). Lines are (product, quantity, revenue after discount); payments
/// (method, amount kept).
async fn add_to_rollups(
    txn: &impl ConnectionTrait,
    sale: &Sale,
    lines: &[(i64, i64, i64)],
    payments: &[(String, i64)],
    sign: i64,
) -> StoreResult<()> {
    let backend = txn.get_database_backend();
    let run = |sql: &'static str, values: Vec<Value>| async move {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, sql),
            values,
        ))
        .await
    };
    run(
        "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (cashier_id, business_date) DO UPDATE SET sales_count = cashier_day.sales_count + excluded.sales_count, \
         revenue = cashier_day.revenue + excluded.revenue, discounts = cashier_day.discounts + excluded.discounts",
        vec![
            sale.cashier_id.into(),
            sale.business_date.into(),
            sign.into(),
            (sign * sale.total).into(),
            (sign * (sale.loyalty_discount + sale.coupon_discount)).into(),
        ],
    )
    .await?;
    for (product_id, quantity, revenue) in lines {
        run(
            "INSERT INTO cashier_day_product (cashier_id, business_date, product_id, quantity, revenue) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cashier_id, business_date, product_id) DO UPDATE SET \
             quantity = cashier_day_product.quantity + excluded.quantity, revenue = cashier_day_product.revenue + excluded.revenue",
            vec![sale.cashier_id.into(), sale.business_date.into(), (*product_id).into(), (sign * quantity).into(), (sign * revenue).into()],
        )
        .await?;
    }
    for (method, amount) in payments {
        run(
            "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cashier_id, business_date, method) DO UPDATE SET \
             amount = cashier_day_payment.amount + excluded.amount, payments = cashier_day_payment.payments + excluded.payments",
            vec![sale.cashier_id.into(), sale.business_date.into(), method.clone().into(), (sign * amount).into(), sign.into()],
        )
        .await?;
    }
    Ok(())
}

/// Recomputes every cashier's daily totals from the sales (after a bulk load or an
/// import, which write sales without going through checkout).
pub async fn rebuild_rollups(db: &DatabaseConnection) -> StoreResult<()> {
    let txn = db.begin().await?;
    for sql in [
        "DELETE FROM cashier_day",
        "DELETE FROM cashier_day_product",
        "DELETE FROM cashier_day_payment",
        "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts) \
         SELECT cashier_id, business_date, COUNT(*), SUM(total), SUM(loyalty_discount + coupon_discount) \
         FROM sales WHERE status = 'COMPLETED' GROUP BY cashier_id, business_date",
        "INSERT INTO cashier_day_product (cashier_id, business_date, product_id, quantity, revenue) \
         SELECT s.cashier_id, s.business_date, l.product_id, SUM(l.quantity), SUM(l.line_total - l.discount) \
         FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.status = 'COMPLETED' \
         GROUP BY s.cashier_id, s.business_date, l.product_id",
        "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments) \
         SELECT s.cashier_id, s.business_date, p.method, SUM(p.applied_amount), COUNT(*) \
         FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.status = 'COMPLETED' \
         GROUP BY s.cashier_id, s.business_date, p.method",
    ] {
        txn.execute_unprepared(sql).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Adds (or, with negative figures, takes back) a sale's effect on a customer, and
/// appends the points movement to the ledger.
#[allow(clippy::too_many_arguments)]
async fn credit_customer(
    txn: &impl ConnectionTrait,
    customer_id: i64,
    sale_id: i64,
    points: i64,
    spend: i64,
    purchases: i64,
    kind: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut update = customer::Entity::update_many()
        .col_expr(
            customer::Column::Points,
            Expr::col(customer::Column::Points).add(points),
        )
        .col_expr(
            customer::Column::LifetimeSpend,
            Expr::col(customer::Column::LifetimeSpend).add(spend),
        )
        .col_expr(
            customer::Column::PurchasesCount,
            Expr::col(customer::Column::PurchasesCount).add(purchases),
        )
        .col_expr(customer::Column::UpdatedAt, Expr::value(now));
    if purchases > 0 {
        update = update.col_expr(customer::Column::LastVisitAt, Expr::value(Some(now)));
    }
    update
        .filter(customer::Column::Id.eq(customer_id))
        .exec(txn)
        .await?;
    if points != 0 {
        points_entry::ActiveModel {
            customer_id: Set(customer_id),
            sale_id: Set(Some(sale_id)),
            kind: Set(kind.to_owned()),
            points: Set(points),
            note: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Draws the next ticket sequence of a store's day, atomically.
async fn next_ticket_sequence(
    txn: &impl ConnectionTrait,
    store_id: i64,
    day: NaiveDate,
) -> StoreResult<u32> {
    let sql = "INSERT INTO ticket_counters (store_id, business_date, last_seq) VALUES ($1, $2, 1) \
               ON CONFLICT (store_id, business_date) DO UPDATE SET last_seq = ticket_counters.last_seq + 1 \
               RETURNING last_seq";
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            placeholders(txn.get_database_backend(), sql),
            [Value::from(store_id), Value::from(day)],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let seq: i32 = row.try_get("", "last_seq")?;
    Ok(seq as u32)
}

/// Outcome of a refund or cancellation.
#[derive(Debug)]
pub enum Reversal {
    /// Done: the sale as it is now.
    Reversed(Sale),
    /// It was already refunded or cancelled.
    AlreadyReversed(Sale),
}

/// Refunds or cancels a completed sale: status, points, spend and purchase count taken
/// back, an event and an audit entry — in one transaction.
pub async fn reverse(
    db: &DatabaseConnection,
    sale_id: i64,
    new_status: &str,
    actor: &Actor,
    reason: &str,
) -> StoreResult<Reversal> {
    let txn = db.begin().await?;
    // The conditional update is the lock: of two concurrent refunds one wins.
    let changed = sale::Entity::update_many()
        .col_expr(sale::Column::Status, Expr::value(new_status))
        .filter(sale::Column::Id.eq(sale_id))
        .filter(sale::Column::Status.eq(COMPLETED))
        .exec(&txn)
        .await?;
    let current = sale::Entity::find_by_id(sale_id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(Reversal::AlreadyReversed(current));
    }
    let now = Utc::now();
    crate::coupons::release_uses(&txn, sale_id, now).await?;
    if let Some(customer_id) = current.customer_id {
        credit_customer(
            &txn,
            customer_id,
            sale_id,
            -current.points_earned,
            -current.total,
            -1,
            "REVERSE",
            now,
        )
        .await?;
    }
    let lines: Vec<(i64, i64, i64)> = sale_line::Entity::find()
        .filter(sale_line::Column::SaleId.eq(sale_id))
        .all(&txn)
        .await?
        .iter()
        .map(|l| (l.product_id, l.quantity, l.line_total - l.discount))
        .collect();
    let payments: Vec<(String, i64)> = payment::Entity::find()
        .filter(payment::Column::SaleId.eq(sale_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.method, p.applied_amount))
        .collect();
    add_to_rollups(&txn, &current, &lines, &payments, -1).await?;
    sale_event::ActiveModel {
        sale_id: Set(sale_id),
        kind: Set(new_status.to_owned()),
        actor_user_id: Set(actor.user_id),
        reason: Set(reason.to_owned()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        if new_status == REFUNDED {
            "sale.refund"
        } else {
            "sale.cancel"
        },
        "sale",
        Some(sale_id.to_string()),
        Some(serde_json::json!({"status": COMPLETED})),
        Some(serde_json::json!({"status": new_status, "reason": reason})),
    )
    .await?;
    txn.commit().await?;
    Ok(Reversal::Reversed(current))
}

/// A sale with everything its receipt shows.
#[derive(Clone, Debug)]
pub struct SaleDetail {
    /// The sale.
    pub sale: Sale,
    /// Lines with their product.
    pub lines: Vec<(SaleLine, product::Model)>,
    /// Payments.
    pub payments: Vec<Payment>,
    /// Store.
    pub store: store::Model,
    /// Till.
    pub till: till::Model,
    /// Cashier.
    pub cashier: user::Model,
    /// Customer.
    pub customer: Option<customer::Model>,
    /// Code of the coupon used, if any.
    pub coupon_code: Option<String>,
}

/// Loads a sale and its receipt data.
pub async fn detail(db: &impl ConnectionTrait, sale_id: i64) -> StoreResult<Option<SaleDetail>> {
    let Some(sale) = sale::Entity::find_by_id(sale_id).one(db).await? else {
        return Ok(None);
    };
    let lines = sale_line::Entity::find()
        .filter(sale_line::Column::SaleId.eq(sale_id))
        .order_by_asc(sale_line::Column::Id)
        .find_also_related_product(db)
        .await?;
    let payments = payment::Entity::find()
        .filter(payment::Column::SaleId.eq(sale_id))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?;
    let store = store::Entity::find_by_id(sale.store_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let till = till::Entity::find_by_id(sale.till_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let cashier = user::Entity::find_by_id(sale.cashier_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let customer = match sale.customer_id {
        Some(id) => customer::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let coupon_code = if sale.coupon_discount > 0 {
        crate::coupons::used_by_sale(db, sale.id)
            .await?
            .map(|(code, _)| code)
    } else {
        None
    };
    Ok(Some(SaleDetail {
        sale,
        lines,
        payments,
        store,
        till,
        cashier,
        customer,
        coupon_code,
    }))
}

trait FindLinesWithProducts {
    async fn find_also_related_product(
        self,
        db: &impl ConnectionTrait,
    ) -> StoreResult<Vec<(SaleLine, product::Model)>>;
}

impl FindLinesWithProducts for sea_orm::Select<sale_line::Entity> {
    async fn find_also_related_product(
        self,
        db: &impl ConnectionTrait,
    ) -> StoreResult<Vec<(SaleLine, product::Model)>> {
        let lines = self.all(db).await?;
        let ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(ids))
            .all(db)
            .await?;
        lines
            .into_iter()
            .map(|l| {
                let p = products
                    .iter()
                    .find(|p| p.id == l.product_id)
                    .cloned()
                    .ok_or(StoreError::NotFound)?;
                Ok((l, p))
            })
            .collect()
    }
}

/// The store a till belongs to, or the first till of the first store when none is given.
pub async fn till_and_store(
    db: &impl ConnectionTrait,
    till_id: Option<i64>,
) -> StoreResult<Option<(till::Model, store::Model)>> {
    let till = match till_id {
        Some(id) => till::Entity::find_by_id(id).one(db).await?,
        None => {
            till::Entity::find()
                .order_by_asc(till::Column::Id)
                .one(db)
                .await?
        }
    };
    let Some(till) = till.filter(|t| t.active) else {
        return Ok(None);
    };
    let store = store::Entity::find_by_id(till.store_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Some((till, store)))
}

/// Whose sales and when: `[start, end)` in UTC, i.e. the store-local days
/// `first_day..=last_day`.
#[derive(Clone, Copy, Debug)]
pub struct HistoryScope {
    /// Cashier.
    pub cashier_id: i64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// First store-local day.
    pub first_day: NaiveDate,
    /// Last store-local day (inclusive).
    pub last_day: NaiveDate,
}

/// Completed sales count, revenue and discounts.
pub async fn summary(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
) -> StoreResult<(i64, i64, i64)> {
    let row = query_one(
        db,
        "SELECT CAST(COALESCE(SUM(sales_count), 0) AS BIGINT) AS n, CAST(COALESCE(SUM(revenue), 0) AS BIGINT) AS revenue, \
         CAST(COALESCE(SUM(discounts), 0) AS BIGINT) AS discounts \
         FROM cashier_day WHERE cashier_id = $1 AND business_date >= $2 AND business_date <= $3",
        scope,
    )
    .await?;
    Ok((
        row.try_get("", "n")?,
        row.try_get("", "revenue")?,
        row.try_get("", "discounts")?,
    ))
}

/// Revenue and sales count per store-local day.
pub async fn per_day(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
) -> StoreResult<Vec<(NaiveDate, i64, i64)>> {
    let rows = query_all(
        db,
        "SELECT business_date AS day, revenue, sales_count AS n FROM cashier_day \
         WHERE cashier_id = $1 AND business_date >= $2 AND business_date <= $3 AND sales_count > 0 ORDER BY business_date",
        scope,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "day")?,
                r.try_get("", "revenue")?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// Top 10 products by quantity: (id, name, quantity, revenue after discounts).
pub async fn top_products(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    let rows = query_all(
        db,
        "SELECT d.product_id AS id, p.name AS name, CAST(SUM(d.quantity) AS BIGINT) AS qty, \
         CAST(SUM(d.revenue) AS BIGINT) AS revenue \
         FROM cashier_day_product d JOIN products p ON p.id = d.product_id \
         WHERE d.cashier_id = $1 AND d.business_date >= $2 AND d.business_date <= $3 \
         GROUP BY d.product_id, p.name HAVING SUM(d.quantity) > 0 ORDER BY qty DESC, revenue DESC, d.product_id LIMIT 10",
        scope,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "name")?,
                r.try_get("", "qty")?,
                r.try_get("", "revenue")?,
            ))
        })
        .collect()
}

/// Takings per payment method: (method, amount kept, payments).
pub async fn payment_split(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
) -> StoreResult<Vec<(String, i64, i64)>> {
    let rows = query_all(
        db,
        "SELECT method, CAST(SUM(amount) AS BIGINT) AS amount, CAST(SUM(payments) AS BIGINT) AS n \
         FROM cashier_day_payment WHERE cashier_id = $1 AND business_date >= $2 AND business_date <= $3 \
         GROUP BY method HAVING SUM(payments) > 0 ORDER BY amount DESC",
        scope,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "method")?,
                r.try_get("", "amount")?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// A page of the cashier's sales in the period (every status), newest first, with the
/// customer number.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<(Sale, Option<String>)>, u64)> {
    let query = sale::Entity::find()
        .filter(sale::Column::CashierId.eq(scope.cashier_id))
        .filter(sale::Column::CreatedAt.gte(scope.start))
        .filter(sale::Column::CreatedAt.lt(scope.end))
        .order_by_desc(sale::Column::CreatedAt)
        .order_by_desc(sale::Column::Id);
    let paginator = query.paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let sales = paginator.fetch_page(page.saturating_sub(1)).await?;
    let ids: Vec<i64> = sales.iter().filter_map(|s| s.customer_id).collect();
    let customers = customer::Entity::find()
        .filter(customer::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let rows = sales
        .into_iter()
        .map(|s| {
            let number = s
                .customer_id
                .and_then(|id| customers.iter().find(|c| c.id == id))
                .and_then(|c| c.customer_number.clone());
            (s, number)
        })
        .collect();
    Ok((rows, total))
}

fn scoped(db: &impl ConnectionTrait, sql: &str, scope: HistoryScope) -> Statement {
    Statement::from_sql_and_values(
        db.get_database_backend(),
        placeholders(db.get_database_backend(), sql),
        [
            Value::from(scope.cashier_id),
            Value::from(scope.first_day),
            Value::from(scope.last_day),
        ],
    )
}

async fn query_one(
    db: &impl ConnectionTrait,
    sql: &str,
    scope: HistoryScope,
) -> StoreResult<sea_orm::QueryResult> {
    db.query_one_raw(scoped(db, sql, scope))
        .await?
        .ok_or(StoreError::NotFound)
}

async fn query_all(
    db: &impl ConnectionTrait,
    sql: &str,
    scope: HistoryScope,
) -> StoreResult<Vec<sea_orm::QueryResult>> {
    Ok(db.query_all_raw(scoped(db, sql, scope)).await?)
}

/// Number of sales (tests and the demo use it).
pub async fn count(db: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(sale::Entity::find().count(db).await?)
}
