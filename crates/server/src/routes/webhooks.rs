//! `/webhooks/*`: the endpoints integrators receive events at (administrators only).
//! An endpoint is registered with its address and event types and gets a signing secret
//! shown once; its delivery log shows every attempt, and a delivery can be sent again.
//! The worker that sends them is `crate::webhooks`; `docs/api.md` tells receivers how
//! to check a signature.

use super::paging::{self, Paging};
use crate::error::{unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::Utc;
use crm_api_types::{
    CreateWebhookRequest, CreatedWebhook, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint,
    WebhookList,
};
use crm_domain::codes;
use crm_domain::webhook::{DeliveryStatus, EventType};
use crm_domain::Capability;
use crm_store::webhooks;
use rand::RngCore;
use serde::Deserialize;
use utoipa::IntoParams;

/// Longest address accepted.
const MAX_URL_CHARS: usize = 2000;

fn webhook_not_found() -> ApiError {
    ApiError::not_found(codes::WEBHOOK_NOT_FOUND, "Webhook introuvable.")
}

fn delivery_not_found() -> ApiError {
    ApiError::not_found(
        codes::WEBHOOK_DELIVERY_NOT_FOUND,
        "Envoi de webhook introuvable.",
    )
}

fn endpoint_view(endpoint: &webhooks::Endpoint) -> Result<WebhookEndpoint, ApiError> {
    Ok(WebhookEndpoint {
        id: endpoint.id,
        url: endpoint.url.clone(),
        events: webhooks::events_of(endpoint)?,
        active: endpoint.active,
        created_at: endpoint.created_at,
    })
}

fn delivery_view(
    (delivery, event): &webhooks::DeliveryWithEvent,
) -> Result<WebhookDelivery, ApiError> {
    let status = webhooks::status_of(delivery)?;
    let event_type: EventType = event.kind.parse().map_err(ApiError::internal)?;
    Ok(WebhookDelivery {
        id: delivery.id,
        endpoint_id: delivery.endpoint_id,
        event_id: event.event_id.clone(),
        event_type,
        status,
        attempts: delivery.attempts,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(delivery.next_attempt_at),
        last_status_code: delivery.last_status_code,
        last_error: delivery.last_error.clone(),
        last_attempt_at: delivery.last_attempt_at,
        delivered_at: delivery.delivered_at,
        created_at: delivery.created_at,
    })
}

/// The address if it is an absolute `http://` or `https://` URL with a host.
fn valid_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.chars().count() > MAX_URL_CHARS {
        return None;
    }
    let parsed = reqwest::Url::parse(url).ok()?;
    let web = matches!(parsed.scheme(), "http" | "https");
    let host = parsed.host_str().is_some_and(|h| !h.is_empty());
    (web && host).then(|| parsed.to_string())
}

/// The event types asked for, each once, in the order of [`EventType::ALL`].
fn valid_events(names: &[String]) -> Result<Vec<EventType>, ApiError> {
    if names.is_empty() {
        return Err(unprocessable(
            codes::WEBHOOK_EVENT_UNKNOWN,
            "Choisissez au moins un événement.",
        ));
    }
    let mut events = Vec::with_capacity(names.len());
    for name in names {
        let event: EventType = name.parse().map_err(|_| {
            unprocessable(
                codes::WEBHOOK_EVENT_UNKNOWN,
                format!(
                    "Événement inconnu « {} » ; les événements sont : {}.",
                    name.chars().take(60).collect::<String>(),
                    EventType::ALL.map(EventType::as_str).join(", ")
                ),
            )
        })?;
        events.push(event);
    }
    events.sort();
    events.dedup();
    Ok(events)
}

/// A new signing secret: 32 random bytes, hex.
fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    format!("whsec_{hex}")
}

/// Registers an endpoint. Its signing secret is answered once, here: keep it.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses((status = 201, body = CreatedWebhook),
              (status = 422, description = "`webhook.url_invalid`: not an absolute http(s) address; `webhook.event_unknown`: no event or an unknown one", body = crm_api_types::Problem)))]
#[post("/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
    body: web::Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let url = valid_url(&body.url).ok_or_else(|| {
        unprocessable(
            codes::WEBHOOK_URL_INVALID,
            "Adresse refusée : une URL complète en http:// ou https:// est attendue.",
        )
    })?;
    let events = valid_events(&body.events)?;
    let secret = new_secret();
    // Kept encrypted (CRM_PHONE_KEY): a copy of the database signs nothing.
    let sealed = state.vault.seal_text(&secret);
    let created =
        webhooks::create_endpoint(&state.db, &url, &events, &sealed, &caller.actor()).await?;
    Ok(HttpResponse::Created().json(CreatedWebhook {
        endpoint: endpoint_view(&created)?,
        secret,
    }))
}

/// Lists the endpoints (deleted ones are not listed), oldest first, without secrets.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookList)))]
#[get("/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
) -> Result<web::Json<WebhookList>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let rows = webhooks::endpoints(&state.db).await?;
    Ok(web::Json(WebhookList {
        items: rows.iter().map(endpoint_view).collect::<Result<_, _>>()?,
    }))
}

/// Deletes an endpoint: it receives nothing more and its pending deliveries are given
/// up; its delivery log is kept.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"),
              (status = 404, description = "`webhook.not_found`", body = crm_api_types::Problem)))]
#[delete("/webhooks/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    if !webhooks::delete_endpoint(&state.db, id.into_inner(), &caller.actor()).await? {
        return Err(webhook_not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Page of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryQuery {
    /// Page from 1 (default 1).
    pub page: Option<u64>,
    /// Page size 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// The delivery log of an endpoint, newest first: status, attempts, last answer.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), DeliveryQuery),
    responses((status = 200, body = WebhookDeliveryPage),
              (status = 404, description = "`webhook.not_found`", body = crm_api_types::Problem)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
    id: web::Path<i64>,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let id = id.into_inner();
    webhooks::find_endpoint(&state.db, id)
        .await?
        .ok_or_else(webhook_not_found)?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let (rows, total) = webhooks::deliveries(&state.db, id, page, per_page).await?;
    Ok(web::Json(WebhookDeliveryPage {
        items: rows.iter().map(delivery_view).collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    }))
}

/// Sends a delivery again (whatever its status): due at once, retried for another 24
/// hours, with the same event id.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 202, body = WebhookDelivery, description = "Queued: the worker sends it within seconds"),
              (status = 404, description = "`webhook.delivery_not_found`", body = crm_api_types::Problem)))]
#[post("/webhooks/deliveries/{id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let window = chrono::Duration::seconds(
        i64::try_from(state.settings.webhooks.retry_window_secs).unwrap_or(86_400),
    );
    let queued = webhooks::redeliver(
        &state.db,
        id.into_inner(),
        Utc::now() + window,
        &caller.actor(),
    )
    .await?
    .ok_or_else(delivery_not_found)?;
    Ok(HttpResponse::Accepted().json(delivery_view(&queued)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_web_addresses_pass() {
        assert!(valid_url("https://erp.example.ci/hooks").is_some());
        assert!(valid_url("http://127.0.0.1:9000/x").is_some());
        for bad in [
            "",
            "ftp://x.ci/",
            "erp.example.ci/hooks",
            "https://",
            "javascript:alert(1)",
        ] {
            assert!(valid_url(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn events_are_known_deduplicated_and_ordered() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            valid_events(&names(&[
                "sale.refunded",
                "sale.completed",
                "sale.completed"
            ]))
            .ok(),
            Some(vec![EventType::SaleCompleted, EventType::SaleRefunded])
        );
        assert!(valid_events(&names(&[])).is_err());
        assert!(valid_events(&names(&["sale.deleted"])).is_err());
    }
}
