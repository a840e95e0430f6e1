//! The audit log (`GET /audit`): who changed what, when, with the state before and after.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The staff member who did it, if it was one.
    pub actor_user_id: Option<i64>,
    /// Their username.
    pub actor_username: Option<String>,
    /// The service account that did it, if it was one.
    pub actor_client_id: Option<String>,
    /// What was done (`customer.update`, `coupon.create`…).
    pub action: String,
    /// The kind of thing it was done to (`customer`, `coupon`…).
    pub entity: String,
    /// Which one.
    pub entity_id: Option<String>,
    /// Its state before (a JSON object), when the action records one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    /// Its state after.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
}

/// `GET /audit`: a page of entries, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    /// Entries of this page.
    pub items: Vec<AuditEntry>,
    /// Entries in all that pass the filters.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}
