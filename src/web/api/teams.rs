//! `/api/v1/orgs/{org}/teams` and their members.

use super::{ApiResult, ListQuery, MemberList, TeamBody, TeamList};
use crate::ops;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg, ApiQuery, PathParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

/// A team's name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamName {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// A member to add to a team.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddTeamMember {
    #[schema(min_length = 12, max_length = 12, pattern = "^[a-z0-9]{12}$")]
    pub user_id: String,
}

/// Lists the organization's teams.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/teams", operation_id = "listTeams", tag = "teams", params(("org" = String, Path, description = "Organization slug"), ListQuery),
    responses((status = 200, description = "Teams", body = TeamList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<TeamList>> {
    Ok(Json(
        ops::teams::list(&state, &access, q.limit())
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Creates a team.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/teams", operation_id = "createTeam", tag = "teams", params(("org" = String, Path, description = "Organization slug")),
    request_body = TeamName, responses((status = 201, description = "Created", body = TeamBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<TeamName>,
) -> ApiResult<(StatusCode, Json<TeamBody>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            ops::teams::create(&state, &access, &body.name)
                .await?
                .into(),
        ),
    ))
}

/// Reads a team.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/teams/{id}", operation_id = "getTeam", tag = "teams",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<TeamBody>> {
    Ok(Json(
        ops::teams::get(&state, &access, &path.id("id")?)
            .await?
            .into(),
    ))
}

/// Renames a team.
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/teams/{id}", operation_id = "updateTeam", tag = "teams",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Team id")),
    request_body = TeamName, responses((status = 200, description = "The team", body = TeamBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<TeamName>,
) -> ApiResult<Json<TeamBody>> {
    Ok(Json(
        ops::teams::rename(&state, &access, &path.id("id")?, &body.name)
            .await?
            .into(),
    ))
}

/// Deletes a team.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/teams/{id}", operation_id = "deleteTeam", tag = "teams",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Team id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::teams::delete(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists a team's members.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/teams/{id}/members", operation_id = "listTeamMembers", tag = "teams",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Team id")),
    responses((status = 200, description = "The team's members", body = MemberList)))]
pub async fn list_members(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<MemberList>> {
    let team = ops::teams::get(&state, &access, &path.id("id")?).await?;
    let members = ops::members::list(&state, &access, i64::MAX).await?;
    Ok(Json(
        members
            .into_iter()
            .filter(|m| team.member_ids.contains(&m.user_id))
            .collect(),
    ))
}

/// Adds one of the organization's members to a team.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/teams/{id}/members", operation_id = "addTeamMember", tag = "teams",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Team id")),
    request_body = AddTeamMember, responses((status = 204, description = "Added")))]
pub async fn add_member(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<AddTeamMember>,
) -> ApiResult<StatusCode> {
    let user_id = crate::domain::Id::parse(&body.user_id).ok_or_else(|| {
        crate::error::Error::invalid("user_id", "is not a member of this organization")
    })?;
    ops::teams::add_member(&state, &access, &path.id("id")?, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member from a team.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/teams/{id}/members/{user_id}", operation_id = "removeTeamMember", tag = "teams",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Team id"), ("user_id" = String, Path, description = "User id")),
    responses((status = 204, description = "Removed")))]
pub async fn remove_member(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::teams::remove_member(&state, &access, &path.id("id")?, &path.id("user_id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
