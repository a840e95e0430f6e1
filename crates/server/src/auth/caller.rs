//! [`Caller`]: who is calling, taken from the bearer token, and the one place that
//! decides whether they may do something.

use super::tokens::{Claims, TokenError};
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use crm_domain::{Capability, Role};
use crm_store::audit::Actor;
use std::future::{ready, Ready};

/// The authenticated caller of a protected route.
#[derive(Clone, Debug)]
pub struct Caller(pub Claims);

impl Caller {
    /// Refuses with 403 `auth.forbidden` unless the caller's role or scopes grant it.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "auth.forbidden",
                "Accès refusé : votre rôle ne permet pas cette action.",
            ))
        }
    }

    /// Whether the role or scopes grant `capability`.
    pub fn can(&self, capability: Capability) -> bool {
        match self.0.role {
            Some(role) => role.grants(capability),
            None => self.0.scopes.iter().any(|s| s.grants(capability)),
        }
    }

    /// Refuses unless the caller holds at least one of `capabilities`.
    pub fn require_any(&self, capabilities: &[Capability]) -> Result<(), ApiError> {
        match capabilities.iter().find(|c| self.can(**c)) {
            Some(found) => self.require(*found),
            None => self.require(capabilities[0]),
        }
    }

    /// The staff member's role, if a person is calling.
    pub fn role(&self) -> Option<Role> {
        self.0.role
    }

    /// For the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.0.uid,
            client_id: self.0.cid.clone(),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let unauthorized = |code, detail: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, detail);
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("auth.missing_token", "Authentification requise."))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| {
            unauthorized(
                "auth.invalid_token",
                "En-tête Authorization invalide (attendu : Bearer <jeton>).",
            )
        })?;
    match state.tokens.verify(token.trim()) {
        Ok(claims) => Ok(Caller(claims)),
        Err(TokenError::Expired) => Err(unauthorized(
            "auth.token_expired",
            "Session expirée : reconnectez-vous.",
        )),
        Err(TokenError::Invalid) => Err(unauthorized(
            "auth.invalid_token",
            "Jeton d'accès invalide.",
        )),
    }
}
