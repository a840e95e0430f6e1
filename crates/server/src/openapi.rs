//! The OpenAPI document, assembled from the handlers' annotations of the routes that
//! [`crate::routes::documented`] registers. `crm openapi` prints it, the server serves it
//! at `/api/openapi.json`, and `openapi/openapi.json` is a committed copy that a test keeps
//! in step.

use std::sync::LazyLock;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// The whole API: [`ApiDoc`] with the paths of every documented route, each operation
/// completed with the refusals any request can meet ([`CommonAnswers`]).
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| {
        // The app is built only to collect the paths; it never serves.
        let (_, mut document) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(crate::routes::documented)
            .split_for_parts();
        CommonAnswers.modify(&mut document);
        StableOperationIds.modify(&mut document);
        document
    });
    &DOCUMENT
}

/// What the document says besides its paths; [`document`] adds the paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM Fidélité — API",
        description = "Supermarket CRM: customer identification at the till, loyalty, coupons, sales history and KPIs. Errors are `application/problem+json` with a stable `code`.",
        version = "1.0.0"
    ),
    components(schemas(crm_api_types::Problem, crm_api_types::FieldError, crm_api_types::WebhookPayload)),
    servers((url = "/", description = "The server that serves this document; every operation is under `/api/v1`, which stays compatible (additions only)")),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login, tokens, current user"),
        (name = "customers", description = "Identification at the till and customer records"),
        (name = "products", description = "The catalogue"),
        (name = "sales", description = "Checkout, receipts, refunds and the sales history"),
        (name = "coupons", description = "Coupons: quote at the till, back office, bulk issue"),
        (name = "jobs", description = "Background jobs: status and progress"),
        (name = "loyalty", description = "Loyalty: the analysis (scores, level moves, congratulation coupons), the policy and the stats page"),
        (name = "kpis", description = "KPI dashboard: figures for a period and a segment, exports"),
        (name = "users", description = "Staff accounts: list, creation with a temporary password, role, deactivation, default store, password reset (administrators; the director reads)"),
        (name = "stores", description = "Stores (time zone, address) and their tills (administrators; the director and the till read)"),
        (name = "audit", description = "The audit log: who changed what, when, before and after (administrators; the director reads)"),
        (name = "webhooks", description = "Webhooks: endpoints that receive signed events (`WebhookPayload`), their delivery log and redelivery (administrators)"),
        (name = "ops", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Operation ids that code generators can use as method names: `{tag}_{handler}`
/// (`coupons_list`, `sales_create`), unique across the document (a test holds it) and
/// stable as long as the handler keeps its name. utoipa's default, the handler's bare
/// name, repeats `list`, `create`, `get`… once per tag.
struct StableOperationIds;

impl Modify for StableOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let tag = operation
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.first())
                    .cloned();
                if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                    if !id.starts_with(&format!("{tag}_")) {
                        *id = format!("{tag}_{id}");
                    }
                }
            }
        }
    }
}

/// The media type of every error body ([`crate::error::ApiError`]).
const PROBLEM_JSON: &str = "application/problem+json";

/// The refusals any operation can answer besides its own, added to every operation so
/// that clients (and the contract fuzzing in `tests/tests/contract.rs`) find each status
/// the server really sends documented: the bearer check (`auth::caller`), the body, path
/// and query extractors (`routes::configure`). Error bodies are problem+json, whatever
/// media type a handler's annotation gave them.
struct CommonAnswers;

impl CommonAnswers {
    /// `(status, description)` of the refusals `operation` can give before its handler runs.
    fn of(operation: &Operation) -> Vec<(&'static str, &'static str)> {
        let mut answers = Vec::new();
        if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
            answers.push((
                "401",
                "`auth.missing_token`, `auth.invalid_token`, `auth.token_expired`",
            ));
            answers.push((
                "403",
                "`auth.forbidden`: the role or scopes do not allow it",
            ));
        }
        let parameters = operation.parameters.as_deref().unwrap_or_default();
        let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
        if has(ParameterIn::Path) {
            answers.push(("404", "`resource.not_found` and the operation's own codes"));
        }
        if has(ParameterIn::Query) {
            answers.push(("400", "`request.invalid_query`"));
            answers.push(("422", "a query value out of its range (`…_invalid` codes)"));
        }
        if operation.request_body.is_some() {
            answers.push(("400", "`request.malformed_json`, `request.unreadable`"));
            answers.push(("413", "`request.too_large`"));
            answers.push(("415", "`request.unsupported_media_type`"));
            answers.push((
                "422",
                "`request.invalid_body` and the operation's own codes",
            ));
        }
        answers
    }
}

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                for (status, description) in CommonAnswers::of(operation) {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::T(problem(description)));
                }
                for (status, response) in &mut operation.responses.responses {
                    if let (true, RefOr::T(response)) = (is_error(status), response) {
                        if let Some(content) = response.content.shift_remove("application/json") {
                            response.content.insert(PROBLEM_JSON.to_owned(), content);
                        }
                    }
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

/// A problem+json answer.
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The spec as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn to_json() -> Result<String, serde_json::Error> {
    let mut text = document().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
