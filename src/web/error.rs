//! How errors reach clients: one JSON shape under `/api`, an HTML page elsewhere.
//! A 5xx never shows its cause; the log gets it.

use crate::error::Error;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;

/// The body of every API error: `{"error":{"code","message","fields"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and people (`message`, `fields`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `validation_failed`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// Per-field problems, by field name (empty when the error is not about a field).
    pub fields: BTreeMap<String, String>,
}

/// The status, code and message of an error; logs the cause of a 5xx.
pub fn describe(err: &Error) -> (StatusCode, &'static str, String, BTreeMap<String, String>) {
    let mut fields = BTreeMap::new();
    let (status, code, message) = match err {
        Error::Invalid(errors) => {
            for e in errors {
                fields.insert(e.field.to_owned(), e.message.clone());
            }
            let message = match errors.as_slice() {
                [one] => format!("{} {}", one.field, one.message),
                _ => "some fields are invalid".to_owned(),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                message,
            )
        }
        Error::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
        Error::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in or send a valid API token".to_owned(),
        ),
        Error::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone()),
        Error::NotFound => (
            StatusCode::NOT_FOUND,
            "not_found",
            "nothing here".to_owned(),
        ),
        Error::Conflict(e) => {
            fields.insert(e.field.to_owned(), e.message.clone());
            (
                StatusCode::CONFLICT,
                "conflict",
                format!("{} {}", e.field, e.message),
            )
        }
        Error::TooManyRequests { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many attempts; try again in {retry_after} seconds"),
        ),
        Error::Internal(cause) => {
            tracing::error!(error = ?cause, "internal error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side; it has been logged".to_owned(),
            )
        }
    };
    (status, code, message, fields)
}

/// A JSON error response.
pub fn json_error(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    fields: BTreeMap<String, String>,
) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message: message.into(),
            fields,
        },
    };
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// An [`Error`] answered as JSON (the `/api` face).
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = match &self.0 {
            Error::TooManyRequests { retry_after } => Some(*retry_after),
            _ => None,
        };
        let (status, code, message, fields) = describe(&self.0);
        let mut response = json_error(status, code, message, fields);
        if let Some(secs) = retry {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The code for a status the framework chose (a rejection or a missing route).
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}
