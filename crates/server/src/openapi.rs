//! The OpenAPI document, assembled from the handlers' annotations. `crm openapi` prints
//! it, the server serves it at `/api/openapi.json`, and `openapi/openapi.json` is a
//! committed copy that a test keeps in step.

use crate::routes::{auth, coupons, customers, health, products, sales, users};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM Fidélité — API",
        description = "Supermarket CRM: customer identification at the till, loyalty, coupons, sales history and KPIs. Errors are `application/problem+json` with a stable `code`.",
        version = "1.0.0"
    ),
    paths(
        health::healthz, health::readyz, health::metrics,
        auth::login, auth::refresh, auth::logout, auth::service_token, auth::change_password, auth::me,
        users::update, users::reset_password,
        customers::identify, customers::create, customers::search, customers::get,
        customers::update, customers::export, customers::erase,
        products::search, products::create, products::update,
        sales::create, sales::by_key, sales::get, sales::refund, sales::cancel, sales::mine, sales::list,
        coupons::quote, coupons::list, coupons::create, coupons::export, coupons::get,
        coupons::deactivate, coupons::redemptions, coupons::bulk_issue, coupons::get_job,
    ),
    components(schemas(crm_api_types::Problem, crm_api_types::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login, tokens, current user"),
        (name = "customers", description = "Identification at the till and customer records"),
        (name = "products", description = "The catalogue"),
        (name = "sales", description = "Checkout, receipts, refunds and the sales history"),
        (name = "coupons", description = "Coupons: quote at the till, back office, bulk issue and jobs"),
        (name = "users", description = "Staff accounts: role, deactivation, password reset (administrators)"),
        (name = "ops", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

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

/// The spec as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn to_json() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    text.push('\n');
    text
}
