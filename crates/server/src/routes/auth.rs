//! `/auth/*` and `/me`: staff login with rotating refresh tokens, service-account
//! tokens for integrators.

use crate::auth::{password, tokens, Caller};
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Duration, Utc};
use crm_api_types::{
    LoginRequest, LoginResponse, MeResponse, RefreshRequest, RoleName, ServiceTokenRequest,
    ServiceTokenResponse, UserInfo,
};
use crm_domain::{Role, Scope};
use crm_store::{service_accounts, sessions, users};

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_credentials",
        "Identifiant ou mot de passe incorrect.",
    )
}

fn invalid_refresh() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_refresh_token",
        "Session expirée ou révoquée : reconnectez-vous.",
    )
}

/// The API name of a domain role.
pub fn role_name(role: Role) -> RoleName {
    match role {
        Role::Cashier => RoleName::Cashier,
        Role::Marketing => RoleName::Marketing,
        Role::Director => RoleName::Director,
        Role::Admin => RoleName::Admin,
    }
}

fn user_info(user: &users::User) -> UserInfo {
    UserInfo {
        id: user.id,
        username: user.username.clone(),
        role: role_name(users::role_of(user)),
        display_name: user.display_name.clone(),
    }
}

/// Checks a password off the async workers: argon2 is deliberately slow.
async fn verify_password(password: String, hash: String) -> Result<bool, ApiError> {
    web::block(move || password::verify(&password, &hash))
        .await
        .map_err(ApiError::internal)
}

/// Issues an access token and a new refresh-token family for `user`.
async fn open_session(state: &AppState, user: &users::User) -> Result<LoginResponse, ApiError> {
    let refresh_token = tokens::new_refresh_token();
    sessions::insert(
        &state.db,
        user.id,
        tokens::refresh_token_hash(&refresh_token),
        uuid::Uuid::new_v4().to_string(),
        Utc::now() + Duration::seconds(state.settings.refresh_token_ttl_secs),
    )
    .await?;
    Ok(session_response(state, user, refresh_token))
}

fn session_response(state: &AppState, user: &users::User, refresh_token: String) -> LoginResponse {
    LoginResponse {
        access_token: state.tokens.for_user(user.id, users::role_of(user)),
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs,
        refresh_token,
        user: user_info(user),
    }
}

/// Staff login.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, description = "`auth.invalid_credentials`", body = crm_api_types::Problem),
              (status = 422, description = "`request.invalid_body`", body = crm_api_types::Problem)))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    let user = users::find_by_username(&state.db, username.trim()).await?;
    let hash = user
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let matches = verify_password(password, hash).await?;
    match user {
        Some(user) if matches && user.active => Ok(web::Json(open_session(&state, &user).await?)),
        _ => {
            tracing::info!("login refused");
            Err(invalid_credentials())
        }
    }
}

/// Exchanges a refresh token for a new access token and a new refresh token; the old
/// one is spent. Presenting a spent token ends every session of that login.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, description = "`auth.invalid_refresh_token`", body = crm_api_types::Problem)))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let new_token = tokens::new_refresh_token();
    let rotation = sessions::rotate(
        &state.db,
        &tokens::refresh_token_hash(&body.refresh_token),
        tokens::refresh_token_hash(&new_token),
        Utc::now() + Duration::seconds(state.settings.refresh_token_ttl_secs),
    )
    .await?;
    let sessions::Rotation::Rotated { user_id } = rotation else {
        return Err(invalid_refresh());
    };
    match users::find(&state.db, user_id).await? {
        Some(user) if user.active => Ok(web::Json(session_response(&state, &user, new_token))),
        _ => Err(invalid_refresh()),
    }
}

/// Ends the session the refresh token belongs to.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Session ended")))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    sessions::revoke(&state.db, &tokens::refresh_token_hash(&body.refresh_token)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A service account exchanges its client id and secret for an access token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = ServiceTokenRequest,
    responses((status = 200, body = ServiceTokenResponse),
              (status = 401, description = "`auth.invalid_credentials`", body = crm_api_types::Problem)))]
#[post("/auth/token")]
pub async fn service_token(
    state: web::Data<AppState>,
    body: web::Json<ServiceTokenRequest>,
) -> Result<web::Json<ServiceTokenResponse>, ApiError> {
    let ServiceTokenRequest {
        client_id,
        client_secret,
    } = body.into_inner();
    let account = service_accounts::find_active(&state.db, client_id.trim()).await?;
    let hash = account
        .as_ref()
        .map(|a| a.secret_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let matches = verify_password(client_secret, hash).await?;
    let Some(account) = account.filter(|_| matches) else {
        return Err(invalid_credentials());
    };
    let scopes: Vec<Scope> = account
        .scopes
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    Ok(web::Json(ServiceTokenResponse {
        access_token: state.tokens.for_service(&account.client_id, scopes.clone()),
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs,
        scope: scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }))
}

/// Who the bearer token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse),
              (status = 401, description = "`auth.missing_token`, `auth.invalid_token`, `auth.token_expired`", body = crm_api_types::Problem)))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<MeResponse>, ApiError> {
    let user = match caller.0.uid {
        Some(id) => {
            let user = users::find(&state.db, id)
                .await?
                .filter(|u| u.active)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "auth.invalid_token",
                        "Compte inconnu ou désactivé.",
                    )
                })?;
            Some(user_info(&user))
        }
        None => None,
    };
    Ok(web::Json(MeResponse {
        user,
        client_id: caller.0.cid.clone(),
        scopes: caller
            .0
            .scopes
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    }))
}
