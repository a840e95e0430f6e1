//! The figures of the loyalty stats page (SPEC §4): active customers per level, those
//! who bought in the last 30 days, each level's revenue over the last 90 days and the
//! ten VIP customers who spent most over them.
//!
//! A few set-based statements (one `GROUP BY` each), the same SQL on SQLite and
//! PostgreSQL: windows are compared with instants bound from Rust ("the last N days" =
//! T − N days < sale time ≤ T, as the analysis counts them), never with a database's
//! date functions. Only completed sales count: a refunded or cancelled sale is no
//! purchase. Customers are the active ones (an erased customer is inactive), grouped by
//! their level now.

use crate::sql::statement;
use crate::{stored, StoreResult};
use chrono::{DateTime, Days, Utc};
use crm_domain::loyalty::LevelCounts;
use crm_domain::sale::SaleStatus;
use crm_domain::Level;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use std::collections::BTreeMap;

/// Days of "active" on the stats page.
pub const ACTIVE_DAYS: u64 = 30;
/// Days of "the last three months" on the stats page (the analysis's 90 days).
pub const REVENUE_DAYS: u64 = 90;
/// VIP customers listed.
pub const TOP_VIP: u64 = 10;

/// A VIP customer among the top spenders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopSpender {
    /// The customer.
    pub customer_id: i64,
    /// Their card number.
    pub customer_number: Option<String>,
    /// First name (none once erased, or never given).
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Completed sales over [`REVENUE_DAYS`], FCFA.
    pub revenue: i64,
    /// How many.
    pub purchases: i64,
}

/// What the stats page is computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoyaltyFigures {
    /// Active customers per level.
    pub customers: LevelCounts,
    /// Completed sales of each level's active customers over [`REVENUE_DAYS`], FCFA (a
    /// level nobody bought at is absent).
    pub revenue: BTreeMap<Level, i64>,
    /// Active customers with a completed sale over [`ACTIVE_DAYS`].
    pub active: i64,
    /// At most [`TOP_VIP`] VIP customers with a completed sale over [`REVENUE_DAYS`],
    /// who spent most first.
    pub top_vip: Vec<TopSpender>,
}

/// The figures at the instant `at`.
pub async fn figures(db: &impl ConnectionTrait, at: DateTime<Utc>) -> StoreResult<LoyaltyFigures> {
    let since = |days| at.checked_sub_days(Days::new(days)).unwrap_or(at);
    let (active_since, revenue_since) = (since(ACTIVE_DAYS), since(REVENUE_DAYS));

    let mut customers = LevelCounts::default();
    for row in query(
        db,
        "SELECT level, COUNT(*) AS n FROM customers WHERE active = $1 GROUP BY level",
        vec![true.into()],
    )
    .await?
    {
        let level: Level = stored("customers.level", &row.try_get::<String>("", "level")?)?;
        *match level {
            Level::Standard => &mut customers.standard,
            Level::Silver => &mut customers.silver,
            Level::Gold => &mut customers.gold,
            Level::Vip => &mut customers.vip,
        } = row.try_get("", "n")?;
    }

    // Sales of active customers in a window: `$1` true, `$2` COMPLETED, `$3` < time ≤ `$4`.
    const BOUGHT: &str = "FROM sales s JOIN customers c ON c.id = s.customer_id \
         WHERE c.active = $1 AND s.status = $2 AND s.created_at > $3 AND s.created_at <= $4";
    let window = |since: DateTime<Utc>| -> Vec<Value> {
        vec![
            true.into(),
            SaleStatus::Completed.as_str().into(),
            since.into(),
            at.into(),
        ]
    };

    let mut revenue = BTreeMap::new();
    for row in query(
        db,
        &format!("SELECT c.level AS level, CAST(SUM(s.total) AS BIGINT) AS revenue {BOUGHT} GROUP BY c.level"),
        window(revenue_since),
    )
    .await?
    {
        let level: Level = stored("customers.level", &row.try_get::<String>("", "level")?)?;
        revenue.insert(level, row.try_get("", "revenue")?);
    }

    let active = match query(
        db,
        &format!("SELECT COUNT(DISTINCT s.customer_id) AS n {BOUGHT}"),
        window(active_since),
    )
    .await?
    .first()
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };

    let mut vip_window = window(revenue_since);
    vip_window.push(Level::Vip.as_str().into());
    let top_vip = query(
        db,
        &format!(
            "SELECT c.id AS id, c.customer_number AS customer_number, c.first_name AS first_name, \
             c.last_name AS last_name, CAST(SUM(s.total) AS BIGINT) AS revenue, COUNT(*) AS purchases \
             {BOUGHT} AND c.level = $5 \
             GROUP BY c.id, c.customer_number, c.first_name, c.last_name \
             ORDER BY revenue DESC, c.id LIMIT {TOP_VIP}"
        ),
        vip_window,
    )
    .await?
    .iter()
    .map(|row| {
        Ok(TopSpender {
            customer_id: row.try_get("", "id")?,
            customer_number: row.try_get("", "customer_number")?,
            first_name: row.try_get("", "first_name")?,
            last_name: row.try_get("", "last_name")?,
            revenue: row.try_get("", "revenue")?,
            purchases: row.try_get("", "purchases")?,
        })
    })
    .collect::<StoreResult<_>>()?;

    Ok(LoyaltyFigures {
        customers,
        revenue,
        active,
        top_vip,
    })
}

async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> StoreResult<Vec<QueryResult>> {
    Ok(db.query_all_raw(statement(db, sql, values)).await?)
}
