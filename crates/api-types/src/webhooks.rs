//! Webhooks (`/webhooks`): the endpoints an administrator registers for integrators, the
//! log of their deliveries, and the body each delivery POSTs (see `docs/api.md`,
//! « Webhooks »).

use chrono::{DateTime, Utc};
pub use crm_domain::webhook::{DeliveryStatus, EventType};
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /webhooks`: where to send which events.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "url": "https://erp.example.ci/hooks/crm",
    "events": ["sale.completed", "sale.refunded"]
})))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// An absolute `http://` or `https://` address, at most 2 000 characters.
    pub url: String,
    /// The event types to receive: one or more, each once (an unknown one is refused
    /// with `webhook.event_unknown`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<EventType>))]
    pub events: Vec<String>,
}

/// A registered endpoint (its secret is shown only when it is created).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1, "url": "https://erp.example.ci/hooks/crm",
    "events": ["sale.completed", "sale.refunded"], "active": true,
    "created_at": "2026-03-02T08:15:00Z"
})))]
pub struct WebhookEndpoint {
    /// Id.
    pub id: i64,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<EventType>,
    /// Receives events (always `true` in lists: a deleted endpoint is not listed).
    pub active: bool,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// `POST /webhooks` → 201: the endpoint and the secret of its signatures, shown this
/// once — keep it where the receiver can read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "endpoint": {"id": 1, "url": "https://erp.example.ci/hooks/crm",
                 "events": ["sale.completed"], "active": true,
                 "created_at": "2026-03-02T08:15:00Z"},
    "secret": "whsec_3q2+7w1kQ0x9yY8pE5mB4nL6tR2vZ1aC"
})))]
pub struct CreatedWebhook {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The HMAC-SHA256 key of `X-CRM-Signature`.
    pub secret: String,
}

/// `GET /webhooks`: every endpoint not deleted, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [{"id": 1, "url": "https://erp.example.ci/hooks/crm",
               "events": ["sale.completed"], "active": true,
               "created_at": "2026-03-02T08:15:00Z"}]
})))]
pub struct WebhookList {
    /// The endpoints.
    pub items: Vec<WebhookEndpoint>,
}

/// One event sent (or to send) to one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 42, "endpoint_id": 1, "event_id": "0b6f3c9e-5d7a-4e8b-9a51-2f4c7d1e8a90",
    "event_type": "sale.completed", "status": "DELIVERED", "attempts": 2,
    "next_attempt_at": null, "last_status_code": 200, "last_error": null,
    "last_attempt_at": "2026-03-02T08:15:11Z", "delivered_at": "2026-03-02T08:15:11Z",
    "created_at": "2026-03-02T08:15:00Z"
})))]
pub struct WebhookDelivery {
    /// Id (what `POST /webhooks/deliveries/{id}/redeliver` takes).
    pub id: i64,
    /// The endpoint.
    pub endpoint_id: i64,
    /// The event's id, sent as `id` and `X-CRM-Event-Id`: the same on every attempt.
    pub event_id: String,
    /// The event's type.
    pub event_type: EventType,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last answer, if the receiver answered.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event was queued for this endpoint.
    pub created_at: DateTime<Utc>,
}

/// `GET /webhooks/{id}/deliveries`: a page of the log, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [{"id": 42, "endpoint_id": 1, "event_id": "0b6f3c9e-5d7a-4e8b-9a51-2f4c7d1e8a90",
               "event_type": "sale.completed", "status": "PENDING", "attempts": 1,
               "next_attempt_at": "2026-03-02T08:15:40Z", "last_status_code": 503,
               "last_error": "HTTP 503", "last_attempt_at": "2026-03-02T08:15:10Z",
               "delivered_at": null, "created_at": "2026-03-02T08:15:00Z"}],
    "total": 1, "page": 1, "per_page": 50
})))]
pub struct WebhookDeliveryPage {
    /// Deliveries, newest first.
    pub items: Vec<WebhookDelivery>,
    /// Deliveries of this endpoint.
    pub total: u64,
    /// Page from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// The JSON body every delivery POSTs, signed in `X-CRM-Signature`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": "0b6f3c9e-5d7a-4e8b-9a51-2f4c7d1e8a90", "type": "sale.completed",
    "created_at": "2026-03-02T08:15:00Z",
    "data": {"sale_id": 1201, "ticket_number": "ABJ01-20260302-0042", "store_id": 1,
             "till_id": 1, "cashier_id": 4, "customer_id": 77, "business_date": "2026-03-02",
             "created_at": "2026-03-02T08:15:00Z", "subtotal": 12500, "loyalty_discount": 625,
             "coupon_discount": 0, "total": 11875, "vat_total": 1811, "points_earned": 11,
             "currency": "XOF"}
})))]
pub struct WebhookPayload {
    /// The event's id: the same on every attempt and redelivery; deduplicate on it.
    pub id: String,
    /// The event's type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When the change happened.
    pub created_at: DateTime<Utc>,
    /// What changed: ids and amounts (FCFA, whole francs), never a phone number.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}
