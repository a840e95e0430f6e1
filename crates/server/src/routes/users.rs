//! `/users/*`: what an administrator does to a staff account that must take effect at
//! once — change its role, stop it, reset its password. Each change ends the account's
//! current access tokens on the next request (see `auth::access`).

use crate::accounts;
use crate::auth::{password, Caller};
use crate::error::ApiError;
use crate::routes::auth::{hashing, user_info};
use crate::startup::AppState;
use actix_web::{patch, post, web};
use crm_api_types::{PasswordResetResponse, StaffAccount, UpdateUserRequest};
use crm_domain::codes;
use crm_domain::{Capability, Role};
use crm_store::users;

fn user_not_found() -> ApiError {
    ApiError::not_found(codes::USER_NOT_FOUND, "Utilisateur introuvable.")
}

fn staff_account(user: &users::User) -> Result<StaffAccount, ApiError> {
    Ok(StaffAccount {
        user: user_info(user)?,
        active: user.active,
    })
}

/// Changes a staff account's role or stops it (or lets it sign in again). The account's
/// current access tokens stop working at once; a stopped account's sessions end.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses((status = 200, body = StaffAccount),
              (status = 404, description = "`user.not_found`", body = crm_api_types::Problem),
              (status = 409, description = "`user.self_lockout`: an administrator cannot stop or demote themselves", body = crm_api_types::Problem)))]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateUserRequest>,
) -> Result<web::Json<StaffAccount>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let id = id.into_inner();
    let UpdateUserRequest { role, active } = body.into_inner();
    if caller.0.uid == Some(id) && (active == Some(false) || role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::conflict(
            codes::USER_SELF_LOCKOUT,
            "Vous ne pouvez pas désactiver votre propre compte ni retirer votre rôle d'administrateur.",
        ));
    }
    let user = users::set_role_and_active(&state.db, id, role, active, &caller.actor())
        .await?
        .ok_or_else(user_not_found)?;
    state.access.forget_account(id);
    Ok(web::Json(staff_account(&user)?))
}

/// Resets a staff account's password: a temporary password is returned once, the
/// account must change it at its next login, and its current sessions end.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = PasswordResetResponse),
              (status = 404, description = "`user.not_found`", body = crm_api_types::Problem)))]
#[post("/users/{id}/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<PasswordResetResponse>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let id = id.into_inner();
    users::find(&state.db, id)
        .await?
        .ok_or_else(user_not_found)?;
    let temporary_password = accounts::temporary_password();
    let clear = temporary_password.clone();
    let hash = hashing(&state, move || password::hash(&clear)).await?;
    let found = users::set_password(
        &state.db,
        id,
        hash,
        true,
        (&caller.actor(), "user.password_reset"),
    )
    .await?;
    if !found {
        return Err(user_not_found());
    }
    state.access.forget_account(id);
    let user = users::find(&state.db, id)
        .await?
        .ok_or_else(user_not_found)?;
    Ok(web::Json(PasswordResetResponse {
        user: user_info(&user)?,
        temporary_password,
    }))
}
