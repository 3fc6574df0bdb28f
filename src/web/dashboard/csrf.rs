//! CSRF protection for forms: a random token in a `SameSite=Strict` cookie that every POST form
//! must echo in its `csrf` field (double submit). A cross-site page can neither read the cookie
//! nor make the browser send it. URL-encoded forms arrive through [`Form`], file uploads through
//! [`Multipart`].

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
pub async fn ensure_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
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
        let secure = if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        let value = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}");
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
        if !token_matches(expected.as_deref(), sent) {
            return Err(forged());
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|_| not_as_expected())
    }
}

/// A file of a [`Multipart`] form.
#[derive(Debug)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// Its bytes, or `None` when it was larger than the form allows (the rest was not kept).
    pub bytes: Option<Vec<u8>>,
}

/// A `multipart/form-data` form whose `csrf` field matched the cookie: its text fields in `form`,
/// its chosen files in `files`, each read up to `MAX_FILE` bytes.
///
/// The `csrf` field must come before any file (browsers send fields in document order, so put the
/// hidden input first): a forged upload is refused with 403 before its file is read.
pub struct Multipart<T, const MAX_FILE: usize> {
    pub form: T,
    pub files: Vec<Upload>,
}

impl<T, const MAX_FILE: usize> Multipart<T, MAX_FILE> {
    /// The file chosen in a field, if one was.
    pub fn file(&self, field: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == field)
    }
}

impl<T: DeserializeOwned, const MAX_FILE: usize> FromRequest<AppState> for Multipart<T, MAX_FILE> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let expected = cookie(req.headers(), CSRF_COOKIE).map(str::to_owned);
        let mut body = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| not_as_expected())?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut files: Vec<Upload> = Vec::new();
        let mut checked = false;
        loop {
            let mut field = match body.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                // Past an oversized file the body may also pass the server's limit: the file is
                // already marked, and what follows it is not needed to say so.
                Err(e)
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE
                        && files.iter().any(|f| f.bytes.is_none()) =>
                {
                    break
                }
                Err(e) => return Err(unreadable(e.status())),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let Some(file_name) = field.file_name() else {
                let value = field.text().await.map_err(|e| unreadable(e.status()))?;
                if name == "csrf" {
                    if !token_matches(expected.as_deref(), Some(&value)) {
                        return Err(forged());
                    }
                    checked = true;
                }
                pairs.push((name, value));
                continue;
            };
            if !checked {
                return Err(forged());
            }
            // A file input left empty still sends a part, with no file name.
            let chosen = !file_name.is_empty();
            let mut bytes = Vec::new();
            let mut too_large = false;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_FILE => {
                        too_large = true;
                        break;
                    }
                    Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(e) => return Err(unreadable(e.status())),
                }
            }
            if chosen || !bytes.is_empty() || too_large {
                files.push(Upload {
                    field: name,
                    bytes: (!too_large).then_some(bytes),
                });
            }
        }
        if !checked {
            return Err(forged());
        }
        // The text fields go through the same decoder as URL-encoded forms.
        let encoded = serde_urlencoded::to_string(&pairs).map_err(|_| not_as_expected())?;
        let form = serde_urlencoded::from_str(&encoded).map_err(|_| not_as_expected())?;
        Ok(Multipart { form, files })
    }
}

fn token_matches(expected: Option<&str>, sent: Option<&str>) -> bool {
    matches!((expected, sent), (Some(a), Some(b)) if !a.is_empty() && constant_time_eq(a.as_bytes(), b.as_bytes()))
}

fn forged() -> Response {
    super::error_page(
        StatusCode::FORBIDDEN,
        "This form has expired or came from another site. Go back, reload the page and try again.",
    )
}

fn not_as_expected() -> Response {
    super::error_page(
        StatusCode::BAD_REQUEST,
        "That form was not filled in as expected.",
    )
}

fn unreadable(status: StatusCode) -> Response {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        super::error_page(StatusCode::PAYLOAD_TOO_LARGE, "That form was too large.")
    } else {
        not_as_expected()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
