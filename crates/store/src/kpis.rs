//! The figures of the KPI dashboard (SPEC §5): set-based SQL over indexed ranges, on
//! both databases, returning whole counts and francs. Every ratio and rule is
//! `crm_domain::kpi`'s; a segment is the customer's level at the time of the sale
//! (`sales.customer_level`).
//!
//! Sales figures are read from `kpi_daily` (completed sales per store, day and segment),
//! kept exact by the sale, cancel and refund transactions ([`add_sale`]) and rebuilt
//! after a bulk load ([`rebuild`]). Figures about distinct customers or coupons cannot be
//! summed day by day and are read from `sales` and `coupon_redemptions`.

use crate::entities::sale;
use crate::sql::statement;
use crate::{stored, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::coupon::CouponKind;
use crm_domain::kpi::{BaseLedger, LevelMoves, Registrations, Retention};
use crm_domain::loyalty::LevelCounts;
use crm_domain::Level;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};

/// The segment of anonymous sales in `kpi_daily`.
const ANONYMOUS: &str = "ANONYMOUS";

/// Completed sales of one day and segment, all stores together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SalesDay {
    /// Store-local day.
    pub day: NaiveDate,
    /// The customer's level at the time of the sale; `None`: anonymous.
    pub segment: Option<Level>,
    /// Sales.
    pub sales: i64,
    /// Sum of subtotals.
    pub subtotal: i64,
    /// Loyalty discounts.
    pub loyalty_discount: i64,
    /// Coupon discounts.
    pub coupon_discount: i64,
    /// Sum of totals.
    pub total: i64,
    /// Σ quantity × unit cost of their lines.
    pub cost: i64,
}

/// The completed sales of the days `first..=last`, per day and segment, from `kpi_daily`.
pub async fn sales_by_day(
    db: &impl ConnectionTrait,
    first: NaiveDate,
    last: NaiveDate,
) -> StoreResult<Vec<SalesDay>> {
    let rows = query(
        db,
        "SELECT business_date, segment, CAST(SUM(sales) AS BIGINT) AS sales, \
         CAST(SUM(subtotal) AS BIGINT) AS subtotal, CAST(SUM(loyalty_discount) AS BIGINT) AS loyalty_discount, \
         CAST(SUM(coupon_discount) AS BIGINT) AS coupon_discount, CAST(SUM(total) AS BIGINT) AS total, \
         CAST(SUM(cost) AS BIGINT) AS cost \
         FROM kpi_daily WHERE business_date BETWEEN $1 AND $2 GROUP BY business_date, segment",
        vec![first.into(), last.into()],
    )
    .await?;
    rows.iter()
        .map(|row| {
            let segment: String = row.try_get("", "segment")?;
            Ok(SalesDay {
                day: row.try_get("", "business_date")?,
                segment: segment_of(&segment)?,
                sales: row.try_get("", "sales")?,
                subtotal: row.try_get("", "subtotal")?,
                loyalty_discount: row.try_get("", "loyalty_discount")?,
                coupon_discount: row.try_get("", "coupon_discount")?,
                total: row.try_get("", "total")?,
                cost: row.try_get("", "cost")?,
            })
        })
        .collect()
}

/// Adds a completed sale to `kpi_daily` (`sign` = 1), or takes it out again when it is
/// cancelled or refunded (`sign` = -1): the KPIs leave reversed sales out on the day they
/// were made. Runs inside the sale's (or the reversal's) transaction. `cost` is
/// Σ quantity × unit cost of its lines.
pub(crate) async fn add_sale(
    txn: &impl ConnectionTrait,
    sale: &sale::Model,
    cost: i64,
    sign: i64,
) -> StoreResult<()> {
    let segment = sale.customer_level.as_deref().unwrap_or(ANONYMOUS);
    execute(
        txn,
        "INSERT INTO kpi_daily (store_id, business_date, segment, sales, subtotal, loyalty_discount, coupon_discount, total, cost) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (business_date, store_id, segment) DO UPDATE SET sales = kpi_daily.sales + excluded.sales, \
         subtotal = kpi_daily.subtotal + excluded.subtotal, loyalty_discount = kpi_daily.loyalty_discount + excluded.loyalty_discount, \
         coupon_discount = kpi_daily.coupon_discount + excluded.coupon_discount, total = kpi_daily.total + excluded.total, \
         cost = kpi_daily.cost + excluded.cost",
        vec![
            sale.store_id.into(),
            sale.business_date.into(),
            segment.into(),
            sign.into(),
            (sign * sale.subtotal).into(),
            (sign * sale.loyalty_discount).into(),
            (sign * sale.coupon_discount).into(),
            (sign * sale.total).into(),
            (sign * cost).into(),
        ],
    )
    .await
}

/// After a bulk load (demo, import), which writes sales without the checkout: the level
/// of each identified sale that has none is taken from its customer's current level (the
/// best there is for a load), and `kpi_daily` is recomputed from the completed sales.
/// The migration `m0012` froze a copy of these statements.
pub async fn rebuild(db: &impl ConnectionTrait) -> StoreResult<()> {
    for sql in [
        "UPDATE sales SET customer_level = (SELECT c.level FROM customers c WHERE c.id = sales.customer_id) \
         WHERE customer_id IS NOT NULL AND customer_level IS NULL",
        "DELETE FROM kpi_daily",
        "INSERT INTO kpi_daily (store_id, business_date, segment, sales, subtotal, loyalty_discount, coupon_discount, total, cost) \
         SELECT s.store_id, s.business_date, COALESCE(s.customer_level, 'ANONYMOUS'), COUNT(*), SUM(s.subtotal), \
                SUM(s.loyalty_discount), SUM(s.coupon_discount), SUM(s.total), COALESCE(SUM(l.cost), 0) \
         FROM sales s LEFT JOIN (SELECT sale_id, SUM(quantity * unit_cost) AS cost FROM sale_lines GROUP BY sale_id) l \
           ON l.sale_id = s.id \
         WHERE s.status = 'COMPLETED' \
         GROUP BY s.store_id, s.business_date, COALESCE(s.customer_level, 'ANONYMOUS')",
    ] {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// The customer base around `instants` (increasing): customers per registration slot and
/// current level, and the level changes made from the first instant on, per slot of the
/// change and of the registration (see [`BaseLedger`]).
pub async fn customer_base(
    db: &impl ConnectionTrait,
    instants: &[DateTime<Utc>],
) -> StoreResult<BaseLedger> {
    let Some(first) = instants.first() else {
        return Ok(BaseLedger::default());
    };
    let slot = |column: &str| {
        let mut case = String::from("CASE");
        for (i, _) in instants.iter().enumerate() {
            case += &format!(" WHEN {column} < ${} THEN {i}", i + 1);
        }
        // PostgreSQL gives a CASE of small literals as a 4-byte integer.
        format!("CAST({case} ELSE {} END AS BIGINT)", instants.len())
    };
    let bounds: Vec<Value> = instants.iter().map(|t| (*t).into()).collect();
    let registered = query(
        db,
        &format!(
            "SELECT {} AS slot, level, COUNT(*) AS customers FROM customers GROUP BY 1, level",
            slot("registered_at")
        ),
        bounds.clone(),
    )
    .await?;
    let mut values = bounds;
    values.push((*first).into());
    let moves = query(
        db,
        &format!(
            "SELECT {} AS changed, {} AS registered, lc.from_level, lc.to_level, COUNT(*) AS customers \
             FROM level_changes lc JOIN customers c ON c.id = lc.customer_id \
             WHERE lc.changed_at >= ${} GROUP BY 1, 2, lc.from_level, lc.to_level",
            slot("lc.changed_at"),
            slot("c.registered_at"),
            instants.len() + 1
        ),
        values,
    )
    .await?;
    // Slots are the CASE's own numbers, 0..=instants.
    let slot_of = |row: &QueryResult, column: &'static str| -> StoreResult<usize> {
        let slot: i64 = row.try_get("", column)?;
        usize::try_from(slot).map_err(|_| crate::StoreError::Corrupt {
            column,
            value: slot.to_string(),
        })
    };
    Ok(BaseLedger {
        registered: registered
            .iter()
            .map(|row| {
                Ok(Registrations {
                    slot: slot_of(row, "slot")?,
                    level: stored("customers.level", &row.try_get::<String>("", "level")?)?,
                    customers: row.try_get("", "customers")?,
                })
            })
            .collect::<StoreResult<_>>()?,
        moves: moves
            .iter()
            .map(|row| {
                Ok(LevelMoves {
                    changed: slot_of(row, "changed")?,
                    registered: slot_of(row, "registered")?,
                    from: stored(
                        "level_changes.from_level",
                        &row.try_get::<String>("", "from_level")?,
                    )?,
                    to: stored(
                        "level_changes.to_level",
                        &row.try_get::<String>("", "to_level")?,
                    )?,
                    customers: row.try_get("", "customers")?,
                })
            })
            .collect::<StoreResult<_>>()?,
    })
}

/// Three periods of the same length, oldest first: the one before the previous, the
/// previous one, this one (store-local days, inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreePeriods {
    /// First and last day of the period before the previous one.
    pub before_previous: (NaiveDate, NaiveDate),
    /// Of the previous period.
    pub previous: (NaiveDate, NaiveDate),
    /// Of this period.
    pub current: (NaiveDate, NaiveDate),
}

/// What the customers' completed purchases say over [`ThreePeriods`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CustomerActivity {
    /// This period against the previous one.
    pub retention: Retention,
    /// The previous period against the one before.
    pub previous_retention: Retention,
    /// This period's buyers.
    pub buyers: Buyers,
    /// The previous period's buyers.
    pub previous_buyers: Buyers,
}

/// Distinct customers with a completed purchase in a period: per level at the time of
/// the sale, and in all (a customer who bought at two levels counts once in all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Buyers {
    /// Per level.
    pub levels: LevelCounts,
    /// In all (with a segment: the segment's).
    pub identified: i64,
}

/// Retention (SPEC §5) and the distinct buyers of the periods, in one pass over the
/// identified completed sales, one row per customer. Retention follows the customers
/// who bought in the earlier period (at level `segment`, if given) and counts those who
/// bought again in the later one (at any level).
pub async fn customer_activity(
    db: &impl ConnectionTrait,
    periods: ThreePeriods,
    segment: Option<Level>,
) -> StoreResult<CustomerActivity> {
    let ThreePeriods {
        before_previous: (bp_first, bp_last),
        previous: (p_first, p_last),
        current: (c_first, c_last),
    } = periods;
    let mut values: Vec<Value> = vec![
        bp_first.into(),
        c_last.into(),
        bp_last.into(),
        p_first.into(),
        p_last.into(),
        c_first.into(),
    ];
    let seg = segment_filter(segment, "customer_level", &mut values);
    let flag = |condition: String| format!("MAX(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    let mut columns = vec![
        format!("{} AS bp_seg", flag(format!("business_date <= $3{seg}"))),
        format!(
            "{} AS p_any",
            flag("business_date BETWEEN $4 AND $5".into())
        ),
        format!(
            "{} AS p_seg",
            flag(format!("business_date BETWEEN $4 AND $5{seg}"))
        ),
        format!("{} AS c_any", flag("business_date >= $6".into())),
        format!("{} AS c_seg", flag(format!("business_date >= $6{seg}"))),
    ];
    // Aliases in lower case: PostgreSQL folds unquoted names.
    let alias =
        |period: &str, level: Level| format!("{period}_{}", level.as_str().to_ascii_lowercase());
    for level in Level::ALL {
        let name = level.as_str();
        columns.push(format!(
            "{} AS {}",
            flag(format!(
                "business_date BETWEEN $4 AND $5 AND customer_level = '{name}'"
            )),
            alias("p", level)
        ));
        columns.push(format!(
            "{} AS {}",
            flag(format!("business_date >= $6 AND customer_level = '{name}'")),
            alias("c", level)
        ));
    }
    let mut totals = vec![
        "CAST(COALESCE(SUM(bp_seg), 0) AS BIGINT) AS bp_active".to_owned(),
        "CAST(COALESCE(SUM(bp_seg * p_any), 0) AS BIGINT) AS bp_kept".to_owned(),
        "CAST(COALESCE(SUM(p_seg), 0) AS BIGINT) AS p_active".to_owned(),
        "CAST(COALESCE(SUM(p_seg * c_any), 0) AS BIGINT) AS p_kept".to_owned(),
        "CAST(COALESCE(SUM(c_seg), 0) AS BIGINT) AS c_buyers".to_owned(),
    ];
    for level in Level::ALL {
        for period in ["p", "c"] {
            let name = alias(period, level);
            totals.push(format!(
                "CAST(COALESCE(SUM({name}), 0) AS BIGINT) AS {name}"
            ));
        }
    }
    let rows = query(
        db,
        &format!(
            "SELECT {} FROM (SELECT customer_id, {} FROM sales WHERE status = 'COMPLETED'              AND customer_id IS NOT NULL AND business_date BETWEEN $1 AND $2 GROUP BY customer_id) x",
            totals.join(", "),
            columns.join(", ")
        ),
        values,
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(CustomerActivity::default());
    };
    let n = |column: &str| row.try_get::<i64>("", column);
    let levels = |period: &str| -> StoreResult<LevelCounts> {
        let of = |level: Level| n(&alias(period, level));
        Ok(LevelCounts {
            standard: of(Level::Standard)?,
            silver: of(Level::Silver)?,
            gold: of(Level::Gold)?,
            vip: of(Level::Vip)?,
        })
    };
    Ok(CustomerActivity {
        retention: Retention {
            active_before: n("p_active")?,
            retained: n("p_kept")?,
        },
        previous_retention: Retention {
            active_before: n("bp_active")?,
            retained: n("bp_kept")?,
        },
        buyers: Buyers {
            levels: levels("c")?,
            identified: n("c_buyers")?,
        },
        previous_buyers: Buyers {
            levels: levels("p")?,
            identified: n("p_active")?,
        },
    })
}

/// Retention per bucket of `step` days counted back from `last`: element `k` is bucket
/// `k` (0 = the one ending on `last`) against bucket `k + 1`, for `buckets` buckets.
pub async fn retention_series(
    db: &impl ConnectionTrait,
    last: NaiveDate,
    step: usize,
    buckets: usize,
    segment: Option<Level>,
) -> StoreResult<Vec<Retention>> {
    let backend = db.get_database_backend();
    let days_span = (step * (buckets + 1)) as u64;
    let first = last - chrono::Days::new(days_span.saturating_sub(1));
    let mut values: Vec<Value> = vec![first.into(), last.into()];
    let filter = segment_filter(segment, "customer_level", &mut values);
    let bucket = format!("({}) / {step}", days_before(backend, last, "business_date"));
    let rows = query(
        db,
        &format!(
            // One pass: each customer's buckets, and whether they bought in the segment
            // there; then each bucket against the one before it.
            "WITH a AS (SELECT {bucket} AS b, customer_id, MAX(CASE WHEN 1 = 1{filter} THEN 1 ELSE 0 END) AS seg \
               FROM sales WHERE status = 'COMPLETED' AND customer_id IS NOT NULL AND business_date BETWEEN $1 AND $2 \
               GROUP BY 1, customer_id) \
             SELECT CAST(p.b - 1 AS BIGINT) AS b, COUNT(*) AS active_before, COUNT(n.customer_id) AS retained \
             FROM a p LEFT JOIN a n ON n.b = p.b - 1 AND n.customer_id = p.customer_id \
             WHERE p.b >= 1 AND p.seg = 1 GROUP BY p.b"
        ),
        values,
    )
    .await?;
    let mut series = vec![Retention::default(); buckets];
    for row in rows {
        let k = row.try_get::<i64>("", "b")?;
        if let Some(slot) = usize::try_from(k).ok().and_then(|k| series.get_mut(k)) {
            *slot = Retention {
                active_before: row.try_get("", "active_before")?,
                retained: row.try_get("", "retained")?,
            };
        }
    }
    Ok(series)
}

/// Coupons of one kind in a period: how many were active, how many of those were used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CouponCounts {
    /// Valid on at least one day of the period and created before its end.
    pub active: i64,
    /// Of those, used at least once in the period.
    pub used: i64,
}

/// Coupon use in a period (SPEC §5 KPI 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CouponUse {
    /// GENERIC coupons.
    pub generic: CouponCounts,
    /// SPECIAL coupons.
    pub special: CouponCounts,
    /// Uses: unreleased redemptions on completed sales of the period.
    pub redemptions: i64,
    /// Discount they gave, FCFA.
    pub discount: i64,
}

/// The sales of a period, for the coupon figures: its days and, for the index on
/// `coupon_redemptions.at`, its UTC range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days {
    /// First store-local day.
    pub first: NaiveDate,
    /// Last store-local day.
    pub last: NaiveDate,
    /// Start of the first day, UTC.
    pub start_utc: DateTime<Utc>,
    /// Start of the day after the last, UTC.
    pub end_utc: DateTime<Utc>,
}

impl Days {
    /// The redemptions that may belong to these days, by their own instant (a day's
    /// margin each side: a sale's day is its store's), then exactly by the sale's day.
    fn redemptions(&self, segment: Option<Level>, values: &mut Vec<Value>) -> String {
        let n = values.len();
        values.extend([
            (self.start_utc - chrono::Duration::days(1)).into(),
            (self.end_utc + chrono::Duration::days(1)).into(),
            self.first.into(),
            self.last.into(),
        ]);
        let filter = segment_filter(segment, "s.customer_level", values);
        format!(
            "FROM coupon_redemptions r JOIN sales s ON s.id = r.sale_id \
             WHERE r.released_at IS NULL AND r.at >= ${} AND r.at < ${} AND s.status = 'COMPLETED' \
             AND s.business_date BETWEEN ${} AND ${}{filter}",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        )
    }
}

/// Coupon use in `days` (uses by the segment's sales only, if given).
pub async fn coupon_use(
    db: &impl ConnectionTrait,
    days: Days,
    segment: Option<Level>,
) -> StoreResult<CouponUse> {
    let mut values: Vec<Value> = vec![days.first.into(), days.last.into(), days.end_utc.into()];
    let uses = days.redemptions(segment, &mut values);
    let rows = query(
        db,
        &format!(
            "SELECT k.kind, COUNT(*) AS active, COUNT(u.coupon_id) AS used, \
               CAST(COALESCE(SUM(u.uses), 0) AS BIGINT) AS redemptions, \
               CAST(COALESCE(SUM(u.discount), 0) AS BIGINT) AS discount \
             FROM coupons k LEFT JOIN (SELECT r.coupon_id, COUNT(*) AS uses, SUM(r.amount) AS discount {uses} \
               GROUP BY r.coupon_id) u ON u.coupon_id = k.id \
             WHERE k.valid_from <= $2 AND k.valid_to >= $1 AND k.created_at < $3 GROUP BY k.kind"
        ),
        values,
    )
    .await?;
    let mut figures = CouponUse::default();
    for row in rows {
        let kind: CouponKind = stored("coupons.kind", &row.try_get::<String>("", "kind")?)?;
        let counts = CouponCounts {
            active: row.try_get("", "active")?,
            used: row.try_get("", "used")?,
        };
        match kind {
            CouponKind::Generic => figures.generic = counts,
            CouponKind::Special => figures.special = counts,
        }
        figures.redemptions += row.try_get::<i64>("", "redemptions")?;
        figures.discount += row.try_get::<i64>("", "discount")?;
    }
    Ok(figures)
}

/// Coupon uses and the discount they gave, per day of `days` that has some.
pub async fn coupon_uses_by_day(
    db: &impl ConnectionTrait,
    days: Days,
    segment: Option<Level>,
) -> StoreResult<Vec<(NaiveDate, i64, i64)>> {
    let mut values = Vec::new();
    let uses = days.redemptions(segment, &mut values);
    let rows = query(
        db,
        &format!(
            "SELECT s.business_date, COUNT(*) AS uses, CAST(SUM(r.amount) AS BIGINT) AS discount {uses} \
             GROUP BY s.business_date"
        ),
        values,
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("", "business_date")?,
                row.try_get("", "uses")?,
                row.try_get("", "discount")?,
            ))
        })
        .collect()
}

/// A coupon among the most used of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouponRank {
    /// Id.
    pub coupon_id: i64,
    /// Code.
    pub code: String,
    /// Kind.
    pub kind: CouponKind,
    /// Uses in the period.
    pub uses: i64,
    /// Discount given in the period.
    pub discount: i64,
}

/// The `limit` coupons used most in `days`, most uses first, then by code.
pub async fn top_coupons(
    db: &impl ConnectionTrait,
    days: Days,
    segment: Option<Level>,
    limit: u32,
) -> StoreResult<Vec<CouponRank>> {
    let mut values = Vec::new();
    let uses = days.redemptions(segment, &mut values);
    let rows = query(
        db,
        &format!(
            "SELECT k.id, k.code, k.kind, u.uses, u.discount FROM coupons k \
             JOIN (SELECT r.coupon_id, COUNT(*) AS uses, CAST(SUM(r.amount) AS BIGINT) AS discount {uses} \
               GROUP BY r.coupon_id) u ON u.coupon_id = k.id \
             ORDER BY u.uses DESC, k.code LIMIT {limit}"
        ),
        values,
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CouponRank {
                coupon_id: row.try_get("", "id")?,
                code: row.try_get("", "code")?,
                kind: stored("coupons.kind", &row.try_get::<String>("", "kind")?)?,
                uses: row.try_get("", "uses")?,
                discount: row.try_get("", "discount")?,
            })
        })
        .collect()
}

/// ` AND {column} = $n` for a segment (its value appended to `values`), or nothing.
fn segment_filter(segment: Option<Level>, column: &str, values: &mut Vec<Value>) -> String {
    match segment {
        Some(level) => {
            values.push(level.as_str().into());
            format!(" AND {column} = ${}", values.len())
        }
        None => String::new(),
    }
}

/// Whole days from the date column `column` to `last`, in SQL.
fn days_before(backend: DbBackend, last: NaiveDate, column: &str) -> String {
    let last = last.format("%Y-%m-%d");
    match backend {
        DbBackend::Sqlite => {
            format!("CAST(julianday('{last}') - julianday({column}) AS INTEGER)")
        }
        _ => format!("(DATE '{last}' - {column})"),
    }
}

/// A `kpi_daily` segment read back.
fn segment_of(segment: &str) -> StoreResult<Option<Level>> {
    if segment == ANONYMOUS {
        return Ok(None);
    }
    stored("kpi_daily.segment", segment).map(Some)
}

async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> StoreResult<Vec<QueryResult>> {
    Ok(db.query_all_raw(statement(db, sql, values)).await?)
}

async fn execute(txn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> StoreResult<()> {
    txn.execute_raw(statement(txn, sql, values)).await?;
    Ok(())
}
