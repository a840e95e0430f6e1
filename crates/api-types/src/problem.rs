//! Errors as RFC 9457 problem details, with a stable `code` the SPA translates.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Every error body (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Problem {
    /// URI naming the kind of problem (`urn:crm:problem:phone.invalid`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Stable machine-readable code (`phone.invalid`, `auth.invalid_credentials`).
    pub code: String,
    /// Human-readable explanation, in French.
    pub detail: String,
    /// Field-level problems, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldError {
    /// JSON field name.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// Explanation in French.
    pub message: String,
}

/// `/healthz` and `/readyz`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"status": "ok", "version": "0.1.0"})))]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    /// Version of the server.
    pub version: String,
}
