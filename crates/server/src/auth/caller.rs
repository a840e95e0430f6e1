//! [`Caller`]: who is calling, taken from the bearer token, and the one place that
//! decides whether they may do something.
//!
//! A token is accepted when its signature and expiry are right *and* the access gate
//! still admits it (account active with the same role and token version, session not
//! logged out). A staff member flagged to change their password gets only
//! [`FlaggedCaller`]: enough to change it and to see who they are, nothing else.

use super::access::{Admission, Revoked};
use super::tokens::{Claims, TokenError};
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use crm_domain::codes;
use crm_domain::{Capability, Role};
use crm_store::audit::Actor;
use futures::future::LocalBoxFuture;

/// The authenticated caller of a protected route.
#[derive(Clone, Debug)]
pub struct Caller(pub Claims);

/// A caller who may be flagged to change their password: only the routes that let them
/// do so (and `/me`) take this extractor.
#[derive(Clone, Debug)]
pub struct FlaggedCaller {
    /// The caller.
    pub caller: Caller,
    /// Whether they must change their password before anything else.
    pub must_change_password: bool,
}

impl Caller {
    /// Refuses with 403 `auth.forbidden` unless the caller's role or scopes grant it.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        self.require_any(&[capability])
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
        if capabilities.iter().any(|c| self.can(*c)) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                codes::AUTH_FORBIDDEN,
                "Accès refusé : votre rôle ne permet pas cette action.",
            ))
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
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let flagged = authenticate(&req).await?;
            if flagged.must_change_password {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    codes::AUTH_PASSWORD_CHANGE_REQUIRED,
                    "Vous devez changer votre mot de passe avant de continuer.",
                ));
            }
            Ok(flagged.caller)
        })
    }
}

impl FromRequest for FlaggedCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<FlaggedCaller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

fn unauthorized(code: &'static str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
}

async fn authenticate(req: &HttpRequest) -> Result<FlaggedCaller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let claims = verified_claims(state, req)?;
    match state.access.admit(&state.db, &claims).await? {
        Ok(admission) => Ok(FlaggedCaller {
            caller: Caller(claims),
            must_change_password: admission == Admission::PasswordChangeOnly,
        }),
        Err(Revoked::Session) => Err(unauthorized(
            codes::AUTH_SESSION_REVOKED,
            "Session terminée (déconnexion, compte modifié ou désactivé) : reconnectez-vous.",
        )),
    }
}

fn verified_claims(state: &AppState, req: &HttpRequest) -> Result<Claims, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized(codes::AUTH_MISSING_TOKEN, "Authentification requise."))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| {
            unauthorized(
                codes::AUTH_INVALID_TOKEN,
                "En-tête Authorization invalide (attendu : Bearer <jeton>).",
            )
        })?;
    state.tokens.verify(token.trim()).map_err(|e| match e {
        TokenError::Expired => unauthorized(
            codes::AUTH_TOKEN_EXPIRED,
            "Session expirée : reconnectez-vous.",
        ),
        TokenError::Invalid => unauthorized(codes::AUTH_INVALID_TOKEN, "Jeton d'accès invalide."),
    })
}
