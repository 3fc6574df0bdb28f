//! The one error type of operations and handlers; the web layer renders it as JSON or HTML.

use crate::domain::FieldError;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fields failed validation (422).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The request makes no sense as sent (400).
    #[error("{0}")]
    BadRequest(String),
    /// No valid credentials (401).
    #[error("authentication required")]
    Unauthorized,
    /// Credentials are fine but the role does not allow this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing here, or nothing this caller may know about (404).
    #[error("not found")]
    NotFound,
    /// The change clashes with existing state (409).
    #[error("{}", .0.message)]
    Conflict(FieldError),
    /// Too many attempts; try again after this many seconds (429).
    #[error("too many attempts")]
    TooManyRequests { retry_after: i64 },
    /// A fault on our side (500); the cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A single-field validation failure.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(vec![e])
    }
}

impl From<crate::db::Error> for Error {
    fn from(e: crate::db::Error) -> Self {
        match e {
            crate::db::Error::NotFound => Error::NotFound,
            crate::db::Error::Conflict { field } => {
                Error::Conflict(FieldError::new(field, conflict_message(field)))
            }
            crate::db::Error::Other(e) => Error::Internal(e.into()),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        crate::db::Error::from(e).into()
    }
}

fn conflict_message(field: &str) -> &'static str {
    match field {
        "slug" => "is already taken",
        "email" => "is already in use",
        "name" => "is already used by another team",
        "user_id" => "is already a member",
        _ => "conflicts with existing data",
    }
}

/// Result of an operation.
pub type Result<T> = std::result::Result<T, Error>;
