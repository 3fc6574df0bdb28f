//! Request extractors: framework rejections turned into our JSON errors, cookies, the caller.

use super::error::{code_for, json_error, ApiError};
use crate::db::users::User;
use crate::error::Error;
use crate::ops::OrgAccess;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "beacon_session";

fn rejection(status: axum::http::StatusCode, text: String) -> Response {
    json_error(status, code_for(status), text, BTreeMap::new())
}

/// A JSON body whose rejections (syntax, types, size, content type) answer in our error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e @ JsonRejection::JsonDataError(_)) => Err(rejection(
                e.status(),
                e.body_text().replace(
                    "Failed to deserialize the JSON body into the target type: ",
                    "",
                ),
            )),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

/// Query parameters whose rejections answer in our error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(e @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(rejection(e.status(), e.body_text()))
            }
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

/// Path parameters by name. A malformed path is a 404: nothing lives there.
pub struct PathParams(pub HashMap<String, String>);

impl PathParams {
    /// A parameter as an entity id; any other shape is `NotFound`.
    pub fn id(&self, name: &str) -> Result<crate::domain::Id, Error> {
        self.0
            .get(name)
            .and_then(|v| crate::domain::Id::parse(v))
            .ok_or(Error::NotFound)
    }

    /// A parameter as text.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state).await
        {
            Ok(p) => Ok(PathParams(p.0)),
            Err(e @ PathRejection::FailedToDeserializePathParams(_)) => {
                Err(rejection(axum::http::StatusCode::NOT_FOUND, e.body_text()))
            }
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

/// The value of a cookie in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address as the socket saw it.
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The signed-in user of the request's session cookie, if any.
pub async fn session_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(User, String)>, Error> {
    let Some(secret) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let secret = secret.to_owned();
    Ok(crate::ops::accounts::session_user(state, &secret)
        .await?
        .map(|u| (u, secret)))
}

/// Who is calling the API: an org-scoped token, or a signed-in user.
pub enum ApiCaller {
    Token(OrgAccess),
    User(User),
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let result = match bearer {
            Some(value) => match value.strip_prefix("Bearer ") {
                Some(secret) => crate::ops::tokens::authenticate(state, secret.trim())
                    .await
                    .map(|a| a.map(ApiCaller::Token)),
                None => Ok(None),
            },
            None => session_user(state, &parts.headers)
                .await
                .map(|u| u.map(|(u, _)| ApiCaller::User(u))),
        };
        match result {
            Ok(Some(caller)) => Ok(caller),
            Ok(None) => Err(ApiError(Error::Unauthorized).into_response()),
            Err(e) => Err(ApiError(e).into_response()),
        }
    }
}

/// The caller's access to the org named by the `{org}` path segment. A caller from another org
/// gets 404, exactly as for an org that does not exist.
pub struct ApiOrg(pub OrgAccess);

impl FromRequestParts<AppState> for ApiOrg {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = ApiCaller::from_request_parts(parts, state).await?;
        let params = PathParams::from_request_parts(parts, state).await?;
        let slug = params.get("org");
        let access = match caller {
            ApiCaller::Token(access) if access.org.slug == slug => Ok(access),
            ApiCaller::Token(_) => Err(Error::NotFound),
            ApiCaller::User(user) => crate::ops::orgs::access_for_user(state, &user, slug).await,
        };
        if let (Ok(a), Some(t)) = (&access, parts.extensions.get::<super::Touched>()) {
            t.set(&a.org.id);
        }
        access.map(ApiOrg).map_err(|e| ApiError(e).into_response())
    }
}

/// The client's IP address, for rate limits.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}
