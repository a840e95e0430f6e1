//! `/auth/*` and `/me`: staff login with rotating refresh tokens, password changes,
//! service-account tokens for integrators.
//!
//! Every password check goes through the login throttle: attempts are counted per name
//! and per address (429 with `Retry-After` past the allowance), failures are audited, and
//! only a few argon2 hashes run at once.

use crate::auth::throttle::Throttled;
use crate::auth::{password, tokens, FlaggedCaller};
use crate::error::{unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use crm_api_types::{
    ChangePasswordRequest, LoginRequest, LoginResponse, MeResponse, RefreshRequest,
    ServiceTokenRequest, ServiceTokenResponse, UserInfo,
};
use crm_domain::codes;
use crm_domain::Scope;
use crm_store::audit::{self, Actor};
use crm_store::{service_accounts, sessions, users};
use serde_json::json;

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::AUTH_INVALID_CREDENTIALS,
        "Identifiant ou mot de passe incorrect.",
    )
}

fn invalid_refresh() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::AUTH_INVALID_REFRESH_TOKEN,
        "Session expirée ou révoquée : reconnectez-vous.",
    )
}

/// What the API shows of a staff account.
pub fn user_info(user: &users::User) -> Result<UserInfo, ApiError> {
    Ok(UserInfo {
        id: user.id,
        username: user.username.clone(),
        role: users::role_of(user)?,
        display_name: user.display_name.clone(),
        must_change_password: user.must_change_password,
        store_id: user.store_id,
    })
}

/// 429 past the allowance (with `Retry-After`), 503 when every hashing slot stays busy.
fn throttled(refusal: Throttled) -> ApiError {
    match refusal {
        Throttled::TooManyAttempts(wait) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::AUTH_TOO_MANY_ATTEMPTS,
            "Trop de tentatives de connexion : patientez avant de réessayer.",
        )
        // Whole seconds, rounded up.
        .retry_after(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
        Throttled::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::AUTH_BUSY,
            "Serveur très sollicité : réessayez dans quelques secondes.",
        )
        .retry_after(2),
        Throttled::Store(e) => e.into(),
    }
}

/// The caller's network address, for the per-address allowance.
fn client_address(req: &HttpRequest) -> Option<std::net::IpAddr> {
    req.peer_addr().map(|a| a.ip())
}

/// Runs argon2 in a hashing slot, off the async workers: it is deliberately slow.
pub(crate) async fn hashing<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _slot = state
        .login_throttle
        .hashing_slot()
        .await
        .map_err(throttled)?;
    web::block(work).await.map_err(ApiError::internal)
}

/// Counts an attempt for `name`, then checks `password` against `hash`.
async fn attempt_password(
    state: &AppState,
    req: &HttpRequest,
    name: &str,
    password: String,
    hash: String,
) -> Result<bool, ApiError> {
    state
        .login_throttle
        .attempt(&state.db, name, client_address(req))
        .await
        .map_err(throttled)?;
    hashing(state, move || password::verify(&password, &hash)).await
}

/// Audits a refused password: who was tried, from where (never the password).
async fn audit_failure(state: &AppState, req: &HttpRequest, action: &str, name: &str) {
    let name: String = name.trim().chars().take(64).collect();
    let address = client_address(req).map(|a| a.to_string());
    let recorded = audit::record(
        &state.db,
        &Actor::default(),
        action,
        "auth",
        Some(name),
        None,
        Some(json!({ "address": address })),
    )
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "could not audit a refused login");
    }
}

/// Issues an access token and a new refresh-token family for `user`.
async fn open_session(state: &AppState, user: &users::User) -> Result<LoginResponse, ApiError> {
    let refresh_token = tokens::new_refresh_token();
    let session = uuid::Uuid::new_v4().to_string();
    sessions::insert(
        &state.db,
        user.id,
        tokens::refresh_token_hash(&refresh_token),
        session.clone(),
        Utc::now() + Duration::seconds(state.settings.refresh_token_ttl_secs),
    )
    .await?;
    session_response(state, user, &session, refresh_token)
}

fn session_response(
    state: &AppState,
    user: &users::User,
    session: &str,
    refresh_token: String,
) -> Result<LoginResponse, ApiError> {
    Ok(LoginResponse {
        access_token: state.tokens.for_user(
            user.id,
            users::role_of(user)?,
            user.token_version,
            session,
        ),
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs,
        refresh_token,
        user: user_info(user)?,
    })
}

/// Staff login.
///
/// A user whose `must_change_password` is true gets a session that can only change the
/// password (`POST /auth/password`) and read `GET /me`.
#[utoipa::path(tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, description = "`auth.invalid_credentials`", body = crm_api_types::Problem),
              (status = 422, description = "`request.invalid_body`", body = crm_api_types::Problem),
              (status = 429, description = "`auth.too_many_attempts` (see `Retry-After`)", body = crm_api_types::Problem),
              (status = 503, description = "`auth.busy`: too many logins at once (see `Retry-After`)", body = crm_api_types::Problem)))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    let user = users::find_by_username(&state.db, username.trim()).await?;
    let hash = user
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let matches = attempt_password(&state, &req, &username, password, hash).await?;
    match user {
        Some(user) if matches && user.active => Ok(web::Json(open_session(&state, &user).await?)),
        _ => {
            tracing::info!("login refused");
            audit_failure(&state, &req, "auth.login_failed", &username).await;
            Err(invalid_credentials())
        }
    }
}

/// Exchanges a refresh token for a new access token and a new refresh token; the old
/// one is spent. Presenting a spent token ends every session of that login.
#[utoipa::path(tag = "auth", request_body = RefreshRequest,
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
    let (user_id, family_id) = match rotation {
        sessions::Rotation::Rotated { user_id, family_id } => (user_id, family_id),
        sessions::Rotation::Reused { family_id } => {
            // The family is revoked: its access tokens stop at their next request.
            state.access.forget_session(&family_id);
            return Err(invalid_refresh());
        }
        sessions::Rotation::Refused => return Err(invalid_refresh()),
    };
    match users::find(&state.db, user_id).await? {
        Some(user) if user.active => Ok(web::Json(session_response(
            &state, &user, &family_id, new_token,
        )?)),
        _ => Err(invalid_refresh()),
    }
}

/// Ends the session the refresh token belongs to; its access tokens stop working at once.
#[utoipa::path(tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Session ended")))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let ended =
        sessions::revoke(&state.db, &tokens::refresh_token_hash(&body.refresh_token)).await?;
    if let Some(session) = ended {
        state.access.forget_session(&session);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in staff member changes their password. Every other session of the account
/// ends; the answer is a fresh session. This is the only thing a session flagged
/// `must_change_password` may do.
#[utoipa::path(tag = "auth", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses((status = 200, description = "Password changed; a new session", body = LoginResponse),
              (status = 401, description = "`auth.invalid_credentials`: the current password is wrong", body = crm_api_types::Problem),
              (status = 403, description = "`auth.staff_only`", body = crm_api_types::Problem),
              (status = 422, description = "`password.too_short`, `password.too_long`, `password.needs_letter_and_digit`, `password.contains_username`, `password.unchanged`", body = crm_api_types::Problem),
              (status = 429, description = "`auth.too_many_attempts`", body = crm_api_types::Problem)))]
#[post("/auth/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: FlaggedCaller,
    body: web::Json<ChangePasswordRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    let user_id = caller.caller.0.uid.ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            codes::AUTH_STAFF_ONLY,
            "Cette action est réservée au personnel connecté.",
        )
    })?;
    let user = users::find(&state.db, user_id)
        .await?
        .ok_or_else(invalid_credentials)?;
    crm_domain::password::check(&new_password, &user.username)?;
    if new_password == current_password {
        return Err(unprocessable(
            codes::PASSWORD_UNCHANGED,
            "Le nouveau mot de passe doit être différent de l'actuel.",
        ));
    }
    let hash = user.password_hash.clone();
    if !attempt_password(&state, &req, &user.username, current_password, hash).await? {
        audit_failure(&state, &req, "auth.password_change_failed", &user.username).await;
        return Err(invalid_credentials());
    }
    let new_hash = hashing(&state, move || password::hash(&new_password)).await?;
    users::set_password(
        &state.db,
        user.id,
        new_hash,
        false,
        (&caller.caller.actor(), "user.password_changed"),
    )
    .await?;
    state.access.forget_account(user.id);
    let user = users::find(&state.db, user.id)
        .await?
        .ok_or_else(invalid_credentials)?;
    Ok(web::Json(open_session(&state, &user).await?))
}

/// A service account exchanges its client id and secret for an access token.
#[utoipa::path(tag = "auth", request_body = ServiceTokenRequest,
    responses((status = 200, body = ServiceTokenResponse),
              (status = 401, description = "`auth.invalid_credentials`", body = crm_api_types::Problem),
              (status = 429, description = "`auth.too_many_attempts` (see `Retry-After`)", body = crm_api_types::Problem),
              (status = 503, description = "`auth.busy` (see `Retry-After`)", body = crm_api_types::Problem)))]
#[post("/auth/token")]
pub async fn service_token(
    state: web::Data<AppState>,
    req: HttpRequest,
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
    let matches = attempt_password(&state, &req, &client_id, client_secret, hash).await?;
    let Some(account) = account.filter(|_| matches) else {
        audit_failure(&state, &req, "auth.token_failed", &client_id).await;
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

/// Who the bearer token belongs to (also answers a session that must change its password).
#[utoipa::path(tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse),
              (status = 401, description = "`auth.missing_token`, `auth.invalid_token`, `auth.token_expired`, `auth.session_revoked`", body = crm_api_types::Problem)))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: FlaggedCaller,
) -> Result<web::Json<MeResponse>, ApiError> {
    let caller = caller.caller;
    let user = match caller.0.uid {
        Some(id) => {
            let user = users::find(&state.db, id)
                .await?
                .filter(|u| u.active)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        codes::AUTH_INVALID_TOKEN,
                        "Compte inconnu ou désactivé.",
                    )
                })?;
            Some(user_info(&user)?)
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
