//! `/loyalty`: the analysis (a job), its moves, the stats page and the policy. The
//! policy itself (`GET/PUT /loyalty/policy`) is `crm_domain::loyalty::LoyaltyPolicy` as
//! it is; the analysis's result is `crm_domain::loyalty::AnalysisSummary`.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::loyalty::{AnalysisSummary, Criteria, MoveKind};
use crm_domain::Level;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /loyalty/analyses`: score every active customer and move their levels.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"dry_run": true, "generate_coupons": true, "as_of": "2026-11-30"})))]
#[serde(deny_unknown_fields)]
pub struct StartAnalysis {
    /// Compute and report only: no level, history or coupon is written.
    #[serde(default)]
    pub dry_run: bool,
    /// Give each promoted customer a congratulation SPECIAL coupon.
    #[serde(default)]
    pub generate_coupons: bool,
    /// Score as at the end of this business day (default: now).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// An analysis: its job's progress, its options and, once succeeded, its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Analysis {
    /// The job's id (also the analysis's id).
    pub id: i64,
    /// Where it is.
    pub status: crm_domain::job::JobStatus,
    /// Customers to score, once known.
    pub total: i64,
    /// Customers scored.
    pub done: i64,
    /// 0–100.
    pub progress: u8,
    /// Its options.
    pub dry_run: bool,
    /// Its options.
    pub generate_coupons: bool,
    /// The reference instant T.
    pub as_of: DateTime<Utc>,
    /// The business day it was asked "as of" (T is that day's last instant in the store's
    /// time zone); none when it scored at the moment it started. Applying a simulation
    /// sends this day back.
    #[serde(default)]
    pub as_of_day: Option<NaiveDate>,
    /// What it found and did, once succeeded.
    pub result: Option<AnalysisSummary>,
    /// Why it failed, in French.
    pub error: Option<String>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
}

/// `GET /loyalty/analyses`: the latest analyses, newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AnalysisPage {
    /// Analyses of this page.
    pub items: Vec<Analysis>,
    /// Analyses in all.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// One customer's move in an analysis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoyaltyMove {
    /// The customer.
    pub customer_id: i64,
    /// Their card number, if any.
    pub customer_number: Option<String>,
    /// Their name, as the back office shows it.
    pub name: String,
    /// Promotion, demotion or held (soft landing).
    pub kind: MoveKind,
    /// Level before.
    pub from_level: Level,
    /// Level after (equal to `from_level` when held).
    pub to_level: Level,
    /// Score 0–100.
    pub score: u8,
    /// Points of each criterion.
    pub criteria: Criteria,
    /// The congratulation coupon issued with a promotion, if any.
    pub coupon_code: Option<String>,
}

/// `GET /loyalty/analyses/{id}/moves`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MovePage {
    /// Moves of this page, by customer.
    pub items: Vec<LoyaltyMove>,
    /// Moves matching the filter.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// One level on the stats page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LevelStats {
    /// The level.
    pub level: Level,
    /// Active customers at it.
    pub customers: i64,
    /// Share of all active customers, percent with one decimal (`"12.5"`).
    pub percent: String,
    /// Their completed sales over the last 3 months (90 days), FCFA.
    pub revenue_3m: i64,
    /// That revenue per customer of the level, FCFA (rounded).
    pub revenue_per_customer: i64,
}

/// A VIP customer among the ten who spent most over the last 3 months.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TopCustomer {
    /// The customer.
    pub customer_id: i64,
    /// Their card number, if any.
    pub customer_number: Option<String>,
    /// Their name.
    pub name: String,
    /// Completed sales over the last 3 months, FCFA.
    pub revenue_3m: i64,
    /// Purchases over the same months.
    pub purchases_3m: i64,
}

/// `GET /loyalty/stats`: SPEC §4's stats page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoyaltyStats {
    /// When computed.
    pub at: DateTime<Utc>,
    /// Active customers.
    pub customers: i64,
    /// Per level, STANDARD first.
    pub levels: Vec<LevelStats>,
    /// Customers with a completed purchase in the last 30 days.
    pub active_30d: i64,
    /// `active_30d ÷ customers`, percent with one decimal.
    pub activity_rate: String,
    /// `(SILVER + GOLD + VIP) ÷ customers`, percent with one decimal.
    pub loyalty_rate: String,
    /// The ten VIP customers who spent most over the last 3 months.
    pub top_vip: Vec<TopCustomer>,
    /// The latest applied analysis, if any.
    pub last_analysis: Option<Analysis>,
}
