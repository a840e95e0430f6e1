//! One error type for every handler, rendered as RFC 9457 problem+json with a stable
//! `code`. Internal causes are logged with the request, never sent to the client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use crm_api_types::{FieldError, Problem};
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
            code: "validation.failed",
            detail: format!("Données invalides — {detail}"),
            errors,
            retry_after_secs: None,
        }
    }

    /// 404 with the given code.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 500, after logging the cause.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Erreur interne du serveur. Réessayez ; si le problème persiste, contactez le support.",
        )
    }

    /// The stable code (for tests and logs).
    pub fn code(&self) -> &'static str {
        self.code
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

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound => {
                ApiError::not_found("resource.not_found", "Ressource introuvable.")
            }
            StoreError::Conflict(what) => ApiError::new(
                StatusCode::CONFLICT,
                "resource.conflict",
                format!("Existe déjà : {what}."),
            ),
            StoreError::Coupon(refusal) => refusal.into(),
            corrupt @ StoreError::Corrupt { .. } => ApiError::internal(corrupt),
            StoreError::Db(db) => ApiError::internal(db),
        }
    }
}

/// A coupon refused at checkout: an unknown code is bad input (422); the others are the
/// state of the coupon or of the basket against it (409), e.g. a cap reached by another
/// till.
impl From<crm_domain::coupon::CouponRefusal> for ApiError {
    fn from(refusal: crm_domain::coupon::CouponRefusal) -> ApiError {
        use crm_domain::coupon::CouponRefusal;
        let status = match refusal {
            CouponRefusal::NotFound => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::CONFLICT,
        };
        ApiError::new(status, refusal.code(), refusal.to_string())
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
