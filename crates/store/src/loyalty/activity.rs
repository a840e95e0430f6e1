//! What each customer of a batch bought, as SPEC §4 looks at it: one set-based query per
//! batch of customers ([`activities`]), the same SQL on SQLite and PostgreSQL.

use crate::{sql, stored, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use crm_domain::loyalty::{Activity, Windows};
use crm_domain::Level;
use sea_orm::{ConnectionTrait, Value};

/// An active customer's standing and activity at T.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomerActivity {
    /// The customer.
    pub customer_id: i64,
    /// Their level now.
    pub level: Level,
    /// When it last changed (none recorded: imported or never moved).
    pub level_changed_at: Option<DateTime<Utc>>,
    /// Their completed purchases as seen from T.
    pub activity: Activity,
}

/// The active, non-erased customers an analysis scores (the `total` of its progress).
pub async fn customers_to_score(db: &impl ConnectionTrait) -> StoreResult<i64> {
    let row = db
        .query_one_raw(sql::statement(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM customers \
                 WHERE active = $1 AND erased_at IS NULL",
            [Value::from(true)],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("", "n")?)
}

/// The batch's customers (keyset on `customers.id`) LEFT JOINed to an aggregate of their
/// COMPLETED sales in the customer range they span, read from the covering index
/// `sales_customer_activity` (m0014) without touching the table. Every window is a bound
/// instant compared with `created_at` (no date arithmetic in SQL): `$4` T − 90 days,
/// `$5…$10` the starts of the six 30-day windows (`$10` is the horizon), `$11` T. A
/// refunded or cancelled sale is not COMPLETED. The active months are six `MAX(CASE …)`
/// flags added up rather than a `COUNT(DISTINCT CASE …)`: the distinct count sorts each
/// customer's sales, the flags are a plain aggregate (about half the query's time on
/// PostgreSQL, docs/benchmarks.md).
const ACTIVITIES_SQL: &str = "\
WITH batch AS (\
  SELECT id, level, level_changed_at FROM customers \
  WHERE active = $1 AND erased_at IS NULL AND id > $2 ORDER BY id LIMIT $3) \
SELECT b.id AS id, b.level AS level, b.level_changed_at AS level_changed_at, \
  CAST(COALESCE(a.purchases_90d, 0) AS BIGINT) AS purchases_90d, \
  CAST(COALESCE(a.spend_90d, 0) AS BIGINT) AS spend_90d, \
  CAST(COALESCE(a.active_months, 0) AS BIGINT) AS active_months, \
  a.last_purchase AS last_purchase \
FROM batch b LEFT JOIN (\
  SELECT s.customer_id AS customer_id, \
    COUNT(CASE WHEN s.created_at > $4 THEN 1 END) AS purchases_90d, \
    SUM(CASE WHEN s.created_at > $4 THEN s.total ELSE 0 END) AS spend_90d, \
    MAX(CASE WHEN s.created_at > $5 THEN 1 ELSE 0 END) \
      + MAX(CASE WHEN s.created_at > $6 AND s.created_at <= $5 THEN 1 ELSE 0 END) \
      + MAX(CASE WHEN s.created_at > $7 AND s.created_at <= $6 THEN 1 ELSE 0 END) \
      + MAX(CASE WHEN s.created_at > $8 AND s.created_at <= $7 THEN 1 ELSE 0 END) \
      + MAX(CASE WHEN s.created_at > $9 AND s.created_at <= $8 THEN 1 ELSE 0 END) \
      + MAX(CASE WHEN s.created_at <= $9 THEN 1 ELSE 0 END) AS active_months, \
    MAX(s.created_at) AS last_purchase \
  FROM sales s \
  WHERE s.status = 'COMPLETED' AND s.customer_id > $2 \
    AND s.customer_id <= (SELECT MAX(id) FROM batch) \
    AND s.created_at > $10 AND s.created_at <= $11 \
  GROUP BY s.customer_id) a ON a.customer_id = b.id \
ORDER BY b.id";

/// Up to `limit` active, non-erased customers with an id above `after_id`, in id order,
/// each with their [`Activity`] at `windows.at` — what `Activity::from_purchases` would
/// compute from their completed sales (the property test in `tests/tests/loyalty.rs`
/// holds the two together).
pub async fn activities(
    db: &impl ConnectionTrait,
    windows: &Windows,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<CustomerActivity>> {
    let mut values = vec![
        Value::from(true),
        Value::from(after_id),
        Value::from(i64::try_from(limit).unwrap_or(i64::MAX)),
        Value::from(windows.since_90d),
    ];
    values.extend(windows.month_starts.iter().map(|start| Value::from(*start)));
    values.push(Value::from(windows.at));
    let rows = db
        .query_all_raw(sql::statement(db, ACTIVITIES_SQL, values))
        .await?;
    rows.iter()
        .map(|row| -> StoreResult<CustomerActivity> {
            let level: String = row.try_get("", "level")?;
            let active_months: i64 = row.try_get("", "active_months")?;
            Ok(CustomerActivity {
                customer_id: row.try_get("", "id")?,
                level: stored("customers.level", &level)?,
                level_changed_at: row.try_get("", "level_changed_at")?,
                activity: Activity {
                    purchases_90d: row.try_get("", "purchases_90d")?,
                    spend_90d: row.try_get("", "spend_90d")?,
                    active_months: u8::try_from(active_months).unwrap_or(u8::MAX),
                    last_purchase: row.try_get("", "last_purchase")?,
                },
            })
        })
        .collect()
}
