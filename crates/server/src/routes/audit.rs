//! `/audit`: the audit log that every back-office write fills, read by administrators and
//! the director.

use super::paging::{self, Paging};
use crate::auth::Caller;
use crate::error::{unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::NaiveDate;
use crm_api_types::{AuditEntry, AuditPage};
use crm_domain::codes;
use crm_domain::period::start_of_day;
use crm_domain::Capability;
use crm_store::audit::AuditFilter;
use serde::Deserialize;
use utoipa::IntoParams;

/// Filters and paging of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Who: a staff member's username (`marketing`) or a service account's client id.
    pub actor: Option<String>,
    /// The action, exactly (`customer.update`, `coupon.create`…).
    pub action: Option<String>,
    /// The kind of thing changed (`customer`, `coupon`, `user`…).
    pub entity: Option<String>,
    /// Its id (with `entity`).
    pub entity_id: Option<String>,
    /// From this day (store-local, `YYYY-MM-DD`).
    pub from: Option<NaiveDate>,
    /// To this day, inclusive.
    pub to: Option<NaiveDate>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// A stored state read back as JSON. States are written by `audit::record` as JSON; one
/// that does not parse is shown as the text it is rather than failing the page.
fn state_of(text: Option<&str>) -> Option<serde_json::Value> {
    let text = text?;
    Some(serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned())))
}

/// The audit log, newest first, filtered by actor, action, entity and period; each entry
/// with the state before and after (JSON objects) when its action records them.
#[utoipa::path(tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage, example = json!({"items": [{"id": 42,
        "at": "2026-12-01T09:30:00Z", "actor_user_id": 2, "actor_username": "marketing",
        "actor_client_id": null, "action": "customer.update", "entity": "customer", "entity_id": "17",
        "before": {"city": "Abidjan", "sms_consent": false}, "after": {"city": "Bouaké", "sms_consent": true}}],
        "total": 1, "page": 1, "per_page": 50})),
              (status = 422, description = "`period.invalid` (`from` after `to`)", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    caller.require(Capability::AdminRead)?;
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(unprocessable(
                codes::PERIOD_INVALID,
                "La date de début est après la date de fin.",
            ));
        }
    }
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let tz = state.calendar.time_zone(&state.db, None).await?;
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let filter = AuditFilter {
        actor: nonempty(&query.actor),
        action: nonempty(&query.action),
        entity: nonempty(&query.entity),
        entity_id: nonempty(&query.entity_id),
        from: query.from.map(|d| start_of_day(d, tz)),
        until: query
            .to
            .map(|d| start_of_day(d.succ_opt().unwrap_or(d), tz)),
    };
    let (entries, total) = crm_store::audit::list(&state.db, &filter, page, per_page).await?;
    Ok(web::Json(AuditPage {
        items: entries
            .into_iter()
            .map(|(e, username)| AuditEntry {
                id: e.id,
                at: e.at,
                actor_user_id: e.actor_user_id,
                actor_username: username,
                actor_client_id: e.actor_client_id,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                before: state_of(e.before.as_deref()),
                after: state_of(e.after.as_deref()),
            })
            .collect(),
        total,
        page,
        per_page,
    }))
}
