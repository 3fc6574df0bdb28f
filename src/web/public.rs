//! Serving the public pages from the snapshot: `/status/{slug}/…` on the Beacon host, or `/…` on
//! an org's custom domain. No database, no templates: look up bytes, check the ETag, answer.
//! Only private pages do one thing more: a session check (or a redirect to sign in).

use crate::public::snapshot::{OrgPages, PRIVATE_CACHE};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The key of a document: its path under the page, with `?month=` folded in for the history.
fn key(rest: &str, query: Option<&str>) -> String {
    let rest = rest.trim_matches('/');
    if rest == "history" {
        if let Some(month) = query.and_then(|q| q.split('&').find_map(|p| p.strip_prefix("month=")))
        {
            return format!("history/{month}");
        }
    }
    rest.to_owned()
}

fn not_found(private: bool) -> Response {
    let mut r =
        super::dashboard::error_page(StatusCode::NOT_FOUND, "There is nothing at this address.");
    if private {
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PRIVATE_CACHE),
        );
    }
    r
}

fn private_answer(status: StatusCode, location: Option<&str>) -> Response {
    let mut r = match location {
        Some(to) => (status, [(header::LOCATION, to.to_owned())]).into_response(),
        None => super::dashboard::error_page(status, "This status page is private."),
    };
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PRIVATE_CACHE),
    );
    r
}

/// Answers from one org's snapshot.
async fn answer(
    state: &AppState,
    pages: Arc<OrgPages>,
    key: &str,
    headers: &HeaderMap,
    on_custom_domain: bool,
) -> Response {
    if pages.private {
        if on_custom_domain {
            let to = state.url(&format!("/login?next=/status/{}", pages.slug));
            return private_answer(StatusCode::SEE_OTHER, Some(&to));
        }
        let member = match super::extract::session_user(state, headers).await {
            Ok(Some((user, _))) => crate::db::members::role_of(
                &mut *match state.db.conn().await {
                    Ok(c) => c,
                    Err(_) => return private_answer(StatusCode::SERVICE_UNAVAILABLE, None),
                },
                &pages.org_id,
                &user.id,
            )
            .await
            .ok()
            .flatten()
            .is_some(),
            _ => false,
        };
        if !member {
            let to = format!("/login?next=/status/{}", pages.slug);
            return private_answer(StatusCode::SEE_OTHER, Some(&to));
        }
    }
    let Some(asset) = pages.get(key, on_custom_domain) else {
        return not_found(pages.private);
    };
    let variant = asset.pick(headers.get(header::ACCEPT_ENCODING));
    let fresh = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|t| t.trim() == "*" || t.trim() == variant.etag.to_str().unwrap_or(""))
        })
    });
    let mut response = if fresh {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(variant.body.clone()))
    };
    *response.headers_mut() = variant.headers.clone();
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response.headers_mut().remove(header::CONTENT_TYPE);
    }
    response
}

/// `GET /status/{slug}` and everything under it.
pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let rest = path.strip_prefix("/status/").unwrap_or("");
    let (slug, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let key = key(rest, request.uri().query());
    let response = match state.snapshots.by_slug(slug) {
        Some(pages) => answer(&state, pages, &key, request.headers(), false).await,
        None => not_found(false),
    };
    state.metrics.public_hit(response.status().as_u16());
    response
}

/// The host name of a request, lowercased, without a port.
fn host(headers: &HeaderMap) -> Option<String> {
    let h = headers.get(header::HOST)?.to_str().ok()?;
    let name = if h.starts_with('[') {
        h.split(']').next().map(|s| &s[1..])?
    } else {
        h.split(':').next()?
    };
    Some(name.to_ascii_lowercase())
}

/// Outermost layer: a request to an org's custom domain is that org's page, whatever its path.
pub async fn custom_domains(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let shared =
        ["/healthz", "/readyz", "/metrics"].contains(&path) || path.starts_with("/static/");
    let pages = if shared {
        None
    } else {
        host(request.headers()).and_then(|h| state.snapshots.by_domain(&h))
    };
    if let Some(pages) = pages {
        if request.method() != axum::http::Method::GET
            && request.method() != axum::http::Method::HEAD
        {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        if request.uri().path() == "/events" {
            // The page's own stream, so its script connects to the origin it was served from.
            let peer = request
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0)
                .unwrap_or_else(|| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
            return super::live::public_sse_for(&state, &pages.slug, peer, request.headers()).await;
        }
        let key = key(request.uri().path(), request.uri().query());
        let response = answer(&state, pages, &key, request.headers(), true).await;
        state.metrics.public_hit(response.status().as_u16());
        return response;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_the_history_month_in() {
        assert_eq!(key("", None), "");
        assert_eq!(key("/", None), "");
        assert_eq!(key("history", Some("month=2026-11")), "history/2026-11");
        assert_eq!(key("history", None), "history");
        assert_eq!(
            key("api/v2/summary.json", Some("x=1")),
            "api/v2/summary.json"
        );
    }

    #[test]
    fn hosts_lose_their_port_and_case() {
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("Status.Example.com:8080"),
        );
        assert_eq!(host(&h).as_deref(), Some("status.example.com"));
    }
}
