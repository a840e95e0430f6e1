//! Every route, registered in one place ([`documented`]) for both the router and the
//! OpenAPI document. Each handler authorises with [`Caller`] before touching data (except
//! login, refresh, health and docs).
//!
//! [`Caller`]: crate::auth::Caller

pub mod audit;
pub mod auth;
pub mod coupons;
pub mod customers;
pub mod health;
pub mod jobs;
pub mod kpis;
pub mod loyalty;
pub mod paging;
pub mod products;
pub mod sales;
mod spa;
pub mod stores;
pub mod users;
pub mod webhooks;

use crate::error::{unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::web;
use crm_domain::codes;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig as DocumentedRoutes;
use utoipa_swagger_ui::SwaggerUi;

/// Registers the API, the docs, health probes and the SPA.
pub fn configure(cfg: &mut web::ServiceConfig, state: &web::Data<AppState>) {
    let limit = state.settings.max_body_bytes;
    cfg.app_data(
        web::JsonConfig::default()
            .limit(limit)
            .error_handler(|err, _req| json_error(err).into()),
    )
    .app_data(web::PayloadConfig::default().limit(limit))
    .app_data(web::PathConfig::default().error_handler(|err, _req| path_error(err).into()))
    .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()));
    // The paths collected here are dropped: `openapi::document` collects them again from
    // the same function.
    documented(&mut DocumentedRoutes::new(cfg));
    cfg.service(web::resource("/api/openapi.json").route(web::get().to(openapi_json)))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .url("/api/docs/openapi.json", crate::openapi::document().clone()),
        )
        .service(web::resource("/api/docs").route(web::get().to(docs_redirect)))
        .service(web::scope("/api").default_service(web::to(api_not_found)));
    spa::configure(cfg, &state.settings.spa_dir);
}

/// Every route the OpenAPI document describes, listed once: the router serves them
/// ([`configure`]) and [`crate::openapi::document`] describes them, both by calling this
/// function. utoipa-actix-web only takes handlers annotated with `#[utoipa::path]`, whose
/// path and method come from their actix attribute (`#[get("/customers/{id}")]`) under the
/// scope's prefix. Order matters where paths overlap: `/sales/mine` before `/sales/{id}`.
pub fn documented(routes: &mut DocumentedRoutes) {
    routes
        .service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .configure(api_v1)
                .default_service(web::to(api_not_found)),
        );
}

/// The versioned API, grouped by tag.
fn api_v1(routes: &mut DocumentedRoutes) {
    routes
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::service_token)
        .service(auth::change_password)
        .service(auth::me)
        .service(users::update)
        .service(users::reset_password)
        // Administration (issue 13): staff accounts, stores and tills, the price list.
        .service(users::list)
        .service(users::create)
        .service(stores::list)
        .service(stores::create)
        .service(stores::update)
        .service(stores::create_till)
        .service(stores::update_till)
        .service(products::price_list)
        .service(customers::identify)
        .service(customers::create)
        .service(customers::search)
        .service(customers::export_list)
        .service(customers::export)
        .service(customers::erase)
        .service(customers::history)
        .service(customers::points)
        .service(customers::purchases)
        .service(customers::get)
        .service(customers::update)
        .service(products::search)
        .service(products::create)
        .service(products::update)
        .service(sales::mine)
        .service(sales::sellers)
        .service(sales::list)
        .service(sales::create)
        .service(sales::by_key)
        .service(sales::get)
        .service(sales::refund)
        .service(sales::cancel)
        .service(coupons::quote)
        .service(coupons::export)
        .service(coupons::bulk_issue)
        .service(coupons::list)
        .service(coupons::create)
        .service(coupons::get)
        .service(coupons::deactivate)
        .service(coupons::redemptions)
        .service(jobs::get)
        .service(loyalty::analyses::start)
        .service(loyalty::analyses::list)
        .service(loyalty::analyses::export)
        .service(loyalty::analyses::moves)
        .service(loyalty::analyses::get)
        .service(loyalty::policy::get)
        .service(loyalty::policy::put)
        .service(loyalty::stats::get)
        .service(kpis::dashboard)
        .service(kpis::export)
        .service(audit::list)
        // Webhooks (issue 16): endpoints, their delivery log, redelivery.
        .service(webhooks::list)
        .service(webhooks::create)
        .service(webhooks::remove)
        .service(webhooks::deliveries)
        .service(webhooks::redeliver);
}

/// Routes served but not described in the OpenAPI document: the document and its viewer.
pub const UNDOCUMENTED_ROUTES: [&str; 3] = ["/api/openapi.json", "/api/docs", "/api/docs/{_:.*}"];

/// Every route pattern of the API as actix reports it for a request
/// (`/api/v1/customers/{id}`): the metrics label requests with these and nothing else.
pub fn patterns() -> impl Iterator<Item = String> {
    crate::openapi::document()
        .paths
        .paths
        .keys()
        .cloned()
        .chain(UNDOCUMENTED_ROUTES.map(str::to_owned))
}

async fn openapi_json() -> web::Json<&'static utoipa::openapi::OpenApi> {
    web::Json(crate::openapi::document())
}

async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Found()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}

async fn api_not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(
        codes::ROUTE_NOT_FOUND,
        "Cette adresse de l'API n'existe pas.",
    ))
}

/// Malformed JSON → 400, wrong shape → 422, too large → 413, wrong type → 415.
fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::REQUEST_TOO_LARGE,
                "Requête trop volumineuse.",
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::REQUEST_UNSUPPORTED_MEDIA_TYPE,
            "Le corps doit être du JSON (Content-Type: application/json).",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => unprocessable(
            codes::REQUEST_INVALID_BODY,
            format!("Corps de requête invalide : {}", french_serde(&e)),
        ),
        JsonPayloadError::Deserialize(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_MALFORMED_JSON,
            "Corps de requête illisible : JSON mal formé.",
        ),
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::REQUEST_TOO_LARGE,
            "Requête trop volumineuse.",
        ),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_UNREADABLE,
            "Corps de requête illisible.",
        ),
    }
}

/// serde's message names the field and the expected type; it never echoes values of
/// string fields, so no phone can leak through it.
fn french_serde(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line").next().unwrap_or(&msg);
    if let Some(field) = msg.strip_prefix("missing field ") {
        format!("champ obligatoire manquant {field}")
    } else if msg.starts_with("invalid type") {
        format!("type de valeur incorrect ({msg})")
    } else if let Some(field) = msg.strip_prefix("unknown field ") {
        format!("champ inconnu {}", field.split(',').next().unwrap_or(field))
    } else {
        msg.to_owned()
    }
}

fn path_error(_err: PathError) -> ApiError {
    ApiError::not_found(
        codes::RESOURCE_NOT_FOUND,
        "Identifiant invalide dans l'adresse.",
    )
}

fn query_error(err: QueryPayloadError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::REQUEST_INVALID_QUERY,
        format!("Paramètres d'adresse invalides : {err}"),
    )
}
