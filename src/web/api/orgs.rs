//! `/api/v1/orgs` and `/api/v1/orgs/{org}`, and the org's audit log.

use super::{ApiResult, AuditPage, ListQuery, OrgBody, OrgList};
use crate::error::Error;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::{ApiCaller, ApiJson, ApiOrg, ApiQuery};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Fields of a new organization.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateOrg {
    /// 3-40 lowercase letters, digits and dashes.
    #[schema(min_length = 3, max_length = 40, pattern = "^[a-z0-9-]+$")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// Changes to an organization; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateOrg {
    #[schema(min_length = 3, max_length = 40, pattern = "^[a-z0-9-]+$")]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// IANA time zone, e.g. `Europe/Paris`.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
}

/// Lists the organizations the caller belongs to (a token sees its own org).
#[utoipa::path(get, path = "/api/v1/orgs", operation_id = "listOrgs", tag = "orgs", params(ListQuery),
    responses((status = 200, description = "The caller's organizations", body = OrgList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<OrgList>> {
    let orgs = match caller {
        ApiCaller::Token(access) => vec![access.org],
        ApiCaller::User(user) => {
            let memberships =
                crate::db::members::orgs_of_user(&mut *state.db.conn().await?, &user.id).await?;
            memberships.into_iter().map(|m| m.org).collect()
        }
    };
    Ok(Json(orgs.into_iter().take(q.limit() as usize).collect()))
}

/// Creates an organization owned by the signed-in user (org tokens cannot create orgs).
#[utoipa::path(post, path = "/api/v1/orgs", operation_id = "createOrg", tag = "orgs", request_body = CreateOrg,
    responses((status = 201, description = "Created", body = OrgBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateOrg>,
) -> ApiResult<(StatusCode, Json<OrgBody>)> {
    let ApiCaller::User(user) = caller else {
        return Err(Error::Forbidden(
            "an organization token cannot create organizations; sign in as a user".into(),
        )
        .into());
    };
    let org = ops::orgs::create(&state, &user, &body.slug, &body.name).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// Reads an organization.
#[utoipa::path(get, path = "/api/v1/orgs/{org}", operation_id = "getOrg", tag = "orgs", params(("org" = String, Path, description = "Organization slug")),
    responses((status = 200, description = "The organization", body = OrgBody)))]
pub async fn get(ApiOrg(access): ApiOrg) -> ApiResult<Json<OrgBody>> {
    Ok(Json(access.org.into()))
}

/// Changes an organization's slug, name or time zone (admins and owners).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}", operation_id = "updateOrg", tag = "orgs", params(("org" = String, Path, description = "Organization slug")),
    request_body = UpdateOrg, responses((status = 200, description = "Updated", body = OrgBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<UpdateOrg>,
) -> ApiResult<Json<OrgBody>> {
    let changes = ops::orgs::OrgChanges {
        slug: body.slug,
        name: body.name,
        time_zone: body.time_zone,
    };
    Ok(Json(
        ops::orgs::update(&state, &access, changes).await?.into(),
    ))
}

/// Deletes an organization and everything in it (owners only).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}", operation_id = "deleteOrg", tag = "orgs", params(("org" = String, Path, description = "Organization slug")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
) -> ApiResult<StatusCode> {
    ops::orgs::delete(&state, &access).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?limit=&cursor=` for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many entries to return (1-100; default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Reads the audit log, newest first (admins and owners).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/audit-log", operation_id = "listAuditLog", tag = "audit", params(("org" = String, Path, description = "Organization slug"), AuditQuery),
    responses((status = 200, description = "A page of entries", body = AuditPage)))]
pub async fn audit_log(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let limit = ops::clamp_limit(q.limit, 50, 100);
    let (entries, next_cursor) =
        ops::orgs::audit_log(&state, &access, q.cursor.as_deref(), limit).await?;
    Ok(Json(AuditPage {
        data: entries.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
