//! Login, tokens and the current user.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A staff member's role, as the API names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoleName {
    /// Caissier : the till.
    Cashier,
    /// Marketing : coupons, loyalty, customers.
    Marketing,
    /// Directeur général : reads everything.
    Director,
    /// Administrateur : users, stores, settings.
    Admin,
}

/// `POST /auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    /// Staff login.
    pub username: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh; it is single-use.
    pub refresh_token: String,
}

/// `POST /auth/token`: a service account's credentials.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceTokenRequest {
    /// Client id printed by `crm service-account create`.
    pub client_id: String,
    /// Secret printed once by `crm service-account create`.
    pub client_secret: String,
}

/// The signed-in staff member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// Login.
    pub username: String,
    /// Role, which decides the menu and the routes allowed.
    pub role: RoleName,
    /// Display name.
    pub display_name: String,
}

/// Tokens after a login or a refresh.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
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
pub struct MeResponse {
    /// The staff member, absent for a service account.
    pub user: Option<UserInfo>,
    /// The service account's client id, absent for staff.
    pub client_id: Option<String>,
    /// Scopes of a service account (empty for staff).
    pub scopes: Vec<String>,
}
