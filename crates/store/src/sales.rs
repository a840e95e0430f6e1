//! Sales: recording a checkout in one transaction, reversing it (refund, cancel), and
//! the figures of a cashier's history.

use crate::audit::{self, Actor};
use crate::entities::{
    customer, payment, points_entry, product, refund_payment, sale, sale_event, sale_line, store,
    till, user,
};
use crate::sql::statement;
use crate::{stored, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::sale::{
    applied_amounts, points_credited, ticket_number, Payment as PaidWith, PaymentMethod,
    SaleLine as BasketLine, SaleStatus, SaleTotals,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    NotSet, PaginatorTrait, QueryFilter, QueryOrder, Set, Statement, TransactionTrait, Value,
};

pub use payment::Model as Payment;
pub use refund_payment::Model as RefundPayment;
pub use sale::Model as Sale;
pub use sale_line::Model as SaleLine;

/// The status stored on a sale, read back as the domain type.
pub fn status_of(sale: &Sale) -> StoreResult<SaleStatus> {
    stored("sales.status", &sale.status)
}

/// How a payment was made, read back as the domain type.
pub fn method_of(payment: &Payment) -> StoreResult<PaymentMethod> {
    stored("payments.method", &payment.method)
}

/// How a refund's money went back, read back as the domain type.
pub fn refund_method_of(refunded: &RefundPayment) -> StoreResult<PaymentMethod> {
    stored("refund_payments.method", &refunded.method)
}

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
    /// Method.
    pub method: PaymentMethod,
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
    /// Who sells, where, when and to whom.
    pub header: SaleHeader,
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

/// Who sells, where, when and to whom: the head of a receipt.
#[derive(Clone, Debug)]
pub struct SaleHeader {
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
    /// Their level at the time of the sale (the KPIs' segment).
    pub customer_level: Option<crm_domain::Level>,
    /// Store-local date.
    pub business_date: NaiveDate,
}

impl NewSale {
    /// What to record for a basket priced and paid by `crm_domain::sale` at
    /// `loyalty_percent`: `lines` and `unit_costs` in basket order, `totals` with its
    /// payment figures (`paid`, `change`) filled in. The one place domain figures become
    /// stored ones, so the checkout and the demo generator cannot drift apart. No key,
    /// hash or coupon: the checkout adds its own.
    pub fn from_totals(
        header: SaleHeader,
        loyalty_percent: Decimal,
        lines: &[BasketLine],
        unit_costs: impl IntoIterator<Item = i64>,
        payments: &[PaidWith],
        totals: &SaleTotals,
    ) -> NewSale {
        let applied = applied_amounts(payments, totals.change);
        let has_customer = header.customer_id.is_some();
        NewSale {
            header,
            loyalty_percent: loyalty_percent.normalize().to_string(),
            subtotal: totals.subtotal.francs(),
            loyalty_discount: totals.loyalty_discount.francs(),
            coupon_discount: totals.coupon_discount.francs(),
            total: totals.total.francs(),
            vat_total: totals.vat.iter().map(|v| v.vat.francs()).sum(),
            points_earned: points_credited(totals.total, has_customer),
            paid: totals.paid.francs(),
            change_given: totals.change.francs(),
            lines: lines
                .iter()
                .zip(unit_costs)
                .zip(&totals.line_discounts)
                .map(|((l, unit_cost), discount)| NewLine {
                    product_id: l.product_id,
                    quantity: i64::from(l.quantity),
                    unit_price: l.unit_price.francs(),
                    line_total: l.unit_price.francs() * i64::from(l.quantity),
                    discount: discount.francs(),
                    vat_rate_bp: l.vat_rate_bp as i32,
                    unit_cost,
                })
                .collect(),
            payments: payments
                .iter()
                .zip(applied)
                .map(|(p, kept)| NewPayment {
                    method: p.method,
                    amount: p.amount.francs(),
                    applied_amount: kept.francs(),
                    reference: p.reference.clone(),
                })
                .collect(),
            idempotency_key: None,
            request_hash: None,
            coupon: None,
        }
    }

    /// Its `sales` row (id left to the database or the caller). The checkout, the demo
    /// generator and the legacy import all build sale rows here.
    pub(crate) fn row(
        &self,
        ticket_number: String,
        status: SaleStatus,
        created_at: DateTime<Utc>,
    ) -> sale::ActiveModel {
        let header = &self.header;
        sale::ActiveModel {
            id: NotSet,
            store_id: Set(header.store_id),
            till_id: Set(header.till_id),
            cashier_id: Set(header.cashier_id),
            customer_id: Set(header.customer_id),
            ticket_number: Set(ticket_number),
            status: Set(status.as_str().to_owned()),
            subtotal: Set(self.subtotal),
            loyalty_percent: Set(self.loyalty_percent.clone()),
            loyalty_discount: Set(self.loyalty_discount),
            coupon_discount: Set(self.coupon_discount),
            total: Set(self.total),
            vat_total: Set(self.vat_total),
            points_earned: Set(self.points_earned),
            paid: Set(self.paid),
            change_given: Set(self.change_given),
            business_date: Set(header.business_date),
            created_at: Set(created_at),
            idempotency_key: Set(self.idempotency_key.clone()),
            request_hash: Set(self.request_hash.clone()),
            customer_level: Set(header.customer_level.map(|l| l.as_str().to_owned())),
        }
    }
}

impl NewLine {
    /// Its `sale_lines` row in sale `sale_id` (id left to the database or the caller).
    pub(crate) fn row(&self, sale_id: i64) -> sale_line::ActiveModel {
        sale_line::ActiveModel {
            id: NotSet,
            sale_id: Set(sale_id),
            product_id: Set(self.product_id),
            quantity: Set(self.quantity),
            unit_price: Set(self.unit_price),
            line_total: Set(self.line_total),
            discount: Set(self.discount),
            vat_rate_bp: Set(self.vat_rate_bp),
            unit_cost: Set(self.unit_cost),
        }
    }
}

impl NewPayment {
    /// Its `payments` row in sale `sale_id` (id left to the database or the caller).
    pub(crate) fn row(&self, sale_id: i64) -> payment::ActiveModel {
        payment::ActiveModel {
            id: NotSet,
            sale_id: Set(sale_id),
            method: Set(self.method.as_str().to_owned()),
            amount: Set(self.amount),
            applied_amount: Set(self.applied_amount),
            reference: Set(self.reference.clone()),
        }
    }
}

/// The sale `seller_id` recorded under `key`, if any: a retried checkout is answered
/// from it before anything else is looked at.
pub async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    seller_id: i64,
    key: &str,
) -> StoreResult<Option<Sale>> {
    Ok(sale::Entity::find()
        .filter(sale::Column::CashierId.eq(seller_id))
        .filter(sale::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// Records a checkout: ticket number, sale, lines, payments, coupon use, and the
/// customer's points, spend and last visit — in one transaction, all or nothing. A key
/// already taken (a concurrent retry won) is `Conflict("idempotency_key")`.
pub async fn record(db: &DatabaseConnection, new: NewSale) -> StoreResult<Sale> {
    let txn = db.begin().await?;
    match write_sale(&txn, &new).await {
        Ok(created) => {
            txn.commit().await?;
            Ok(created)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

/// The staff row a service account sells as, created on its first sale; `None` when no
/// active account has this client id.
///
/// A sale always has a cashier: its receipt names one, its ticket and "Mes ventes" figures
/// are per cashier, and the idempotency keys are per cashier. A service account with the
/// `pos` scope therefore sells as a technical user of its own (`service:<client_id>`,
/// display name = the account's name, inactive and with no password, so nobody can log in
/// as it), linked from `service_accounts.user_id`.
pub async fn service_seller(db: &DatabaseConnection, client_id: &str) -> StoreResult<Option<i64>> {
    const LINKED: &str =
        "SELECT id, name, user_id FROM service_accounts WHERE client_id = $1 AND active = $2";
    let account = || statement(db, LINKED, [client_id.into(), true.into()]);
    if let Some(row) = db.query_one_raw(account()).await? {
        if let Some(user_id) = row.try_get::<Option<i64>>("", "user_id")? {
            return Ok(Some(user_id));
        }
    }
    let txn = db.begin().await?;
    // A no-op write first: it takes the account row's lock (PostgreSQL) or the write lock
    // (SQLite), so of two first sales at once, one creates the user and the other sees it.
    txn.execute_raw(statement(
        &txn,
        "UPDATE service_accounts SET user_id = user_id WHERE client_id = $1",
        [client_id.into()],
    ))
    .await?;
    let Some(row) = txn.query_one_raw(account()).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    if let Some(user_id) = row.try_get::<Option<i64>>("", "user_id")? {
        txn.commit().await?;
        return Ok(Some(user_id));
    }
    let account_id: i64 = row.try_get("", "id")?;
    let name: String = row.try_get("", "name")?;
    let seller = user::ActiveModel {
        username: Set(format!("service:{client_id}")),
        // Not a PHC string: no password ever matches it.
        password_hash: Set("!service-account".to_owned()),
        role: Set(crm_domain::Role::Cashier.as_str().to_owned()),
        display_name: Set(name),
        active: Set(false),
        must_change_password: Set(false),
        store_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_write(e, "username"))?;
    txn.execute_raw(statement(
        &txn,
        "UPDATE service_accounts SET user_id = $1 WHERE id = $2",
        [seller.id.into(), account_id.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(Some(seller.id))
}

async fn write_sale(txn: &impl ConnectionTrait, new: &NewSale) -> StoreResult<Sale> {
    // The counter is the first write: on SQLite it takes the write lock before any read.
    let header = &new.header;
    let seq = next_ticket_sequence(txn, header.store_id, header.business_date).await?;
    // Tills using one coupon queue here (row lock); the caps are counted after the wait.
    if let Some(redeem) = &new.coupon {
        crate::coupons::lock_and_check(txn, redeem).await?;
    }
    let now = Utc::now();
    let created = new
        .row(
            ticket_number(&header.store_code, header.business_date, seq),
            SaleStatus::Completed,
            now,
        )
        .insert(txn)
        .await
        .map_err(|e| StoreError::from_write(e, "idempotency_key"))?;
    sale_line::Entity::insert_many(new.lines.iter().map(|l| l.row(created.id)))
        .exec_without_returning(txn)
        .await?;
    payment::Entity::insert_many(new.payments.iter().map(|p| p.row(created.id)))
        .exec_without_returning(txn)
        .await?;
    if let Some(redeem) = &new.coupon {
        crate::coupons::record_use(txn, redeem, created.id, now).await?;
        crate::webhooks::coupon_redeemed(txn, redeem, &created).await?;
    }
    if let Some(customer_id) = header.customer_id {
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
    let payments: Vec<(PaymentMethod, i64)> = new
        .payments
        .iter()
        .map(|p| (p.method, p.applied_amount))
        .collect();
    add_to_rollups(txn, &created, &lines, &payments, 1).await?;
    let cost = new.lines.iter().map(|l| l.quantity * l.unit_cost).sum();
    crate::kpis::add_sale(txn, &created, cost, 1).await?;
    crate::webhooks::sale_completed(txn, &created).await?;
    Ok(created)
}

/// Adds a completed sale to its cashier's daily totals (`sign` = 1), or takes a cancelled
/// one out (`sign` = -1); a refund is money out on its own day instead (`record_refund`). Lines are (product, quantity, revenue after discount); payments
/// (method, amount kept).
async fn add_to_rollups(
    txn: &impl ConnectionTrait,
    sale: &Sale,
    lines: &[(i64, i64, i64)],
    payments: &[(PaymentMethod, i64)],
    sign: i64,
) -> StoreResult<()> {
    rollup(
        txn,
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
        rollup(
            txn,
            "INSERT INTO cashier_day_product (cashier_id, business_date, product_id, quantity, revenue) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cashier_id, business_date, product_id) DO UPDATE SET \
             quantity = cashier_day_product.quantity + excluded.quantity, revenue = cashier_day_product.revenue + excluded.revenue",
            vec![sale.cashier_id.into(), sale.business_date.into(), (*product_id).into(), (sign * quantity).into(), (sign * revenue).into()],
        )
        .await?;
    }
    for (method, amount) in payments {
        rollup(
            txn,
            "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cashier_id, business_date, method) DO UPDATE SET \
             amount = cashier_day_payment.amount + excluded.amount, payments = cashier_day_payment.payments + excluded.payments",
            vec![sale.cashier_id.into(), sale.business_date.into(), method.as_str().into(), (sign * amount).into(), sign.into()],
        )
        .await?;
    }
    Ok(())
}

/// Runs one upsert of the daily totals.
async fn rollup(txn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> StoreResult<()> {
    txn.execute_raw(statement(txn, sql, values)).await?;
    Ok(())
}

/// Recomputes every cashier's daily totals from the sales and refunds (after a bulk load
/// or an import, which write sales without going through checkout), and the KPIs' own
/// (`crate::kpis::rebuild`). A refunded sale that
/// has no record of how its money went back (generated, imported) gets one first: on its
/// own day, the way it was paid. The migration `m0008` froze a copy of these statements.
pub async fn rebuild_rollups(db: &DatabaseConnection) -> StoreResult<()> {
    let txn = db.begin().await?;
    for sql in [
        "INSERT INTO refund_payments (sale_id, business_date, method, amount, created_at) \
         SELECT p.sale_id, s.business_date, p.method, p.applied_amount, s.created_at \
         FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.status = 'REFUNDED' \
         AND NOT EXISTS (SELECT 1 FROM refund_payments r WHERE r.sale_id = s.id)",
        "DELETE FROM cashier_day",
        "DELETE FROM cashier_day_product",
        "DELETE FROM cashier_day_payment",
        "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts, refunds_count, refunded) \
         SELECT cashier_id, business_date, COUNT(*), SUM(total), SUM(loyalty_discount + coupon_discount), 0, 0 \
         FROM sales WHERE status IN ('COMPLETED', 'REFUNDED') GROUP BY cashier_id, business_date",
        "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts, refunds_count, refunded) \
         SELECT s.cashier_id, r.business_date, 0, 0, 0, COUNT(DISTINCT r.sale_id), SUM(r.amount) \
         FROM refund_payments r JOIN sales s ON s.id = r.sale_id WHERE 1 = 1 GROUP BY s.cashier_id, r.business_date \
         ON CONFLICT (cashier_id, business_date) DO UPDATE SET refunds_count = excluded.refunds_count, refunded = excluded.refunded",
        "INSERT INTO cashier_day_product (cashier_id, business_date, product_id, quantity, revenue) \
         SELECT s.cashier_id, s.business_date, l.product_id, SUM(l.quantity), SUM(l.line_total - l.discount) \
         FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.status IN ('COMPLETED', 'REFUNDED') \
         GROUP BY s.cashier_id, s.business_date, l.product_id",
        "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments, refunded) \
         SELECT s.cashier_id, s.business_date, p.method, SUM(p.applied_amount), COUNT(*), 0 \
         FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.status IN ('COMPLETED', 'REFUNDED') \
         GROUP BY s.cashier_id, s.business_date, p.method",
        "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments, refunded) \
         SELECT s.cashier_id, r.business_date, r.method, 0, 0, SUM(r.amount) \
         FROM refund_payments r JOIN sales s ON s.id = r.sale_id WHERE 1 = 1 GROUP BY s.cashier_id, r.business_date, r.method \
         ON CONFLICT (cashier_id, business_date, method) DO UPDATE SET refunded = excluded.refunded",
    ] {
        txn.execute_unprepared(sql).await?;
    }
    crate::kpis::rebuild(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Whose totals [`recompute_customer_totals`] sets after a bulk load, and which of them
/// the sales decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadedSales {
    /// Generated demo sales: every customer with a completed sale gets spend, visits,
    /// points and last visit from those sales; the others keep what they were given.
    Generated,
    /// An import of the old system: every imported customer gets spend and visits from
    /// their completed sales (none: zero); the points stay the old system's balance and a
    /// last visit it recorded stays.
    Imported,
}

/// A customer's spend, visits (purchases), points and last visit, derived from their
/// completed sales in one set-based statement (PostgreSQL and SQLite ≥ 3.33), after a
/// load that wrote sales without going through checkout (which keeps them up to date
/// sale by sale). Running it again changes nothing.
pub async fn recompute_customer_totals(
    db: &impl ConnectionTrait,
    loaded: LoadedSales,
) -> StoreResult<()> {
    // One aggregate pass over the sales, joined back to the customers.
    let (customer_id, buyers, points, last_visit) = match loaded {
        LoadedSales::Generated => (
            "s.customer_id",
            "FROM sales s WHERE s.status = 'COMPLETED' AND s.customer_id IS NOT NULL \
             GROUP BY s.customer_id",
            ", points = agg.points",
            "agg.last_visit",
        ),
        // From the customers' side: an imported customer without a completed sale gets 0.
        LoadedSales::Imported => (
            "c.id",
            "FROM customers c LEFT JOIN sales s ON s.customer_id = c.id AND s.status = 'COMPLETED' \
             WHERE c.id IN (SELECT new_id FROM legacy_ids WHERE entity = 'client') GROUP BY c.id",
            "",
            "COALESCE(customers.last_visit_at, agg.last_visit)",
        ),
    };
    db.execute_unprepared(&format!(
        "UPDATE customers SET lifetime_spend = agg.spend, purchases_count = agg.visits{points}, \
           last_visit_at = {last_visit} \
         FROM (SELECT {customer_id} AS customer_id, COALESCE(SUM(s.total), 0) AS spend, \
                      COUNT(s.id) AS visits, COALESCE(SUM(s.points_earned), 0) AS points, \
                      MAX(s.created_at) AS last_visit {buyers}) AS agg \
         WHERE customers.id = agg.customer_id"
    ))
    .await?;
    Ok(())
}

/// Adds (or, with negative figures, takes back) a sale's effect on a customer, and
/// appends the points movement to the ledger.
#[allow(
    clippy::too_many_arguments,
    reason = "one column or ledger field each; a struct for one private call site adds nothing"
)]
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
        .query_one_raw(statement(
            txn,
            sql,
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

/// How a completed sale is undone.
#[derive(Clone, Debug)]
pub enum Undo {
    /// On its own business day: the sale leaves that day's figures as if never made.
    Cancel,
    /// Later (or by a manager): money out on `business_date`, the refund's store-local
    /// day, while the sale stays in the figures of its own day.
    Refund {
        /// The refund's store-local day.
        business_date: NaiveDate,
        /// One method for the whole amount, or `None` for the way it was paid: the same
        /// methods and amounts kept.
        method: Option<PaymentMethod>,
    },
}

impl Undo {
    /// The sale's status afterwards.
    pub fn status(&self) -> SaleStatus {
        match self {
            Undo::Cancel => SaleStatus::Cancelled,
            Undo::Refund { .. } => SaleStatus::Refunded,
        }
    }
}

/// Refunds or cancels a completed sale: status, points, spend and purchase count taken
/// back, the coupon use released, the day's totals adjusted, how the money went back, an
/// event and an audit entry — in one transaction.
pub async fn reverse(
    db: &DatabaseConnection,
    sale_id: i64,
    undo: &Undo,
    actor: &Actor,
    reason: &str,
) -> StoreResult<Reversal> {
    let new_status = undo.status();
    let txn = db.begin().await?;
    // The conditional update is the lock: of two concurrent refunds one wins.
    let changed = sale::Entity::update_many()
        .col_expr(sale::Column::Status, Expr::value(new_status.as_str()))
        .filter(sale::Column::Id.eq(sale_id))
        .filter(sale::Column::Status.eq(SaleStatus::Completed.as_str()))
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
    let payments = payment::Entity::find()
        .filter(payment::Column::SaleId.eq(sale_id))
        .order_by_asc(payment::Column::Id)
        .all(&txn)
        .await?
        .iter()
        .map(|p| Ok((method_of(p)?, p.applied_amount)))
        .collect::<StoreResult<Vec<_>>>()?;
    let sold = sale_line::Entity::find()
        .filter(sale_line::Column::SaleId.eq(sale_id))
        .all(&txn)
        .await?;
    // Refunded or cancelled, the sale leaves the KPIs on its own day.
    let cost = sold.iter().map(|l| l.quantity * l.unit_cost).sum();
    crate::kpis::add_sale(&txn, &current, cost, -1).await?;
    match undo {
        Undo::Cancel => {
            let lines: Vec<(i64, i64, i64)> = sold
                .iter()
                .map(|l| (l.product_id, l.quantity, l.line_total - l.discount))
                .collect();
            add_to_rollups(&txn, &current, &lines, &payments, -1).await?;
        }
        Undo::Refund {
            business_date,
            method,
        } => {
            // A sale recorded without payments (an imported one a coupon covered) is
            // refunded in cash: every refund keeps at least one row, as the rebuild expects.
            let handed_back = match method {
                Some(method) => vec![(*method, current.total)],
                None if payments.is_empty() => vec![(PaymentMethod::Especes, current.total)],
                None => payments,
            };
            record_refund(&txn, &current, *business_date, &handed_back, now).await?;
        }
    }
    sale_event::ActiveModel {
        sale_id: Set(sale_id),
        kind: Set(new_status.as_str().to_owned()),
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
        match undo {
            Undo::Refund { .. } => "sale.refund",
            Undo::Cancel => "sale.cancel",
        },
        "sale",
        Some(sale_id.to_string()),
        Some(serde_json::json!({"status": SaleStatus::Completed})),
        Some(serde_json::json!({"status": new_status, "reason": reason})),
    )
    .await?;
    crate::webhooks::sale_refunded(&txn, &current, new_status, now).await?;
    txn.commit().await?;
    Ok(Reversal::Reversed(current))
}

/// Writes how a refund's money went back (method, amount) and adds it, as money out, to
/// the totals of the sale's cashier on the refund's day.
async fn record_refund(
    txn: &impl ConnectionTrait,
    sale: &Sale,
    business_date: NaiveDate,
    handed_back: &[(PaymentMethod, i64)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    refund_payment::Entity::insert_many(handed_back.iter().map(|(method, amount)| {
        refund_payment::ActiveModel {
            sale_id: Set(sale.id),
            business_date: Set(business_date),
            method: Set(method.as_str().to_owned()),
            amount: Set(*amount),
            created_at: Set(now),
            ..Default::default()
        }
    }))
    .exec_without_returning(txn)
    .await?;
    let refunded: i64 = handed_back.iter().map(|(_, amount)| amount).sum();
    rollup(
        txn,
        "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts, refunds_count, refunded) \
         VALUES ($1, $2, 0, 0, 0, 1, $3) ON CONFLICT (cashier_id, business_date) DO UPDATE SET \
         refunds_count = cashier_day.refunds_count + 1, refunded = cashier_day.refunded + excluded.refunded",
        vec![sale.cashier_id.into(), business_date.into(), refunded.into()],
    )
    .await?;
    for (method, amount) in handed_back {
        rollup(
            txn,
            "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments, refunded) \
             VALUES ($1, $2, $3, 0, 0, $4) ON CONFLICT (cashier_id, business_date, method) DO UPDATE SET \
             refunded = cashier_day_payment.refunded + excluded.refunded",
            vec![sale.cashier_id.into(), business_date.into(), method.as_str().into(), (*amount).into()],
        )
        .await?;
    }
    Ok(())
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
    /// How the money went back, if refunded.
    pub refund: Vec<RefundPayment>,
    /// The refund or cancellation event (who, why, when), if any.
    pub reversal: Option<sale_event::Model>,
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
    let refund = refund_payment::Entity::find()
        .filter(refund_payment::Column::SaleId.eq(sale_id))
        .order_by_asc(refund_payment::Column::Id)
        .all(db)
        .await?;
    let reversal = sale_event::Entity::find()
        .filter(sale_event::Column::SaleId.eq(sale_id))
        .order_by_desc(sale_event::Column::Id)
        .one(db)
        .await?;
    Ok(Some(SaleDetail {
        sale,
        lines,
        payments,
        store,
        till,
        cashier,
        customer,
        coupon_code,
        refund,
        reversal,
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
    /// One cashier, or `None` for every seller (a manager's store-wide view).
    pub cashier_id: Option<i64>,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// First store-local day.
    pub first_day: NaiveDate,
    /// Last store-local day (inclusive).
    pub last_day: NaiveDate,
}

/// A period's (or a day's) figures: sales made (refunded ones included, cancelled ones
/// not) and refunds handed out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Takings {
    /// Sales made.
    pub sales_count: i64,
    /// Their final amounts.
    pub revenue: i64,
    /// Their discounts.
    pub discounts: i64,
    /// Sales refunded in the period.
    pub refunds_count: i64,
    /// Money handed back in the period.
    pub refunded: i64,
}

impl Takings {
    fn read(row: &sea_orm::QueryResult) -> StoreResult<Takings> {
        Ok(Takings {
            sales_count: row.try_get("", "n")?,
            revenue: row.try_get("", "revenue")?,
            discounts: row.try_get("", "discounts")?,
            refunds_count: row.try_get("", "refunds_count")?,
            refunded: row.try_get("", "refunded")?,
        })
    }
}

/// The period's figures.
pub async fn summary(db: &impl ConnectionTrait, scope: HistoryScope) -> StoreResult<Takings> {
    let row = query_one(
        db,
        "SELECT CAST(COALESCE(SUM(sales_count), 0) AS BIGINT) AS n, CAST(COALESCE(SUM(revenue), 0) AS BIGINT) AS revenue, \
         CAST(COALESCE(SUM(discounts), 0) AS BIGINT) AS discounts, \
         CAST(COALESCE(SUM(refunds_count), 0) AS BIGINT) AS refunds_count, CAST(COALESCE(SUM(refunded), 0) AS BIGINT) AS refunded \
         FROM cashier_day WHERE {who} AND business_date >= $2 AND business_date <= $3",
        scope,
    )
    .await?;
    Takings::read(&row)
}

/// The figures of each store-local day that had a sale or a refund.
pub async fn per_day(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
) -> StoreResult<Vec<(NaiveDate, Takings)>> {
    let rows = query_all(
        db,
        "SELECT business_date AS day, CAST(SUM(revenue) AS BIGINT) AS revenue, CAST(SUM(sales_count) AS BIGINT) AS n, \
         CAST(SUM(discounts) AS BIGINT) AS discounts, CAST(SUM(refunds_count) AS BIGINT) AS refunds_count, \
         CAST(SUM(refunded) AS BIGINT) AS refunded FROM cashier_day \
         WHERE {who} AND business_date >= $2 AND business_date <= $3 AND (sales_count > 0 OR refunds_count > 0) \
         GROUP BY business_date ORDER BY business_date",
        scope,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "day")?, Takings::read(r)?)))
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
         WHERE {who_d} AND d.business_date >= $2 AND d.business_date <= $3 \
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

/// Takings per payment method: (method, amount kept, payments, money handed back).
pub async fn payment_split(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
) -> StoreResult<Vec<(PaymentMethod, i64, i64, i64)>> {
    let rows = query_all(
        db,
        "SELECT method, CAST(SUM(amount) AS BIGINT) AS amount, CAST(SUM(payments) AS BIGINT) AS n, \
         CAST(SUM(refunded) AS BIGINT) AS refunded \
         FROM cashier_day_payment WHERE {who} AND business_date >= $2 AND business_date <= $3 \
         GROUP BY method HAVING SUM(payments) > 0 OR SUM(refunded) > 0 ORDER BY amount DESC, method",
        scope,
    )
    .await?;
    rows.iter()
        .map(|r| {
            let method: String = r.try_get("", "method")?;
            Ok((
                stored("cashier_day_payment.method", &method)?,
                r.try_get("", "amount")?,
                r.try_get("", "n")?,
                r.try_get("", "refunded")?,
            ))
        })
        .collect()
}

/// A sale in a history list, with what the list shows beside it.
#[derive(Clone, Debug)]
pub struct ListedSale {
    /// The sale.
    pub sale: Sale,
    /// Its customer's number, if identified.
    pub customer_number: Option<String>,
    /// Its seller's name.
    pub cashier_name: String,
}

/// A page of the sales in the period (every status, one cashier's or the store's),
/// newest first, with customer numbers and sellers' names.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: HistoryScope,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<ListedSale>, u64)> {
    let mut query = sale::Entity::find();
    if let Some(cashier_id) = scope.cashier_id {
        query = query.filter(sale::Column::CashierId.eq(cashier_id));
    }
    let query = query
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
    let mut seller_ids: Vec<i64> = sales.iter().map(|s| s.cashier_id).collect();
    seller_ids.sort_unstable();
    seller_ids.dedup();
    let sellers = user::Entity::find()
        .filter(user::Column::Id.is_in(seller_ids))
        .all(db)
        .await?;
    let rows = sales
        .into_iter()
        .map(|s| {
            let customer_number = s
                .customer_id
                .and_then(|id| customers.iter().find(|c| c.id == id))
                .and_then(|c| c.customer_number.clone());
            let cashier_name = sellers
                .iter()
                .find(|u| u.id == s.cashier_id)
                .map(|u| u.display_name.clone())
                .unwrap_or_default();
            ListedSale {
                sale: s,
                customer_number,
                cashier_name,
            }
        })
        .collect();
    Ok((rows, total))
}

/// Everyone a manager may pick in the sales history, by name: the accounts that sell
/// (cashiers and admins) and anyone with sales on record (a service account's seller, a
/// cashier since deactivated).
pub async fn sellers(db: &impl ConnectionTrait) -> StoreResult<Vec<(i64, String)>> {
    let rows = db
        .query_all_raw(statement(
            db,
            "SELECT id, display_name FROM users WHERE role IN ($1, $2) \
             OR id IN (SELECT DISTINCT cashier_id FROM cashier_day) ORDER BY display_name, id",
            [
                Value::from(crm_domain::Role::Cashier.as_str()),
                Value::from(crm_domain::Role::Admin.as_str()),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "display_name")?)))
        .collect()
}

/// `sql` with its cashier condition filled in and `$1..$3` bound. `{who}` (`{who_d}` on
/// the alias `d`) is `cashier_id = $1` for one cashier; for the whole store it is
/// `$1 IS NULL`, which keeps the same parameter list and leaves the one-cashier
/// statement its index path (an `OR` would cost that path on every call).
fn scoped(db: &impl ConnectionTrait, sql: &str, scope: HistoryScope) -> Statement {
    let (who, who_d) = match scope.cashier_id {
        Some(_) => ("cashier_id = $1", "d.cashier_id = $1"),
        None => ("$1 IS NULL", "$1 IS NULL"),
    };
    let sql = sql.replace("{who_d}", who_d).replace("{who}", who);
    statement(
        db,
        &sql,
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
