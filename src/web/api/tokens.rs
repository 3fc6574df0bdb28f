//! `/api/v1/orgs/{org}/tokens`.

use super::{ApiResult, ListQuery, TokenBody, TokenList};
use crate::domain::Role;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg, ApiQuery, PathParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

/// A new token's name and role (no stronger than the caller's).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateToken {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub role: Role,
}

/// Lists live tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/tokens", operation_id = "listTokens", tag = "tokens", params(("org" = String, Path, description = "Organization slug"), ListQuery),
    responses((status = 200, description = "Tokens", body = TokenList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<TokenList>> {
    Ok(Json(
        ops::tokens::list(&state, &access, q.limit())
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Creates a token; its secret is in this response only.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/tokens", operation_id = "createToken", tag = "tokens", params(("org" = String, Path, description = "Organization slug")),
    request_body = CreateToken, responses((status = 201, description = "Created; `token` holds the secret", body = TokenBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<TokenBody>)> {
    let (token, secret) = ops::tokens::create(&state, &access, &body.name, body.role).await?;
    let mut body = TokenBody::from(token);
    body.token = Some(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

/// Revokes a token.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/tokens/{id}", operation_id = "revokeToken", tag = "tokens",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::tokens::revoke(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
