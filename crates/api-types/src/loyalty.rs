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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 9, "status": "SUCCEEDED", "total": 12480, "done": 12480, "progress": 100,
    "dry_run": false, "generate_coupons": true, "as_of": "2026-11-30T23:59:59Z",
    "as_of_day": "2026-11-30",
    "result": {
        "as_of": "2026-11-30T23:59:59Z", "dry_run": false, "generate_coupons": true,
        "customers": 12480,
        "before": {"standard": 8210, "silver": 2650, "gold": 1240, "vip": 380},
        "after": {"standard": 8034, "silver": 2712, "gold": 1318, "vip": 416},
        "promotions": 412, "demotions": 236, "held": 58, "coupons_issued": 398,
        "coupons_skipped": 14
    },
    "error": null, "created_at": "2026-12-01T02:00:00Z", "finished_at": "2026-12-01T02:03:17Z"
})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [
        {
            "id": 9, "status": "SUCCEEDED", "total": 12480, "done": 12480, "progress": 100,
            "dry_run": false, "generate_coupons": true, "as_of": "2026-11-30T23:59:59Z",
            "as_of_day": "2026-11-30",
            "result": {
                "as_of": "2026-11-30T23:59:59Z", "dry_run": false, "generate_coupons": true,
                "customers": 12480,
                "before": {"standard": 8210, "silver": 2650, "gold": 1240, "vip": 380},
                "after": {"standard": 8034, "silver": 2712, "gold": 1318, "vip": 416},
                "promotions": 412, "demotions": 236, "held": 58, "coupons_issued": 398,
                "coupons_skipped": 14
            },
            "error": null, "created_at": "2026-12-01T02:00:00Z",
            "finished_at": "2026-12-01T02:03:17Z"
        }
    ],
    "total": 1, "page": 1, "per_page": 20
})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "customer_id": 1, "customer_number": "CLT0000001", "name": "Aya Kouassi",
    "kind": "PROMOTION", "from_level": "SILVER", "to_level": "GOLD", "score": 62,
    "criteria": {"frequency": 24, "regularity": 20, "recency": 10, "amount": 8},
    "coupon_code": "SPE-7KX3M-9QH4T"
})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [
        {
            "customer_id": 1, "customer_number": "CLT0000001", "name": "Aya Kouassi",
            "kind": "PROMOTION", "from_level": "SILVER", "to_level": "GOLD", "score": 62,
            "criteria": {"frequency": 24, "regularity": 20, "recency": 10, "amount": 8},
            "coupon_code": "SPE-7KX3M-9QH4T"
        }
    ],
    "total": 1, "page": 1, "per_page": 50
})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "level": "GOLD", "customers": 1318, "percent": "10.6", "revenue_3m": 98450000,
    "revenue_per_customer": 74696
})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "customer_id": 1, "customer_number": "CLT0000001", "name": "Aya Kouassi",
    "revenue_3m": 412500, "purchases_3m": 14
})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "at": "2026-12-07T11:00:00Z", "customers": 12480,
    "levels": [
        {
            "level": "STANDARD", "customers": 8034, "percent": "64.4", "revenue_3m": 120510000,
            "revenue_per_customer": 15000
        },
        {
            "level": "SILVER", "customers": 2712, "percent": "21.7", "revenue_3m": 97632000,
            "revenue_per_customer": 36000
        },
        {
            "level": "GOLD", "customers": 1318, "percent": "10.6", "revenue_3m": 98450000,
            "revenue_per_customer": 74696
        },
        {
            "level": "VIP", "customers": 416, "percent": "3.3", "revenue_3m": 62400000,
            "revenue_per_customer": 150000
        }
    ],
    "active_30d": 6864, "activity_rate": "55.0", "loyalty_rate": "35.6",
    "last_analysis": {
        "id": 9, "status": "SUCCEEDED", "total": 12480, "done": 12480, "progress": 100,
        "dry_run": false, "generate_coupons": true, "as_of": "2026-11-30T23:59:59Z",
        "as_of_day": "2026-11-30",
        "result": {
            "as_of": "2026-11-30T23:59:59Z", "dry_run": false, "generate_coupons": true,
            "customers": 12480,
            "before": {"standard": 8210, "silver": 2650, "gold": 1240, "vip": 380},
            "after": {"standard": 8034, "silver": 2712, "gold": 1318, "vip": 416},
            "promotions": 412, "demotions": 236, "held": 58, "coupons_issued": 398,
            "coupons_skipped": 14
        },
        "error": null, "created_at": "2026-12-01T02:00:00Z",
        "finished_at": "2026-12-01T02:03:17Z"
    },
    "top_vip": [
        {
            "customer_id": 1, "customer_number": "CLT0000001", "name": "Aya Kouassi",
            "revenue_3m": 412500, "purchases_3m": 14
        }
    ]
})))]
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
