//! `/loyalty/policy`: the figures of the loyalty programme (points per criterion, level
//! thresholds, discounts, congratulation coupons, soft landing). Read by whoever reads
//! loyalty results, changed by administrators; the tills apply it through
//! [`crate::loyalty_policy`].

use crate::auth::Caller;
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::{get, put, web};
use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::Capability;

/// The loyalty policy in force (the SPEC's figures until an administrator changes them).
#[utoipa::path(tag = "loyalty", operation_id = "get_policy", security(("bearer" = [])),
    responses((status = 200, body = LoyaltyPolicy),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/loyalty/policy")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<LoyaltyPolicy>, ApiError> {
    caller.require(Capability::LoyaltyRead)?;
    Ok(web::Json(
        crm_store::settings::loyalty_policy(&state.db).await?,
    ))
}

/// Replaces the loyalty policy (the whole of it). It applies at once on this server
/// (identify, quote, sale) and within 30 s on the others; levels change only at the next
/// analysis. The change is in the audit log with the policy before and after.
#[utoipa::path(tag = "loyalty", operation_id = "put_policy", security(("bearer" = [])),
    request_body = LoyaltyPolicy,
    responses((status = 200, body = LoyaltyPolicy),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem),
              (status = 422, description = "`loyalty.policy_invalid` (the field in `errors`), `request.invalid_body`", body = crm_api_types::Problem)))]
#[put("/loyalty/policy")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<LoyaltyPolicy>,
) -> Result<web::Json<LoyaltyPolicy>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let policy = body.into_inner();
    policy.validate()?;
    crm_store::settings::save_loyalty_policy(&state.db, &policy, &caller.actor()).await?;
    state.loyalty_policy.keep(policy).await;
    Ok(web::Json(policy))
}
