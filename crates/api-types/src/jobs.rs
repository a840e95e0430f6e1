//! Background jobs (a bulk issue, later the loyalty analysis): what `GET /jobs/{id}`
//! answers, and the 202 of the route that starts one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A background job and its progress (`GET /jobs/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 12, "kind": "BULK_COUPONS", "status": "SUCCEEDED", "total": 9913, "done": 9913,
    "progress": 100, "result": {"issued": 9876, "skipped": 37}, "error": null,
    "created_at": "2026-12-07T08:30:00Z", "finished_at": "2026-12-07T08:31:42Z"
})))]
pub struct Job {
    /// Id.
    pub id: i64,
    /// What it does.
    pub kind: crm_domain::job::JobKind,
    /// Where it is.
    pub status: crm_domain::job::JobStatus,
    /// Steps to do (customers to serve…), once known.
    pub total: i64,
    /// Steps done.
    pub done: i64,
    /// 0–100.
    pub progress: u8,
    /// Outcome, when succeeded (e.g. a bulk issue's `{"issued": 9876, "skipped": 37}`: coupons
    /// issued, customers skipped because they already held an unused one).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    /// Why it failed, in French.
    pub error: Option<String>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
}
