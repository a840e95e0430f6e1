//! Coupons: the marketing back office (create, list, deactivate, bulk issue), the POS
//! lookups, and redemption inside the sale's transaction — where the caps are enforced
//! under the coupon's row lock, so concurrent tills can never exceed them.

use crate::audit::{self, Actor};
use crate::entities::{coupon, coupon_redemption, customer, sale};
use crate::sql::statement;
use crate::{jobs, stored, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::coupon::{
    evaluate, Coupon as Rules, CouponKind, CouponRefusal, CouponStatus, CouponUsage, DiscountKind,
    Redemption,
};
use crm_domain::sale::{Category, CouponDiscount};
use crm_domain::{Level, Money};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
    TransactionTrait, Value,
};
use std::collections::BTreeSet;

pub use coupon::Model as CouponRow;
pub use coupon_redemption::Model as RedemptionRow;

/// Customers handled per bulk-issue step (one insert, one progress update).
const BULK_BATCH: u64 = 1_000;

/// The rules of a stored coupon, as the domain checks them.
pub fn rules(row: &CouponRow) -> StoreResult<Rules> {
    Ok(Rules {
        kind: stored("coupons.kind", &row.kind)?,
        discount_kind: stored("coupons.discount_kind", &row.discount_kind)?,
        value: row.value,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        global_cap: row.global_cap.map(|c| u32::try_from(c).unwrap_or(0)),
        per_customer_cap: u32::try_from(row.per_customer_cap).unwrap_or(0),
        min_basket: Money::fcfa(row.min_basket),
        required_level: row
            .required_level
            .as_deref()
            .map(|level| stored("coupons.required_level", level))
            .transpose()?,
        customer_id: row.customer_id,
        eligible_categories: categories_from_column(&row.eligible_categories)?,
        stacks_with_loyalty: row.stacks_with_loyalty,
        status: stored("coupons.status", &row.status)?,
    })
}

fn categories_from_column(column: &str) -> StoreResult<BTreeSet<Category>> {
    column
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| stored("coupons.eligible_categories", c))
        .collect()
}

fn categories_to_column(categories: &BTreeSet<Category>) -> String {
    categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A coupon to create: its rules, code and description.
#[derive(Clone, Debug)]
pub struct NewCoupon {
    /// Normalised code (upper case, no spaces).
    pub code: String,
    /// What the coupon is for (shown to marketing and on the POS).
    pub description: String,
    /// The rules; `status` is normally ACTIVE.
    pub rules: Rules,
}

pub(crate) fn active_model(
    new: &NewCoupon,
    created_by: Option<i64>,
    job: Option<i64>,
) -> coupon::ActiveModel {
    let r = &new.rules;
    coupon::ActiveModel {
        code: Set(new.code.clone()),
        kind: Set(r.kind.as_str().to_owned()),
        discount_kind: Set(r.discount_kind.as_str().to_owned()),
        value: Set(r.value),
        description: Set(new.description.clone()),
        valid_from: Set(r.valid_from),
        valid_to: Set(r.valid_to),
        global_cap: Set(r.global_cap.map(|c| i32::try_from(c).unwrap_or(i32::MAX))),
        per_customer_cap: Set(i32::try_from(r.per_customer_cap).unwrap_or(i32::MAX)),
        min_basket: Set(r.min_basket.francs()),
        required_level: Set(r.required_level.map(|l| l.as_str().to_owned())),
        customer_id: Set(r.customer_id),
        eligible_categories: Set(categories_to_column(&r.eligible_categories)),
        stacks_with_loyalty: Set(r.stacks_with_loyalty),
        status: Set(r.status.as_str().to_owned()),
        uses_count: Set(0),
        issue_job_id: Set(job),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

fn audit_view(row: &CouponRow) -> serde_json::Value {
    serde_json::json!({
        "code": row.code, "kind": row.kind, "discount_kind": row.discount_kind,
        "value": row.value, "valid_from": row.valid_from, "valid_to": row.valid_to,
        "global_cap": row.global_cap, "per_customer_cap": row.per_customer_cap,
        "min_basket": row.min_basket, "required_level": row.required_level,
        "customer_id": row.customer_id, "eligible_categories": row.eligible_categories,
        "stacks_with_loyalty": row.stacks_with_loyalty, "status": row.status,
    })
}

/// Creates a coupon and its audit entry in one transaction. A code already taken is a
/// `Conflict("code")`.
pub async fn create(
    db: &DatabaseConnection,
    new: NewCoupon,
    actor: &Actor,
) -> StoreResult<CouponRow> {
    let txn = db.begin().await?;
    let row = active_model(&new, actor.user_id, None)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_write(e, "code"))?;
    audit::record(
        &txn,
        actor,
        "coupon.create",
        "coupon",
        Some(row.id.to_string()),
        None,
        Some(audit_view(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The coupon with this id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<CouponRow>> {
    Ok(coupon::Entity::find_by_id(id).one(db).await?)
}

/// Uses counted against the caps: all unreleased ones, and the customer's.
pub async fn usage(
    db: &impl ConnectionTrait,
    row: &CouponRow,
    customer_id: Option<i64>,
) -> StoreResult<CouponUsage> {
    let by_customer = match customer_id {
        Some(id) => {
            coupon_redemption::Entity::find()
                .filter(coupon_redemption::Column::CouponId.eq(row.id))
                .filter(coupon_redemption::Column::CustomerId.eq(id))
                .filter(coupon_redemption::Column::ReleasedAt.is_null())
                .count(db)
                .await?
        }
        None => 0,
    };
    Ok(CouponUsage {
        global: u32::try_from(row.uses_count).unwrap_or(0),
        by_customer: u32::try_from(by_customer).unwrap_or(u32::MAX),
    })
}

/// The coupon with this (normalised) code and its uses so far (all, and the customer's),
/// in one round trip: what the quote and the early check at checkout need.
pub async fn find_with_usage(
    db: &impl ConnectionTrait,
    code: &str,
    customer_id: Option<i64>,
) -> StoreResult<Option<(CouponRow, CouponUsage)>> {
    use sea_orm::FromQueryResult;
    let row = db
        .query_one_raw(statement(
            db,
            &format!(
                "SELECT {}, (SELECT CAST(COUNT(*) AS BIGINT) FROM coupon_redemptions r \
                 WHERE r.coupon_id = k.id AND r.customer_id = $2 AND r.released_at IS NULL) AS by_customer \
                 FROM coupons k WHERE k.code = $1",
                coupon_columns()
            ),
            // No customer: `customer_id = NULL` matches nothing, the count is 0.
            [Value::from(code), Value::from(customer_id)],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let coupon = CouponRow::from_query_result(&row, "k_")?;
    let by_customer: i64 = row.try_get("", "by_customer")?;
    let usage = CouponUsage {
        global: u32::try_from(coupon.uses_count).unwrap_or(0),
        by_customer: u32::try_from(by_customer).unwrap_or(u32::MAX),
    };
    Ok(Some((coupon, usage)))
}

/// A coupon to redeem in a sale, with what it was priced against.
#[derive(Clone, Debug)]
pub struct CouponToRedeem {
    /// The coupon.
    pub coupon_id: i64,
    /// The discount the sale was priced with.
    pub discount: CouponDiscount,
    /// The basket and customer it was checked against.
    pub today: NaiveDate,
    /// Identified customer and level.
    pub customer: Option<(i64, Level)>,
    /// The basket.
    pub lines: Vec<crm_domain::sale::SaleLine>,
    /// The customer's loyalty percent.
    pub loyalty_percent: rust_decimal::Decimal,
}

/// Inside the sale's transaction, before the sale row: locks the coupon row (`FOR
/// UPDATE` on PostgreSQL; on SQLite the transaction already holds the write lock) and
/// runs every check again on fresh counts. A refusal is `StoreError::Coupon`.
pub(crate) async fn lock_and_check(
    txn: &impl ConnectionTrait,
    redeem: &CouponToRedeem,
) -> StoreResult<()> {
    let mut query = coupon::Entity::find_by_id(redeem.coupon_id);
    if txn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let row = query
        .one(txn)
        .await?
        .ok_or(StoreError::Coupon(CouponRefusal::NotFound))?;
    let customer_id = redeem.customer.map(|(id, _)| id);
    let usage = usage(txn, &row, customer_id).await?;
    let sale = Redemption {
        today: redeem.today,
        customer: redeem.customer,
        lines: &redeem.lines,
        loyalty_percent: redeem.loyalty_percent,
    };
    let discount = evaluate(&rules(&row)?, usage, &sale).map_err(StoreError::Coupon)?;
    if discount != redeem.discount {
        // The rules cannot change once created; a mismatch means a caller bug.
        return Err(StoreError::Conflict("coupon".to_owned()));
    }
    Ok(())
}

/// Inside the sale's transaction, after the sale row: records the use and counts it.
pub(crate) async fn record_use(
    txn: &impl ConnectionTrait,
    redeem: &CouponToRedeem,
    sale_id: i64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    coupon_redemption::ActiveModel {
        coupon_id: Set(redeem.coupon_id),
        customer_id: Set(redeem.customer.map(|(id, _)| id)),
        sale_id: Set(sale_id),
        amount: Set(redeem.discount.amount.francs()),
        at: Set(at),
        released_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    count_uses(txn, redeem.coupon_id, 1).await
}

/// Adds `delta` to a coupon's counted uses (under the row lock the caller's transaction
/// holds or takes).
async fn count_uses(txn: &impl ConnectionTrait, coupon_id: i64, delta: i32) -> StoreResult<()> {
    coupon::Entity::update_many()
        .col_expr(
            coupon::Column::UsesCount,
            Expr::col(coupon::Column::UsesCount).add(delta),
        )
        .filter(coupon::Column::Id.eq(coupon_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Inside a refund's or cancellation's transaction: the sale's coupon use no longer
/// counts against the caps.
pub(crate) async fn release_uses(
    txn: &impl ConnectionTrait,
    sale_id: i64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let held = coupon_redemption::Entity::find()
        .filter(coupon_redemption::Column::SaleId.eq(sale_id))
        .filter(coupon_redemption::Column::ReleasedAt.is_null())
        .all(txn)
        .await?;
    for use_ in held {
        coupon_redemption::Entity::update_many()
            .col_expr(coupon_redemption::Column::ReleasedAt, Expr::value(at))
            .filter(coupon_redemption::Column::Id.eq(use_.id))
            .exec(txn)
            .await?;
        count_uses(txn, use_.coupon_id, -1).await?;
    }
    Ok(())
}

/// The coupon a sale used, if any: (code, amount).
pub async fn used_by_sale(
    db: &impl ConnectionTrait,
    sale_id: i64,
) -> StoreResult<Option<(String, i64)>> {
    let row = db
        .query_one_raw(statement(
            db,
            "SELECT k.code AS code, r.amount AS amount FROM coupon_redemptions r \
             JOIN coupons k ON k.id = r.coupon_id WHERE r.sale_id = $1 ORDER BY r.id DESC LIMIT 1",
            [Value::from(sale_id)],
        ))
        .await?;
    row.map(|r| Ok((r.try_get("", "code")?, r.try_get("", "amount")?)))
        .transpose()
}

/// The SQL condition on a holder's coupon row `k` that makes it usable on `$2` (today):
/// active, within its dates, uses left. The one place the POS offer rule is written.
const USABLE: &str = "k.status = 'ACTIVE' AND k.valid_from <= $2 AND k.valid_to >= $2 \
     AND k.uses_count < k.per_customer_cap AND (k.global_cap IS NULL OR k.uses_count < k.global_cap)";

/// Most coupons offered at the till at once.
const OFFERED: usize = 20;

/// `k.code AS k_code, …` for every column of `coupons`: rows read back with prefix `k_`.
fn coupon_columns() -> &'static str {
    use sea_orm::{IdenStatic, Iterable};
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        coupon::Column::iter()
            .map(|c| format!("k.{0} AS k_{0}", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// A coupon offered at the till: only what the POS shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedCoupon {
    /// Code.
    pub code: String,
    /// What the customer gets.
    pub description: String,
    /// Percent or fixed.
    pub discount_kind: DiscountKind,
    /// Whole percent or FCFA.
    pub value: i64,
    /// Smallest basket, FCFA.
    pub min_basket: i64,
    /// Last valid day.
    pub valid_to: NaiveDate,
}

/// The columns of an [`OfferedCoupon`], read back with prefix `k_` (identify reads them
/// beside the customer's: fewer columns, less to decode on the hot path).
const OFFER_COLUMNS: &str = "k.code AS k_code, k.description AS k_description, \
     k.discount_kind AS k_discount_kind, k.value AS k_value, k.min_basket AS k_min_basket, \
     k.valid_to AS k_valid_to";

fn offered(rows: &[sea_orm::QueryResult]) -> StoreResult<Vec<OfferedCoupon>> {
    let mut coupons = Vec::new();
    for row in rows {
        // A customer without usable coupon comes back once, with NULL coupon columns.
        let Some(code) = row.try_get::<Option<String>>("k_", "code")? else {
            continue;
        };
        coupons.push(OfferedCoupon {
            code,
            description: row.try_get("k_", "description")?,
            discount_kind: stored(
                "coupons.discount_kind",
                &row.try_get::<String>("k_", "discount_kind")?,
            )?,
            value: row.try_get("k_", "value")?,
            min_basket: row.try_get("k_", "min_basket")?,
            valid_to: row.try_get("k_", "valid_to")?,
        });
    }
    coupons.truncate(OFFERED);
    Ok(coupons)
}

/// The SPECIAL coupons a customer can use today, the soonest to expire first: what the
/// POS offers in one key.
pub async fn usable_by_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
    today: NaiveDate,
) -> StoreResult<Vec<OfferedCoupon>> {
    let rows = db
        .query_all_raw(statement(
            db,
            &format!(
                "SELECT {OFFER_COLUMNS} FROM coupons k WHERE k.customer_id = $1 AND {USABLE} \
                 ORDER BY k.valid_to, k.id LIMIT {OFFERED}"
            ),
            [Value::from(customer_id), Value::from(today)],
        ))
        .await?;
    offered(&rows)
}

/// The GENERIC coupons in force today with uses left overall, soonest to expire first:
/// what the till may offer beside the customer's own (the domain's `offerable` decides,
/// with the customer's uses read by identify). Few and rarely changed: the server keeps
/// them in a [`GenericCodes`] cache.
pub async fn generic_in_force(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> StoreResult<Vec<CouponRow>> {
    use sea_orm::FromQueryResult;
    let rows = db
        .query_all_raw(statement(
            db,
            &format!(
                // A GENERIC coupon has no holder (`Coupon::validate`): saying so lets
                // the `coupons_offer` index find them (0.03 ms, not a 20 ms scan of
                // 100 000 SPECIAL coupons).
                "SELECT {} FROM coupons k WHERE k.kind = 'GENERIC' AND k.customer_id IS NULL \
                 AND k.status = 'ACTIVE' AND k.valid_from <= $1 AND k.valid_to >= $1 \
                 AND (k.global_cap IS NULL OR k.uses_count < k.global_cap) \
                 ORDER BY k.valid_to, k.id LIMIT {OFFERED}",
                coupon_columns()
            ),
            [Value::from(today)],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok(CouponRow::from_query_result(row, "k_")?))
        .collect()
}

/// How long the generic codes in force are kept before the database is asked again.
/// Staleness is harmless: the quote and the sale check everything again.
pub const GENERIC_CODES_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The GENERIC coupons in force, kept in memory for [`GENERIC_CODES_REFRESH`] so that
/// identify reads them without a round trip. A coupon created or deactivated through this
/// server forgets them at once; another instance sees the change within the refresh time.
#[derive(Default)]
pub struct GenericCodes {
    kept: std::sync::Mutex<KeptCodes>,
}

#[derive(Default)]
struct KeptCodes {
    /// Bumped by each [`GenericCodes::forget`]: a load started before it is not kept.
    generation: u64,
    /// When loaded, for which day, and what.
    loaded: Option<(
        std::time::Instant,
        NaiveDate,
        std::sync::Arc<Vec<CouponRow>>,
    )>,
}

impl GenericCodes {
    /// The generic codes in force on `today`, from memory if loaded recently enough.
    pub async fn in_force(
        &self,
        db: &impl ConnectionTrait,
        today: NaiveDate,
    ) -> StoreResult<std::sync::Arc<Vec<CouponRow>>> {
        let generation = {
            let kept = self.lock();
            if let Some((at, day, codes)) = &kept.loaded {
                if *day == today && at.elapsed() < GENERIC_CODES_REFRESH {
                    return Ok(codes.clone());
                }
            }
            kept.generation
        };
        let codes = std::sync::Arc::new(generic_in_force(db, today).await?);
        let mut kept = self.lock();
        if kept.generation == generation {
            kept.loaded = Some((std::time::Instant::now(), today, codes.clone()));
        }
        Ok(codes)
    }

    /// Forgets the codes kept (after a coupon was created or changed).
    pub fn forget(&self) {
        let mut kept = self.lock();
        kept.generation += 1;
        kept.loaded = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptCodes> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A customer's unreleased coupon uses, by coupon: what the per-customer caps of the
/// generic codes in force count. Read by identify in the same statement as the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CouponUses(std::collections::HashMap<i64, u32>);

impl CouponUses {
    /// The customer's uses of this coupon.
    pub fn of(&self, coupon_id: i64) -> u32 {
        self.0.get(&coupon_id).copied().unwrap_or(0)
    }

    /// From the column [`COUPON_USES`] makes: the coupon id of each use, comma-separated
    /// (NULL when none).
    fn from_column(ids: Option<&str>) -> CouponUses {
        let mut uses = std::collections::HashMap::new();
        for id in ids.unwrap_or_default().split(',') {
            if let Ok(id) = id.trim().parse::<i64>() {
                *uses.entry(id).or_insert(0) += 1;
            }
        }
        CouponUses(uses)
    }
}

/// `coupon_uses`: the coupon ids of customer `c`'s unreleased uses, one row for the
/// customer, from an index-only scan of `coupon_redemptions_customer`. All of them, not
/// only the generic codes': telling those apart here (a join on `coupons`) halved the
/// statement's rate (10 900 against 17 400/s with `pgbench`), while a customer's uses are
/// a handful; the caller looks up the codes in force. `string_agg` exists on both
/// databases (SQLite ≥ 3.44).
const COUPON_USES: &str = "SELECT string_agg(CAST(r.coupon_id AS TEXT), ',') AS coupon_uses \
     FROM coupon_redemptions r WHERE r.customer_id = c.id AND r.released_at IS NULL";

/// The customer's coupon uses, for the profile screens (identify reads them in its own
/// statement).
pub async fn coupon_uses(db: &impl ConnectionTrait, customer_id: i64) -> StoreResult<CouponUses> {
    let row = db
        .query_one_raw(statement(
            db,
            &format!("SELECT ({COUPON_USES}) AS coupon_uses FROM customers c WHERE c.id = $1"),
            [Value::from(customer_id)],
        ))
        .await?;
    let ids: Option<String> = match row {
        Some(row) => row.try_get("", "coupon_uses")?,
        None => None,
    };
    Ok(CouponUses::from_column(ids.as_deref()))
}

/// What the till shows of a coupon it offers.
pub fn offer_of(row: &CouponRow) -> StoreResult<OfferedCoupon> {
    Ok(OfferedCoupon {
        code: row.code.clone(),
        description: row.description.clone(),
        discount_kind: stored("coupons.discount_kind", &row.discount_kind)?,
        value: row.value,
        min_basket: row.min_basket,
        valid_to: row.valid_to,
    })
}

/// The identify query, in PostgreSQL's numbered-parameter form.
fn holder_sql() -> String {
    format!(
        "SELECT c.*, ({COUPON_USES}) AS coupon_uses, {OFFER_COLUMNS} \
         FROM customers c LEFT JOIN coupons k ON k.customer_id = c.id AND {USABLE} \
         WHERE c.phone_index = $1 ORDER BY k.valid_to, k.id LIMIT {OFFERED}"
    )
}

fn holder_from_rows(rows: &[sea_orm::QueryResult]) -> StoreResult<Option<Holder>> {
    use sea_orm::FromQueryResult;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let coupon_uses: Option<String> = first.try_get("", "coupon_uses")?;
    Ok(Some((
        customer::Model::from_query_result(first, "")?,
        offered(rows)?,
        CouponUses::from_column(coupon_uses.as_deref()),
    )))
}

/// Identification at the till in one round trip: the customer holding this phone (by
/// blind index), the SPECIAL coupons they can use today and their coupon uses (for the
/// generic codes' per-customer caps).
pub async fn holder_by_phone_index(
    db: &impl ConnectionTrait,
    phone_index: &str,
    today: NaiveDate,
) -> StoreResult<Option<Holder>> {
    let rows = db
        .query_all_raw(statement(
            db,
            &holder_sql(),
            [Value::from(phone_index), Value::from(today)],
        ))
        .await?;
    holder_from_rows(&rows)
}

/// The identify query for several phones at once (PostgreSQL): each customer found with
/// their coupon uses (once per customer) and the coupons they can use today.
/// Rows come unordered (a sort costs PostgreSQL more than the lookups); [`look_up`] groups
/// them by customer.
fn batch_sql() -> String {
    format!(
        "SELECT c.*, u.coupon_uses, k.* FROM customers c CROSS JOIN LATERAL ({COUPON_USES}) u \
         LEFT JOIN LATERAL \
         (SELECT {OFFER_COLUMNS}, k.id AS k_id FROM coupons k WHERE k.customer_id = c.id AND {USABLE} \
          ORDER BY k.valid_to, k.id LIMIT {OFFERED}) k ON true \
         WHERE c.phone_index = ANY($1)"
    )
}

/// A customer found at the till, the SPECIAL coupons they can use, their coupon uses.
pub type Holder = (customer::Model, Vec<OfferedCoupon>, CouponUses);

/// Identification at the till on PostgreSQL, batched.
///
/// Identify is the hottest query of the product and costs PostgreSQL far more in
/// per-statement overhead (a wake-up, a round trip, an executor start) than in the index
/// lookup itself. So each server thread has a *lane*: one connection, held outside the
/// sqlx pool (sqlx 0.9 pings every pooled connection when it goes back, one more round
/// trip per query), and a queue. A lane runs one query at a time; the phones that arrive
/// while it runs go together in the next one (`phone_index = ANY($1)`). A lone cashier waits
/// for nothing; at a busy hour many tills share one round trip.
///
/// The lane is a shortcut, never a dependency: a full queue, an answer slower than
/// [`LaneLimits::answer_wait`], a connection refused, lost or slower than its timeouts —
/// each answers through the pool instead, and a lane that failed rests a while (its
/// requests go straight to the pool) before it tries to connect again. On SQLite the pool
/// is used directly.
pub struct TillLookup {
    url: Option<String>,
    limits: LaneLimits,
    lanes: Vec<std::sync::Mutex<Option<tokio::sync::mpsc::Sender<Waiting>>>>,
}

/// How long a lane may take, and how much may wait for it, before the pool answers.
#[derive(Clone, Copy, Debug)]
pub struct LaneLimits {
    /// Requests waiting per lane; more go to the pool at once.
    pub queue: usize,
    /// Longest wait to open the lane's connection.
    pub connect_timeout: std::time::Duration,
    /// Longest run of one batched query (PostgreSQL's `statement_timeout`, and the same
    /// bound on the client side for a connection that stopped answering).
    pub statement_timeout: std::time::Duration,
    /// Longest a request waits for its lane's answer before asking the pool.
    pub answer_wait: std::time::Duration,
    /// How long a lane that failed sends its requests to the pool before trying again.
    pub rest_after_failure: std::time::Duration,
}

impl Default for LaneLimits {
    fn default() -> LaneLimits {
        use std::time::Duration;
        LaneLimits {
            queue: 256,
            connect_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(1),
            answer_wait: Duration::from_secs(1),
            rest_after_failure: Duration::from_secs(5),
        }
    }
}

/// A request waiting in a lane.
struct Waiting {
    phone_index: String,
    today: NaiveDate,
    answer: tokio::sync::oneshot::Sender<Option<Holder>>,
}

/// Most phones looked up in one query.
const BATCH: usize = 64;

impl TillLookup {
    /// Up to `lanes` lanes (one per server thread) to the PostgreSQL at `url`; none for
    /// SQLite. Connections open on first use.
    pub fn new(url: &str, lanes: usize) -> TillLookup {
        TillLookup::with_limits(url, lanes, LaneLimits::default())
    }

    /// Same as [`TillLookup::new`], with other limits than the default ones.
    pub fn with_limits(url: &str, lanes: usize, limits: LaneLimits) -> TillLookup {
        let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
        TillLookup {
            url: postgres.then(|| url.to_owned()),
            limits,
            lanes: (0..lanes.max(1))
                .map(|_| std::sync::Mutex::new(None))
                .collect(),
        }
    }

    /// Same answer as [`holder_by_phone_index`].
    pub async fn holder_by_phone_index(
        &self,
        db: &DatabaseConnection,
        phone_index: &str,
        today: NaiveDate,
    ) -> StoreResult<Option<Holder>> {
        if let Some(lane) = self.lane() {
            let (answer, answered) = tokio::sync::oneshot::channel();
            let waiting = Waiting {
                phone_index: phone_index.to_owned(),
                today,
                answer,
            };
            // A full queue, no answer (the lane failed or rests, or the request came on
            // another day than the rest of its batch), or a late one: the pool decides.
            if lane.try_send(waiting).is_ok() {
                if let Ok(Ok(found)) = tokio::time::timeout(self.limits.answer_wait, answered).await
                {
                    return Ok(found);
                }
            }
        }
        holder_by_phone_index(db, phone_index, today).await
    }

    /// This thread's lane, started on this thread's runtime if it is not running: a lane
    /// driven by the thread that serves the request adds no cross-thread wake-up.
    fn lane(&self) -> Option<tokio::sync::mpsc::Sender<Waiting>> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static THREADS: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static HOME: usize = THREADS.fetch_add(1, Ordering::Relaxed);
        }
        let url = self.url.as_ref()?;
        // No lanes at all: the pool answers.
        let home = HOME.with(|h| *h).checked_rem(self.lanes.len())?;
        let slot = self.lanes.get(home)?;
        let mut lane = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match lane.as_ref() {
            Some(sender) if !sender.is_closed() => Some(sender.clone()),
            _ => {
                let runtime = tokio::runtime::Handle::try_current().ok()?;
                let (sender, inbox) = tokio::sync::mpsc::channel(self.limits.queue.max(1));
                runtime.spawn(run_lane(url.clone(), self.limits, inbox));
                Some(lane.insert(sender).clone())
            }
        }
    }
}

/// A lane: takes everything waiting, one query for all of it, answers, again.
async fn run_lane(
    url: String,
    limits: LaneLimits,
    mut inbox: tokio::sync::mpsc::Receiver<Waiting>,
) {
    let mut connection = None;
    let mut resting_until: Option<tokio::time::Instant> = None;
    let mut batch = Vec::with_capacity(BATCH);
    while inbox.recv_many(&mut batch, BATCH).await > 0 {
        if resting_until.is_some_and(|until| tokio::time::Instant::now() < until) {
            // Dropped unanswered: each request asks the pool at once.
            batch.clear();
            continue;
        }
        // Let the requests this thread has already read reach the queue first: the handlers
        // ready to run do so before the lane runs again (a pass of the run queue, no
        // waiting), so tills that asked at the same moment share one query.
        tokio::task::yield_now().await;
        while batch.len() < BATCH {
            match inbox.try_recv() {
                Ok(waiting) => batch.push(waiting),
                Err(_) => break,
            }
        }
        // Requests given up meanwhile (client gone) are not looked up.
        batch.retain(|w: &Waiting| !w.answer.is_closed());
        let Some(today) = batch.first().map(|w| w.today) else {
            continue;
        };
        let indexes: Vec<&str> = batch
            .iter()
            .filter(|w| w.today == today)
            .map(|w| w.phone_index.as_str())
            .collect();
        match look_up(&mut connection, &url, &limits, &indexes, today).await {
            Ok(found) => {
                resting_until = None;
                for waiting in batch.drain(..).filter(|w| w.today == today) {
                    let _ = waiting
                        .answer
                        .send(found.get(&waiting.phone_index).cloned());
                }
            }
            Err(error) => {
                connection = None;
                resting_until = Some(tokio::time::Instant::now() + limits.rest_after_failure);
                tracing::warn!(%error, "till lookup lane failed; using the pool for a while");
            }
        }
        // Dropping the rest (another day, or after a failure) sends them to the pool.
        batch.clear();
    }
}

/// One statement for the phones of a batch, on the lane's connection (opened if needed):
/// the customers found, by phone index, each with their coupons in the POS order.
async fn look_up(
    connection: &mut Option<sea_orm::sqlx::PgConnection>,
    url: &str,
    limits: &LaneLimits,
    indexes: &[&str],
    today: NaiveDate,
) -> Result<std::collections::HashMap<String, Holder>, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::{postgres::PgConnectOptions, ConnectOptions};
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    fn timed_out(what: &str) -> sea_orm::sqlx::Error {
        sea_orm::sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("till lookup {what} timed out"),
        ))
    }
    let conn = match connection {
        Some(conn) => conn,
        None => {
            // A generic plan, made once: left to choose, PostgreSQL keeps planning this
            // statement on every execution (its estimate for `ANY($1)` of an unknown
            // array is worse than for one phone), which cost more than running it.
            let statement_timeout = limits.statement_timeout.as_millis().to_string();
            let options = url.parse::<PgConnectOptions>()?.options([
                ("plan_cache_mode", "force_generic_plan"),
                ("statement_timeout", statement_timeout.as_str()),
            ]);
            let opened = tokio::time::timeout(limits.connect_timeout, options.connect())
                .await
                .map_err(|_| timed_out("connection"))??;
            connection.insert(opened)
        }
    };
    // The SQL is built from constants only; the values are bound.
    let sql = sea_orm::sqlx::AssertSqlSafe(SQL.get_or_init(batch_sql).as_str());
    let query = sea_orm::sqlx::query(sql)
        .bind(indexes)
        .bind(today)
        .fetch_all(&mut *conn);
    // PostgreSQL stops a slow statement itself; this bounds a connection that went silent.
    let rows = tokio::time::timeout(limits.statement_timeout * 2, query)
        .await
        .map_err(|_| timed_out("query"))??;
    fn decode(e: impl std::fmt::Display) -> sea_orm::sqlx::Error {
        sea_orm::sqlx::Error::Decode(e.to_string().into())
    }
    // Each customer's rows, with the coupons' order key: soonest to expire first.
    let mut by_customer: std::collections::HashMap<
        String,
        Vec<(OfferOrder, sea_orm::QueryResult)>,
    > = std::collections::HashMap::with_capacity(indexes.len());
    for row in rows {
        let row = sea_orm::QueryResult::from(row);
        let index: Option<String> = row.try_get("", "phone_index").map_err(decode)?;
        let order = (
            row.try_get("k_", "valid_to").map_err(decode)?,
            row.try_get("k_", "id").map_err(decode)?,
        );
        by_customer
            .entry(index.unwrap_or_default())
            .or_default()
            .push((order, row));
    }
    let mut found = std::collections::HashMap::with_capacity(by_customer.len());
    for (index, mut rows) in by_customer {
        rows.sort_by_key(|(order, _)| *order);
        let rows: Vec<_> = rows.into_iter().map(|(_, row)| row).collect();
        if let Some(holder) = holder_from_rows(&rows).map_err(decode)? {
            found.insert(index, holder);
        }
    }
    Ok(found)
}

/// (valid_to, id) of a coupon row; `None` for a customer without usable coupon.
type OfferOrder = (Option<NaiveDate>, Option<i64>);

/// `crm_domain::coupon::Coupon::used_up` in SQL, on a `coupons` row: no use left to
/// anyone (global cap reached, or a SPECIAL coupon's holder at their cap).
const USED_UP: &str = "((global_cap IS NOT NULL AND uses_count >= global_cap) \
     OR (kind = 'SPECIAL' AND uses_count >= per_customer_cap))";

/// What the marketing list filters on.
#[derive(Clone, Debug, Default)]
pub struct CouponFilter {
    /// GENERIC or SPECIAL.
    pub kind: Option<CouponKind>,
    /// Status as shown (EXPIRED = stored EXPIRED, or ACTIVE past its end date; EXHAUSTED =
    /// ACTIVE in its dates with no use left).
    pub status: Option<CouponStatus>,
    /// Part of the code or description, any case.
    pub text: Option<String>,
    /// Only the codes issued by this bulk run.
    pub issue_job_id: Option<i64>,
}

fn filtered(filter: &CouponFilter, today: NaiveDate) -> sea_orm::Select<coupon::Entity> {
    let mut query = coupon::Entity::find();
    if let Some(kind) = filter.kind {
        query = query.filter(coupon::Column::Kind.eq(kind.as_str()));
    }
    match filter.status {
        Some(CouponStatus::Active) => {
            query = query
                .filter(coupon::Column::Status.eq(CouponStatus::Active.as_str()))
                .filter(coupon::Column::ValidTo.gte(today))
                .filter(Expr::cust(USED_UP).not());
        }
        Some(CouponStatus::Exhausted) => {
            query = query
                .filter(coupon::Column::Status.eq(CouponStatus::Active.as_str()))
                .filter(coupon::Column::ValidTo.gte(today))
                .filter(Expr::cust(USED_UP));
        }
        Some(CouponStatus::Expired) => {
            query = query.filter(
                Condition::any()
                    .add(coupon::Column::Status.eq(CouponStatus::Expired.as_str()))
                    .add(
                        Condition::all()
                            .add(coupon::Column::Status.eq(CouponStatus::Active.as_str()))
                            .add(coupon::Column::ValidTo.lt(today)),
                    ),
            );
        }
        Some(CouponStatus::Inactive) => {
            query = query.filter(coupon::Column::Status.eq(CouponStatus::Inactive.as_str()));
        }
        None => {}
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        let lower = |col: coupon::Column| Expr::expr(Func::lower(Expr::col(col)));
        query = query.filter(
            Condition::any()
                .add(lower(coupon::Column::Code).like(pattern.clone()))
                .add(lower(coupon::Column::Description).like(pattern)),
        );
    }
    if let Some(job) = filter.issue_job_id {
        query = query.filter(coupon::Column::IssueJobId.eq(job));
    }
    query
}

/// A page of coupons matching `filter`, newest first, and the total count.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &CouponFilter,
    today: NaiveDate,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<CouponRow>, u64)> {
    let paginator = filtered(filter, today)
        .order_by_desc(coupon::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((rows, total))
}

/// Up to `limit` coupons matching `filter` with an id above `after_id`, oldest first, with
/// the holder's customer number and name: one page of the CSV export of issued codes.
/// Paging by id (not by offset) keeps every page an index range scan, however deep.
pub async fn export_page(
    db: &impl ConnectionTrait,
    filter: &CouponFilter,
    today: NaiveDate,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<(CouponRow, Option<customer::Model>)>> {
    let rows = filtered(filter, today)
        .filter(coupon::Column::Id.gt(after_id))
        .order_by_asc(coupon::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut holders = std::collections::HashMap::new();
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.customer_id).collect();
    // Bound parameters per statement stay well under SQLite's and PostgreSQL's limits.
    for chunk in ids.chunks(5_000) {
        for c in customer::Entity::find()
            .filter(customer::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            holders.insert(c.id, c);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let holder = r.customer_id.and_then(|id| holders.get(&id).cloned());
            (r, holder)
        })
        .collect())
}

/// Figures of the marketing list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CouponStats {
    /// Coupons in all.
    pub total: i64,
    /// Usable today (ACTIVE, not past their end date, not used up).
    pub active: i64,
    /// Uses that count (refunds released).
    pub uses: i64,
    /// Σ discount granted by those uses, FCFA.
    pub discount_given: i64,
}

/// Totals over every coupon.
pub async fn stats(db: &impl ConnectionTrait, today: NaiveDate) -> StoreResult<CouponStats> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(statement(
            db,
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS total, \
                 CAST(COALESCE(SUM(CASE WHEN status = 'ACTIVE' AND valid_to >= $1 AND NOT {USED_UP} THEN 1 ELSE 0 END), 0) AS BIGINT) AS active \
                 FROM coupons"
            ),
            [Value::from(today)],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let uses = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(COUNT(*) AS BIGINT) AS uses, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS given \
             FROM coupon_redemptions WHERE released_at IS NULL",
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(CouponStats {
        total: row.try_get("", "total")?,
        active: row.try_get("", "active")?,
        uses: uses.try_get("", "uses")?,
        discount_given: uses.try_get("", "given")?,
    })
}

/// Marks the coupon INACTIVE (audited). `Ok(None)` if there is no such coupon; an
/// already inactive coupon is returned unchanged and not audited again.
pub async fn deactivate(
    db: &DatabaseConnection,
    id: i64,
    actor: &Actor,
) -> StoreResult<Option<CouponRow>> {
    let txn = db.begin().await?;
    let Some(before) = find(&txn, id).await? else {
        return Ok(None);
    };
    if before.status == CouponStatus::Inactive.as_str() {
        txn.commit().await?;
        return Ok(Some(before));
    }
    coupon::Entity::update_many()
        .col_expr(
            coupon::Column::Status,
            Expr::value(CouponStatus::Inactive.as_str()),
        )
        .filter(coupon::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let after = find(&txn, id).await?.ok_or(StoreError::NotFound)?;
    audit::record(
        &txn,
        actor,
        "coupon.deactivate",
        "coupon",
        Some(id.to_string()),
        Some(serde_json::json!({"status": before.status})),
        Some(serde_json::json!({"status": after.status})),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(after))
}

/// One use of a coupon, with its sale's ticket and the customer's number.
#[derive(Clone, Debug)]
pub struct RedemptionView {
    /// The use.
    pub redemption: RedemptionRow,
    /// Ticket number of the sale.
    pub ticket_number: String,
    /// Customer number, if the sale was identified.
    pub customer_number: Option<String>,
}

/// A page of a coupon's uses, newest first, and the total.
pub async fn redemptions(
    db: &impl ConnectionTrait,
    coupon_id: i64,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<RedemptionView>, u64)> {
    let paginator = coupon_redemption::Entity::find()
        .filter(coupon_redemption::Column::CouponId.eq(coupon_id))
        .order_by_desc(coupon_redemption::Column::At)
        .order_by_desc(coupon_redemption::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    let sale_ids: Vec<i64> = rows.iter().map(|r| r.sale_id).collect();
    let customer_ids: Vec<i64> = rows.iter().filter_map(|r| r.customer_id).collect();
    let sales = sale::Entity::find()
        .filter(sale::Column::Id.is_in(sale_ids))
        .all(db)
        .await?;
    let customers = customer::Entity::find()
        .filter(customer::Column::Id.is_in(customer_ids))
        .all(db)
        .await?;
    let views = rows
        .into_iter()
        .map(|r| RedemptionView {
            ticket_number: sales
                .iter()
                .find(|s| s.id == r.sale_id)
                .map(|s| s.ticket_number.clone())
                .unwrap_or_default(),
            customer_number: r
                .customer_id
                .and_then(|id| customers.iter().find(|c| c.id == id))
                .and_then(|c| c.customer_number.clone()),
            redemption: r,
        })
        .collect();
    Ok((views, total))
}

/// The coupons made out to a customer (SPECIAL), oldest first: for their data export.
pub async fn held_by(db: &impl ConnectionTrait, customer_id: i64) -> StoreResult<Vec<CouponRow>> {
    Ok(coupon::Entity::find()
        .filter(coupon::Column::CustomerId.eq(customer_id))
        .order_by_asc(coupon::Column::Id)
        .all(db)
        .await?)
}

/// Every coupon use on a customer's sales, oldest first, with the coupon's code: for
/// their data export.
pub async fn used_by_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
) -> StoreResult<Vec<(RedemptionRow, String)>> {
    let uses = coupon_redemption::Entity::find()
        .filter(coupon_redemption::Column::CustomerId.eq(customer_id))
        .order_by_asc(coupon_redemption::Column::Id)
        .all(db)
        .await?;
    let coupon_ids: BTreeSet<i64> = uses.iter().map(|u| u.coupon_id).collect();
    let codes: std::collections::HashMap<i64, String> = coupon::Entity::find()
        .filter(coupon::Column::Id.is_in(coupon_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    Ok(uses
        .into_iter()
        .map(|u| {
            let code = codes.get(&u.coupon_id).cloned().unwrap_or_default();
            (u, code)
        })
        .collect())
}

/// What a bulk issue gives each customer: the rules of a SPECIAL coupon (its
/// `customer_id` is set per customer) and the lowest level served.
#[derive(Clone, Debug)]
pub struct BulkIssue {
    /// Customers at this level or above receive one.
    pub min_level: Level,
    /// Description of every coupon.
    pub description: String,
    /// Template of the rules; `kind` is SPECIAL.
    pub rules: Rules,
    /// Today, store-local: an unused coupon of an earlier run that is still valid
    /// counts as held.
    pub today: NaiveDate,
    /// Who asked for it.
    pub created_by: Option<i64>,
}

/// The customers of the levels a bulk issue serves who do not already hold an active,
/// unused, still valid SPECIAL coupon (its candidates) — or, with `Served::Already`, those
/// who do (whom it skips).
///
/// `LIMIT 1 OFFSET 0` keeps the coupon check a lookup per customer in `coupons_offer`:
/// without it PostgreSQL turns the check into an anti-join planned from statistics taken
/// before the run, which count (almost) no coupon valid today; it then re-reads every
/// coupon for every customer and a bulk issue to 100 000 customers took minutes instead of
/// seconds (docs/benchmarks.md, Coupons). An OFFSET keeps a sub-select from being merged
/// into the outer query; SQLite needs the LIMIT before it and looks up per customer anyway.
fn candidates_sql(extra: &str, served: Served) -> String {
    let holds = match served {
        Served::Not => "NOT EXISTS",
        Served::Already => "EXISTS",
    };
    format!(
        "FROM customers c WHERE c.active = $1 AND c.erased_at IS NULL AND c.level IN ({levels}) {extra} \
         AND {holds} (SELECT 1 FROM coupons h WHERE h.customer_id = c.id AND h.kind = 'SPECIAL' \
         AND h.status = 'ACTIVE' AND h.valid_to >= $2 AND h.uses_count = 0 LIMIT 1 OFFSET 0)",
        levels = "$3, $4, $5, $6"
    )
}

/// Which side of the "already holds one" rule [`candidates_sql`] selects.
#[derive(Clone, Copy)]
enum Served {
    Not,
    Already,
}

fn candidate_values(issue: &BulkIssue) -> Vec<Value> {
    let mut values = vec![Value::from(true), Value::from(issue.today)];
    // Always four level slots (`IN ($3, $4, $5, $6)`), one per level: a level below the
    // minimum stands in for the minimum, so the set is exactly the levels served.
    for level in Level::ALL {
        values.push(Value::from(level.max(issue.min_level).as_str()));
    }
    values
}

/// How many customers a bulk issue would serve now.
pub async fn bulk_candidates(db: &impl ConnectionTrait, issue: &BulkIssue) -> StoreResult<i64> {
    count_customers(db, issue, Served::Not).await
}

/// How many customers of its levels a bulk issue skips now: they already hold an
/// active, unused SPECIAL coupon.
pub async fn bulk_already_served(db: &impl ConnectionTrait, issue: &BulkIssue) -> StoreResult<i64> {
    count_customers(db, issue, Served::Already).await
}

async fn count_customers(
    db: &impl ConnectionTrait,
    issue: &BulkIssue,
    served: Served,
) -> StoreResult<i64> {
    let row = db
        .query_one_raw(statement(
            db,
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n {}",
                candidates_sql("", served)
            ),
            candidate_values(issue),
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("", "n")?)
}

/// The body of a bulk-issue job (`JobKind::BulkIssue`, started with
/// [`jobs::start_exclusive`]): runs it to the end, batch by batch, reporting `progress`
/// after each batch: a generated SPECIAL coupon for every candidate, marked as issued by
/// job `job_id`. Safe to run again: those who already hold one are skipped. `code` makes
/// a new code.
pub async fn run_bulk_issue(
    db: &DatabaseConnection,
    job_id: i64,
    issue: &BulkIssue,
    mut code: impl FnMut() -> String,
    progress: &impl jobs::Progress,
) -> StoreResult<BulkOutcome> {
    let skipped = bulk_already_served(db, issue).await?;
    let total = bulk_candidates(db, issue).await?;
    progress.report(0, total).await?;
    let mut issued: i64 = 0;
    let mut after_id: i64 = 0;
    let mut fruitless = 0;
    loop {
        let mut values = candidate_values(issue);
        values.push(Value::from(after_id));
        values.push(Value::from(BULK_BATCH as i64));
        let batch: Vec<i64> = db
            .query_all_raw(statement(
                db,
                &format!(
                    "SELECT c.id AS id {} ORDER BY c.id LIMIT $8",
                    candidates_sql("AND c.id > $7", Served::Not)
                ),
                values,
            ))
            .await?
            .iter()
            .map(|r| r.try_get::<i64>("", "id"))
            .collect::<Result<_, _>>()?;
        let Some(&last) = batch.last() else { break };
        let template = NewCoupon {
            code: String::new(),
            description: issue.description.clone(),
            rules: issue.rules.clone(),
        };
        let rows = batch.iter().map(|&customer_id| {
            let mut new = template.clone();
            new.code = code();
            new.rules.customer_id = Some(customer_id);
            active_model(&new, issue.created_by, Some(job_id))
        });
        // A code drawn twice (≈ never with 31¹⁰ codes) skips its customer here; the
        // same batch is then read again, and only those still without a coupon remain.
        let inserted = coupon::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(coupon::Column::Code)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        issued += inserted as i64;
        if inserted == batch.len() as u64 {
            after_id = last;
            fruitless = 0;
        } else if inserted == 0 {
            fruitless += 1;
            if fruitless >= 3 {
                return Err(StoreError::Conflict("code".to_owned()));
            }
        }
        progress.report(issued, Ord::max(total, issued)).await?;
    }
    Ok(BulkOutcome { issued, skipped })
}

/// What a bulk issue did: coupons issued, and customers of its levels skipped because
/// they already held an active, unused SPECIAL coupon when it started. Serialised, the
/// job's result: `{"issued": n, "skipped": m}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BulkOutcome {
    /// Coupons issued.
    pub issued: i64,
    /// Customers skipped.
    pub skipped: i64,
}
