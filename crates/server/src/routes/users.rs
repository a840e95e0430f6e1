//! `/users/*`: the staff accounts. An administrator lists them (the director reads the
//! list), creates one with a temporary password shown once, and changes what must take
//! effect at once — its role, stopping it, a password reset. Each of those ends the
//! account's current access tokens on the next request (see `auth::access`); a new
//! default store does not (it decides no right). `crm user` runs the same store functions.

use super::paging::{self, Paging};
use crate::accounts;
use crate::auth::{password, Caller};
use crate::error::ApiError;
use crate::error::{field_error, on_conflict};
use crate::routes::auth::{hashing, user_info};
use crate::startup::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use crm_api_types::{
    CreateUserRequest, CreatedUser, PasswordResetResponse, StaffAccount, StaffPage,
    UpdateUserRequest,
};
use crm_domain::codes;
use crm_domain::{Capability, Role};
use crm_store::users;
use serde::Deserialize;
use utoipa::IntoParams;

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
              (status = 409, description = "`user.self_lockout`: an administrator cannot stop or demote themselves", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`: an unknown default store", body = crm_api_types::Problem)))]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateUserRequest>,
) -> Result<web::Json<StaffAccount>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let id = id.into_inner();
    let UpdateUserRequest {
        role,
        active,
        store_id,
    } = body.into_inner();
    if caller.0.uid == Some(id) && (active == Some(false) || role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::conflict(
            codes::USER_SELF_LOCKOUT,
            "Vous ne pouvez pas désactiver votre propre compte ni retirer votre rôle d'administrateur.",
        ));
    }
    if let Some(Some(store_id)) = store_id {
        existing_store(&state, store_id).await?;
    }
    let actor = caller.actor();
    let mut user = users::set_role_and_active(&state.db, id, role, active, &actor)
        .await?
        .ok_or_else(user_not_found)?;
    state.access.forget_account(id);
    if let Some(store_id) = store_id {
        user = users::set_store(&state.db, id, store_id, &actor)
            .await?
            .ok_or_else(user_not_found)?;
    }
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

/// Filters and page of `GET /users`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UserQuery {
    /// One role only.
    pub role: Option<Role>,
    /// `true`: active accounts only; `false`: stopped ones only.
    pub active: Option<bool>,
    /// Page from 1 (default 1).
    pub page: Option<u64>,
    /// Page size 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// Lists the staff accounts by login (administrators; the director reads).
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, body = StaffPage)))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserQuery>,
) -> Result<web::Json<StaffPage>, ApiError> {
    caller.require(Capability::AdminRead)?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let filter = users::UserFilter {
        role: query.role,
        active: query.active,
    };
    let (rows, total) = users::list(&state.db, filter, page, per_page).await?;
    Ok(web::Json(StaffPage {
        items: rows.iter().map(staff_account).collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    }))
}

/// Whether a login is acceptable for a new account: 2–64 characters among lower-case
/// letters, digits, `.`, `-` and `_` (what people type on a till keyboard).
fn valid_username(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
}

/// 422 unless the store exists.
async fn existing_store(state: &AppState, store_id: i64) -> Result<(), ApiError> {
    if crm_store::stores::find(&state.db, store_id)
        .await?
        .is_none()
    {
        return Err(ApiError::validation(vec![field_error(
            "store_id",
            codes::field::INVALID,
            "Magasin inconnu.",
        )]));
    }
    Ok(())
}

/// Creates a staff account. Its password is generated and answered once: the person
/// signs in with it and must choose their own before anything else.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUser),
              (status = 409, description = "`user.duplicate`: the login is taken", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`: a bad login or name, an unknown store", body = crm_api_types::Problem)))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let username = body.username.trim().to_owned();
    let display_name = body.display_name.trim().to_owned();
    let mut errors = Vec::new();
    if !valid_username(&username) {
        errors.push(field_error(
            "username",
            codes::field::INVALID,
            "Identifiant de 2 à 64 caractères : lettres minuscules, chiffres, « . », « - » ou « _ ».",
        ));
    }
    if display_name.is_empty() || display_name.chars().count() > 100 {
        errors.push(field_error(
            "display_name",
            codes::field::INVALID,
            "Nom complet obligatoire, 100 caractères au plus.",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(store_id) = body.store_id {
        existing_store(&state, store_id).await?;
    }
    let temporary_password = accounts::temporary_password();
    let clear = temporary_password.clone();
    let hash = hashing(&state, move || password::hash(&clear)).await?;
    let user = users::create_with_temporary_password(
        &state.db,
        users::NewUser {
            username: &username,
            password_hash: hash,
            role: body.role,
            display_name: &display_name,
            store_id: body.store_id,
        },
        &caller.actor(),
    )
    .await
    .map_err(on_conflict(
        codes::USER_DUPLICATE,
        "Cet identifiant est déjà pris.",
    ))?;
    Ok(HttpResponse::Created().json(CreatedUser {
        account: staff_account(&user)?,
        temporary_password,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn logins_are_plain_lower_case_words() {
        assert!(super::valid_username("awa.kone"));
        assert!(super::valid_username("c2"));
        assert!(!super::valid_username("Awa"));
        assert!(!super::valid_username("a"));
        assert!(!super::valid_username("awa kone"));
        assert!(!super::valid_username("service:x"));
    }
}
