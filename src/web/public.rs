//! Serving the public pages from the snapshot: `/status/{slug}/…` on the Beacon host, or `/…` on
//! an org's custom domain. No database, no templates: look up bytes, check the ETag, answer.
//! Only private pages do one thing more: a session check (or a redirect to sign in).

use crate::public::snapshot::{OrgPages, Variant, PRIVATE_CACHE};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{self, header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Full;
use std::borrow::Cow;
use std::sync::Arc;

/// The key of a document: its path under the page, with `?month=` folded in for the history.
fn key<'a>(rest: &'a str, query: Option<&str>) -> Cow<'a, str> {
    let rest = rest.trim_matches('/');
    if rest == "history" {
        if let Some(month) = query.and_then(|q| q.split('&').find_map(|p| p.strip_prefix("month=")))
        {
            return Cow::Owned(format!("history/{month}"));
        }
    }
    Cow::Borrowed(rest)
}

/// The live streams under a page (answered by the router, not from the snapshot).
enum Stream {
    Events,
    Ws,
}

/// Which stream a path under a page is, if it is one.
fn stream(rest: &str) -> Option<Stream> {
    match rest.trim_matches('/') {
        "events" => Some(Stream::Events),
        "ws" => Some(Stream::Ws),
        _ => None,
    }
}

/// The hot path, run before any routing or middleware on connections hyper serves (the front
/// door, [`super::front`], answers most before hyper sees them): a `GET` for a document of a
/// page that is not private is answered from the snapshot with its prebuilt headers. `None` for
/// everything else (other methods, streams, private pages, paths with no document), which the
/// router answers, with the same snapshot where it is a page.
pub fn fast<B>(state: &AppState, request: &Request<B>) -> Option<http::Response<Full<Bytes>>> {
    if request.method() != Method::GET {
        return None;
    }
    let headers = request.headers();
    let value = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let response = with_document(
        state,
        value(header::HOST),
        request.uri().path(),
        request.uri().query(),
        value(header::ACCEPT_ENCODING),
        value(header::IF_NONE_MATCH),
        respond,
    )?;
    state.metrics.public_hit(response.status().as_u16());
    Some(response)
}

/// Finds the document a `GET` names, with the request's `Host`, path, query, `Accept-Encoding`
/// and `If-None-Match`, and gives `f` the variant to send and whether the client's copy is
/// fresh (its `If-None-Match` names that variant's ETag). `None` unless it is a document of a
/// page that is not private.
pub fn with_document<R>(
    state: &AppState,
    host: Option<&str>,
    path: &str,
    query: Option<&str>,
    accept_encoding: Option<&str>,
    if_none_match: Option<&str>,
    f: impl FnOnce(&Variant, bool) -> R,
) -> Option<R> {
    let (pages, rest, on_custom_domain) = state.snapshots.by_request(host, path)?;
    if pages.private || stream(rest).is_some() {
        return None;
    }
    let variant = pages
        .get(&key(rest, query), on_custom_domain)?
        .pick(accept_encoding);
    Some(f(variant, is_fresh(if_none_match, variant)))
}

/// Whether an `If-None-Match` names this variant's ETag (or is `*`).
fn is_fresh(if_none_match: Option<&str>, variant: &Variant) -> bool {
    let etag = variant.etag.to_str().unwrap_or("");
    if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || t.trim() == etag))
}

/// The response for a variant: `200` with its body, or `304 Not Modified` when `fresh`.
fn respond(variant: &Variant, fresh: bool) -> http::Response<Full<Bytes>> {
    if fresh {
        let mut response = http::Response::new(Full::default());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        *response.headers_mut() = crate::public::snapshot::not_modified(&variant.headers);
        return response;
    }
    let mut response = http::Response::new(Full::new(variant.body.clone()));
    *response.headers_mut() = variant.headers.clone();
    response
}

/// One document of a snapshot in the encoding the client takes, or `304 Not Modified` when its
/// `If-None-Match` names that encoding's ETag. `None` when the page has no such document.
fn document(
    pages: &OrgPages,
    key: &str,
    headers: &HeaderMap,
    on_custom_domain: bool,
) -> Option<http::Response<Full<Bytes>>> {
    let value = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let variant = pages
        .get(key, on_custom_domain)?
        .pick(value(header::ACCEPT_ENCODING));
    Some(respond(
        variant,
        is_fresh(value(header::IF_NONE_MATCH), variant),
    ))
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
    match document(&pages, key, headers, on_custom_domain) {
        Some(response) => response.map(Body::new),
        None => not_found(pages.private),
    }
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
        state.snapshots.by_host(request.headers())
    };
    if let Some(pages) = pages {
        if request.method() != axum::http::Method::GET
            && request.method() != axum::http::Method::HEAD
        {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        // The page's own streams, so its script connects to the origin it was served from.
        if let Some(stream) = stream(request.uri().path()) {
            let peer = request
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0)
                .unwrap_or_else(|| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
            let (mut parts, _) = request.into_parts();
            return match stream {
                Stream::Events => {
                    super::live::public_sse_for(&state, &pages.slug, peer, &parts.headers).await
                }
                Stream::Ws => {
                    let since =
                        axum::extract::Query::<super::live::Since>::try_from_uri(&parts.uri);
                    let upgrade = super::websocket::Upgrade::from_parts(&mut parts);
                    match (since, upgrade) {
                        (Ok(since), Ok(upgrade)) => {
                            super::live::public_ws_for(
                                &state,
                                &pages.slug,
                                peer,
                                &parts.headers,
                                since.0.since,
                                upgrade,
                            )
                            .await
                        }
                        (Err(e), _) => e.into_response(),
                        (_, Err(e)) => e.into_response(),
                    }
                }
            };
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
}
