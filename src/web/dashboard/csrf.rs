//! CSRF protection for forms: a random token in a `SameSite=Strict` cookie that every POST form
//! must echo in its `csrf` field (double submit). A cross-site page can neither read the cookie
//! nor make the browser send it.

use crate::state::AppState;
use crate::web::extract::cookie;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

const CSRF_COOKIE: &str = "beacon_csrf";

/// The request's CSRF token (from its cookie, or freshly made and set on the response).
#[derive(Clone)]
pub struct CsrfToken(pub String);

impl CsrfToken {
    /// The token the middleware attached to this request.
    pub fn of(parts: &Parts) -> String {
        parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default()
    }
}

/// Marker: the request showed a flash notice, so the response clears it.
#[derive(Clone, Copy)]
pub struct ClearFlash;

/// Middleware: every page request carries a CSRF token; new visitors get the cookie.
pub async fn ensure_cookie(mut request: Request, next: Next) -> Response {
    let existing = cookie(request.headers(), CSRF_COOKIE)
        .filter(|v| v.len() == 32)
        .map(str::to_owned);
    let had_flash = cookie(request.headers(), "beacon_flash").is_some();
    let token = existing
        .clone()
        .unwrap_or_else(|| crate::domain::ids::random_string(32));
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() {
        let value = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    if had_flash && !response.status().is_redirection() {
        response
            .headers_mut()
            .append(header::SET_COOKIE, super::clear_flash_cookie());
    }
    response
}

/// A URL-encoded form whose `csrf` field matched the cookie.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let expected = cookie(req.headers(), CSRF_COOKIE).map(str::to_owned);
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            super::error_page(StatusCode::PAYLOAD_TOO_LARGE, "That form was too large.")
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        let valid = matches!((expected.as_deref(), sent), (Some(a), Some(b)) if !a.is_empty() && constant_time_eq(a.as_bytes(), b.as_bytes()));
        if !valid {
            return Err(super::error_page(
                StatusCode::FORBIDDEN,
                "This form has expired or came from another site. Go back, reload the page and try again.",
            ));
        }
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|_| {
            super::error_page(
                StatusCode::BAD_REQUEST,
                "That form was not filled in as expected.",
            )
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
