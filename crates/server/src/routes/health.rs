//! Probes for orchestrators and the metrics scrape (no authentication).

use crate::startup::AppState;
use actix_web::{get, web, HttpResponse};
use crm_api_types::Health;

fn health(status: &str) -> Health {
    Health {
        status: status.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// Liveness: the process answers.
#[utoipa::path(tag = "ops", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(health("ok"))
}

/// Readiness: the database answers.
#[utoipa::path(tag = "ops", responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if crm_store::ping(&state.db).await {
        HttpResponse::Ok().json(health("ok"))
    } else {
        HttpResponse::ServiceUnavailable().json(health("unavailable"))
    }
}

/// Prometheus metrics.
#[utoipa::path(tag = "ops", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
