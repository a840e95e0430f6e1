//! One error type for every handler, rendered as RFC 9457 problem+json with a stable
//! `code` from [`crm_domain::codes`]. Internal causes are logged with the request, never
//! sent to the client.
//!
//! Every conversion into [`ApiError`] lives here: the store's errors and the domain's
//! refusals each map to one status, so two handlers never answer the same refusal
//! differently.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use crm_api_types::{FieldError, Problem};
use crm_domain::codes;
use crm_domain::coupon::{CouponDefinitionError, CouponRefusal};
use crm_domain::loyalty::PolicyError;
use crm_domain::password::PasswordRefusal;
use crm_domain::period::PeriodError;
use crm_domain::sale::SaleError;
use crm_store::StoreError;
use std::fmt;

/// An error answer: status, stable code, French explanation.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with `status`, a stable `code` and a French `detail`.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// Tells the client when to try again (`Retry-After`, in seconds), e.g. on a 429.
    pub fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    /// 422 `validation.failed` listing the invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let detail = errors
            .iter()
            .map(|e| format!("{} : {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join(" ; ");
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: codes::VALIDATION_FAILED,
            detail: format!("Données invalides — {detail}"),
            errors,
            retry_after_secs: None,
        }
    }

    /// 404 with the given code.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 409 with the given code: the request is sound but the state of the data refuses it.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, detail)
    }

    /// 500, after logging the cause.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "Erreur interne du serveur. Réessayez ; si le problème persiste, contactez le support.",
        )
    }

    /// The stable code (for tests and logs).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The French explanation, as sent (what a command prints).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    fn title(&self) -> String {
        self.status.canonical_reason().unwrap_or("Error").to_owned()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = Problem {
            kind: format!("urn:crm:problem:{}", self.code),
            title: self.title(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        };
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        response.content_type("application/problem+json").json(body)
    }
}

/// 422 with the given code: the request is well-formed but a value in it is refused.
pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

/// For `map_err` on a store call whose unique constraint has a meaning of its own (a
/// duplicate SKU, a coupon code taken, a job already running): that conflict answers 409
/// with `code` and `detail`; any other store error converts as usual.
pub fn on_conflict(
    code: &'static str,
    detail: impl Into<String>,
) -> impl FnOnce(StoreError) -> ApiError {
    move |err| match err {
        StoreError::Conflict(_) => ApiError::conflict(code, detail),
        other => other.into(),
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound => {
                ApiError::not_found(codes::RESOURCE_NOT_FOUND, "Ressource introuvable.")
            }
            StoreError::Conflict(what) => {
                ApiError::conflict(codes::RESOURCE_CONFLICT, format!("Existe déjà : {what}."))
            }
            StoreError::Coupon(refusal) => refusal.into(),
            corrupt @ StoreError::Corrupt { .. } => ApiError::internal(corrupt),
            StoreError::Db(db) => ApiError::internal(db),
        }
    }
}

/// A coupon refused at checkout: an unknown code is bad input (422); the others are the
/// state of the coupon or of the basket against it (409), e.g. a cap reached by another
/// till.
impl From<CouponRefusal> for ApiError {
    fn from(refusal: CouponRefusal) -> ApiError {
        match refusal {
            CouponRefusal::NotFound => unprocessable(refusal.code(), refusal.to_string()),
            _ => ApiError::conflict(refusal.code(), refusal.to_string()),
        }
    }
}

/// A basket or payments the sale rules refuse.
impl From<SaleError> for ApiError {
    fn from(e: SaleError) -> ApiError {
        unprocessable(e.code(), e.to_string())
    }
}

/// A coupon definition the back office may not save.
impl From<CouponDefinitionError> for ApiError {
    fn from(e: CouponDefinitionError) -> ApiError {
        unprocessable(e.code(), e.to_string())
    }
}

/// A loyalty policy an admin may not save: 422 naming the field, in `errors` too so a
/// form can point at it.
impl From<PolicyError> for ApiError {
    fn from(e: PolicyError) -> ApiError {
        ApiError {
            errors: vec![field_error(e.field, codes::field::INVALID, &e.message)],
            ..unprocessable(
                codes::LOYALTY_POLICY_INVALID,
                format!(
                    "Politique de fidélité invalide : {} (champ {}).",
                    e.message, e.field
                ),
            )
        }
    }
}

/// A new password the policy refuses.
impl From<PasswordRefusal> for ApiError {
    fn from(refusal: PasswordRefusal) -> ApiError {
        unprocessable(refusal.code(), refusal.to_string())
    }
}

/// A sales-history period that does not resolve.
impl From<PeriodError> for ApiError {
    fn from(e: PeriodError) -> ApiError {
        unprocessable(e.code(), e.to_string())
    }
}

/// Builds a field error.
pub fn field_error(field: &str, code: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}
