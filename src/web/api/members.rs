//! `/api/v1/orgs/{org}/members` and `/invitations`.

use super::{ApiResult, InvitationBody, InvitationList, ListQuery, MemberBody, MemberList};
use crate::domain::Role;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg, ApiQuery, PathParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

/// A new role for a member.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeRole {
    pub role: Role,
}

/// Whom to invite, with which role.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateInvitation {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    pub role: Role,
}

/// Lists the organization's members.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/members", operation_id = "listMembers", tag = "members", params(("org" = String, Path, description = "Organization slug"), ListQuery),
    responses((status = 200, description = "Members", body = MemberList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<MemberList>> {
    Ok(Json(
        ops::members::list(&state, &access, q.limit())
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Reads one member.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/members/{user_id}", operation_id = "getMember", tag = "members",
    params(("org" = String, Path, description = "Organization slug"), ("user_id" = String, Path, description = "User id")),
    responses((status = 200, description = "The member", body = MemberBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<MemberBody>> {
    Ok(Json(
        ops::members::get(&state, &access, &path.id("user_id")?)
            .await?
            .into(),
    ))
}

/// Changes a member's role (owners alone grant or take ownership; the last owner stays).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/members/{user_id}", operation_id = "updateMember", tag = "members",
    params(("org" = String, Path, description = "Organization slug"), ("user_id" = String, Path, description = "User id")),
    request_body = ChangeRole, responses((status = 200, description = "The member", body = MemberBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<ChangeRole>,
) -> ApiResult<Json<MemberBody>> {
    Ok(Json(
        ops::members::change_role(&state, &access, &path.id("user_id")?, body.role)
            .await?
            .into(),
    ))
}

/// Removes a member (or, for one's own id, leaves the organization).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/members/{user_id}", operation_id = "removeMember", tag = "members",
    params(("org" = String, Path, description = "Organization slug"), ("user_id" = String, Path, description = "User id")),
    responses((status = 204, description = "Removed")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::members::remove(&state, &access, &path.id("user_id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists pending invitations.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/invitations", operation_id = "listInvitations", tag = "invitations", params(("org" = String, Path, description = "Organization slug"), ListQuery),
    responses((status = 200, description = "Pending invitations", body = InvitationList)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<InvitationList>> {
    Ok(Json(
        ops::members::list_invitations(&state, &access, q.limit())
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Invites someone by email; the link is valid for 7 days and can be used once.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/invitations", operation_id = "createInvitation", tag = "invitations", params(("org" = String, Path, description = "Organization slug")),
    request_body = CreateInvitation, responses((status = 201, description = "Invited", body = InvitationBody)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<CreateInvitation>,
) -> ApiResult<(StatusCode, Json<InvitationBody>)> {
    let invitation = ops::members::invite(&state, &access, &body.email, body.role).await?;
    Ok((StatusCode::CREATED, Json(invitation.into())))
}

/// Revokes a pending invitation.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/invitations/{id}", operation_id = "revokeInvitation", tag = "invitations",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::members::revoke_invitation(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
