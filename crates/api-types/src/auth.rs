//! Login, tokens and the current user.

pub use crm_domain::Role;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"username": "caisse", "password": "Caisse2026!"})))]
pub struct LoginRequest {
    /// Staff login.
    pub username: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"refresh_token": "q3v9bYg5x1Vd8tQmZrLk2w"})))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh; it is single-use.
    pub refresh_token: String,
}

/// `POST /auth/token`: a service account's credentials.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"client_id": "svc-erp-7f3a", "client_secret": "5d1b0c7e9a4f8e2b6c3d0a1f"})))]
pub struct ServiceTokenRequest {
    /// Client id printed by `crm service-account create`.
    pub client_id: String,
    /// Secret printed once by `crm service-account create`.
    pub client_secret: String,
}

/// The signed-in staff member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1, "username": "caisse", "role": "CASHIER", "display_name": "Awa Koné",
    "must_change_password": false, "store_id": 1
})))]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// Login.
    pub username: String,
    /// Role, which decides the menu and the routes allowed.
    pub role: Role,
    /// Display name.
    pub display_name: String,
    /// The account must change its password before anything else (first login with a
    /// temporary or imported password): only `POST /auth/password` and `GET /me` answer.
    #[serde(default)]
    pub must_change_password: bool,
    /// Default store: the till picks its till among this store's (any store when absent).
    #[serde(default)]
    pub store_id: Option<i64>,
}

/// Tokens after a login or a refresh.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwicm9sZSI6IkNBU0hJRVIiLCJpYXQiOjE3OTY2Mzg1MDAsImV4cCI6MTc5NjYzOTQwMH0.kQ2m8Xz4Vb1nR7tY0sLp3wHc9eJd6fUa5gTiOq1rMZE",
    "token_type": "Bearer", "expires_in": 900, "refresh_token": "q3v9bYg5x1Vd8tQmZrLk2w",
    "user": {
        "id": 1, "username": "caisse", "role": "CASHIER", "display_name": "Awa Koné",
        "must_change_password": false, "store_id": 1
    }
})))]
pub struct LoginResponse {
    /// Short-lived JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
    /// Single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// Who signed in.
    pub user: UserInfo,
}

/// A service account's access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtZXJwLTdmM2EiLCJzY29wZSI6InBvcyBzYWxlczpyZWFkIiwiaWF0IjoxNzk2NjM4NTAwLCJleHAiOjE3OTY2Mzk0MDB9.3nV8cQe1rT5yZ0aP7sLk2mXw9bHd4fGj6uIo1EqRtYs",
    "token_type": "Bearer", "expires_in": 900, "scope": "pos sales:read"
})))]
pub struct ServiceTokenResponse {
    /// JWT carrying the account's scopes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Scopes granted, space-separated (`pos sales:read`).
    pub scope: String,
}

/// `GET /me`: who the token belongs to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "user": {
        "id": 1, "username": "caisse", "role": "CASHIER", "display_name": "Awa Koné",
        "must_change_password": false, "store_id": 1
    },
    "client_id": null, "scopes": []
})))]
pub struct MeResponse {
    /// The staff member, absent for a service account.
    pub user: Option<UserInfo>,
    /// The service account's client id, absent for staff.
    pub client_id: Option<String>,
    /// Scopes of a service account (empty for staff).
    pub scopes: Vec<String>,
}

/// `POST /auth/password`: the signed-in staff member changes their password.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"current_password": "Temporaire-4821", "new_password": "Kpalimé-Plateau-2026"})))]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new one: 10 characters or more, a letter and a digit, not containing the login.
    pub new_password: String,
}

/// `PATCH /users/{id}`: an administrator changes a staff account. Either change stops the
/// account's current sessions.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"role": "MARKETING", "store_id": 1})))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New role.
    pub role: Option<Role>,
    /// `false` stops the account at once; `true` lets it sign in again.
    pub active: Option<bool>,
    /// New default store; `null` takes the default store away (the till then asks which
    /// store), absent leaves it as it is.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub store_id: Option<Option<i64>>,
}

/// A field that is there, even as `null` (`Some(None)`), against one left out (`None`,
/// by `#[serde(default)]`): what a PATCH needs to take a value away.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A staff account as administrators see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 2, "username": "marketing", "role": "MARKETING", "display_name": "Yao Kouadio",
    "must_change_password": false, "store_id": 1, "active": true
})))]
pub struct StaffAccount {
    /// Who.
    #[serde(flatten)]
    pub user: UserInfo,
    /// Whether the account may sign in.
    pub active: bool,
}

/// `POST /users/{id}/reset-password`: the temporary password to hand to the person. It
/// is shown once; the account must change it at its next login.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "user": {
        "id": 2, "username": "marketing", "role": "MARKETING", "display_name": "Yao Kouadio",
        "must_change_password": true, "store_id": 1
    },
    "temporary_password": "Temporaire-4821"
})))]
pub struct PasswordResetResponse {
    /// The account.
    pub user: UserInfo,
    /// Temporary password, valid for one login followed by a change.
    pub temporary_password: String,
}
