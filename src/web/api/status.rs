//! `/api/v1/orgs/{org}/services`, `/groups` and `/status-history`.

use super::{double_option, parse_time, ApiResult};
use crate::db;
use crate::domain::{Cause, ServiceStatus, Visibility};
use crate::ops::{self, services::GroupInput, services::ServiceInput};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg, ApiQuery, PathParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A service (a component, in Statuspage's words).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceBody {
    #[schema(example = "k3j9x0a1b2c3")]
    pub id: String,
    #[schema(example = "API")]
    pub name: String,
    pub description: Option<String>,
    pub status: ServiceStatus,
    pub group_id: Option<String>,
    /// The owning team.
    pub team_id: Option<String>,
    pub position: i64,
    pub visibility: Visibility,
    pub showcase: bool,
    pub only_show_if_degraded: bool,
    #[schema(example = "2026-01-31", format = Date)]
    pub start_date: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<db::services::Service> for ServiceBody {
    fn from(s: db::services::Service) -> Self {
        ServiceBody {
            id: s.id.to_string(),
            name: s.name,
            description: s.description,
            status: s.status,
            group_id: s.group_id.map(|g| g.to_string()),
            team_id: s.team_id.map(|t| t.to_string()),
            position: s.position,
            visibility: s.visibility,
            showcase: s.showcase,
            only_show_if_degraded: s.only_show_if_degraded,
            start_date: s.start_date,
            created_at: s.created_at.to_rfc3339(),
            updated_at: s.updated_at.to_rfc3339(),
        }
    }
}

/// Fields of a service; on create `name` is required, on PATCH any subset. Nullable fields
/// are cleared with `null`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ServiceRequest {
    #[schema(min_length = 1, max_length = 100, example = "API")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
    pub status: Option<ServiceStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub group_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i64>,
    pub visibility: Option<Visibility>,
    pub showcase: Option<bool>,
    pub only_show_if_degraded: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-01-31")]
    pub start_date: Option<Option<String>>,
}

impl From<ServiceRequest> for ServiceInput {
    fn from(r: ServiceRequest) -> Self {
        ServiceInput {
            name: r.name,
            description: r.description,
            status: r.status,
            group_id: r.group_id,
            team_id: r.team_id,
            position: r.position,
            visibility: r.visibility,
            showcase: r.showcase,
            only_show_if_degraded: r.only_show_if_degraded,
            start_date: r.start_date,
        }
    }
}

super::list_type!(ServiceList, ServiceBody);

/// `?team_id=` filters services by owning team.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// Only services owned by this team.
    pub team_id: Option<String>,
}

/// Lists services in page order.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/services", operation_id = "listServices", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ServiceQuery),
    responses((status = 200, description = "Services", body = ServiceList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<ServiceQuery>,
) -> ApiResult<Json<ServiceList>> {
    let services = ops::services::list(&state, &access).await?;
    let team = q.team_id.filter(|t| !t.is_empty());
    Ok(Json(
        services
            .into_iter()
            .filter(|s| team.is_none() || s.team_id.as_ref().map(|t| t.as_str()) == team.as_deref())
            .collect(),
    ))
}

/// Creates a service.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/services", operation_id = "createService", tag = "services",
    params(("org" = String, Path, description = "Organization slug")), request_body = ServiceRequest,
    responses((status = 201, description = "Created", body = ServiceBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<ServiceRequest>,
) -> ApiResult<(StatusCode, Json<ServiceBody>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            ops::services::create(&state, &access, body.into())
                .await?
                .into(),
        ),
    ))
}

/// Reads a service.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/services/{id}", operation_id = "getService", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Service id")),
    responses((status = 200, description = "The service", body = ServiceBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<ServiceBody>> {
    Ok(Json(
        ops::services::get(&state, &access, &path.id("id")?)
            .await?
            .into(),
    ))
}

/// Changes a service; a new `status` is a manual status change, recorded in the history.
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/services/{id}", operation_id = "updateService", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Service id")),
    request_body = ServiceRequest, responses((status = 200, description = "The service", body = ServiceBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<ServiceRequest>,
) -> ApiResult<Json<ServiceBody>> {
    Ok(Json(
        ops::services::update(&state, &access, &path.id("id")?, body.into())
            .await?
            .into(),
    ))
}

/// Deletes a service (incidents and history that name it keep it).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/services/{id}", operation_id = "deleteService", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Service id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::services::delete(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group of services.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupBody {
    pub id: String,
    #[schema(example = "Core")]
    pub name: String,
    pub position: i64,
    /// Shown collapsed on the public page.
    pub collapsed: bool,
}

impl From<db::services::Group> for GroupBody {
    fn from(g: db::services::Group) -> Self {
        GroupBody {
            id: g.id.to_string(),
            name: g.name,
            position: g.position,
            collapsed: g.collapsed,
        }
    }
}

/// Fields of a group; on create `name` is required.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct GroupRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i64>,
    pub collapsed: Option<bool>,
}

impl From<GroupRequest> for GroupInput {
    fn from(r: GroupRequest) -> Self {
        GroupInput {
            name: r.name,
            position: r.position,
            collapsed: r.collapsed,
        }
    }
}

super::list_type!(GroupList, GroupBody);

/// Lists groups.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/groups", operation_id = "listGroups", tag = "services",
    params(("org" = String, Path, description = "Organization slug")), responses((status = 200, description = "Groups", body = GroupList)))]
pub async fn list_groups(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
) -> ApiResult<Json<GroupList>> {
    Ok(Json(
        ops::services::list_groups(&state, &access)
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Creates a group.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/groups", operation_id = "createGroup", tag = "services",
    params(("org" = String, Path, description = "Organization slug")), request_body = GroupRequest,
    responses((status = 201, description = "Created", body = GroupBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<GroupRequest>,
) -> ApiResult<(StatusCode, Json<GroupBody>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            ops::services::create_group(&state, &access, body.into())
                .await?
                .into(),
        ),
    ))
}

/// Reads a group.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/groups/{id}", operation_id = "getGroup", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Group id")),
    responses((status = 200, description = "The group", body = GroupBody)))]
pub async fn get_group(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<GroupBody>> {
    Ok(Json(
        ops::services::get_group(&state, &access, &path.id("id")?)
            .await?
            .into(),
    ))
}

/// Changes a group.
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/groups/{id}", operation_id = "updateGroup", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Group id")),
    request_body = GroupRequest, responses((status = 200, description = "The group", body = GroupBody)))]
pub async fn update_group(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<GroupRequest>,
) -> ApiResult<Json<GroupBody>> {
    Ok(Json(
        ops::services::update_group(&state, &access, &path.id("id")?, body.into())
            .await?
            .into(),
    ))
}

/// Deletes a group; its services stay, ungrouped.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/groups/{id}", operation_id = "deleteGroup", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Group id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_group(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::services::delete_group(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One status change of a service.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryBody {
    pub id: String,
    pub service_id: String,
    /// Null for the entry that records a new service.
    pub old_status: Option<ServiceStatus>,
    pub new_status: ServiceStatus,
    #[schema(format = DateTime)]
    pub at: String,
    pub cause: Cause,
    /// The incident or maintenance behind the change.
    pub cause_id: Option<String>,
    /// Who made it: an email, `token:<name>`, or `scheduler`.
    pub actor: String,
}

impl From<db::history::Change> for HistoryEntryBody {
    fn from(c: db::history::Change) -> Self {
        HistoryEntryBody {
            id: c.id.to_string(),
            service_id: c.service_id.to_string(),
            old_status: c.old_status,
            new_status: c.new_status,
            at: c.at.to_rfc3339(),
            cause: c.cause,
            cause_id: c.cause_id.map(|i| i.to_string()),
            actor: c.actor,
        }
    }
}

/// `?service_id=&from=&to=&limit=&cursor=` for the status history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only this service's changes.
    pub service_id: Option<String>,
    /// Changes at or after this instant (RFC 3339).
    pub from: Option<String>,
    /// Changes before this instant (RFC 3339).
    pub to: Option<String>,
    /// How many entries (1-500; default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Reads the status history, oldest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/status-history", operation_id = "listStatusHistory", tag = "services",
    params(("org" = String, Path, description = "Organization slug"), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = HistoryPage)))]
pub async fn history(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<HistoryPage>> {
    let service_id = match q.service_id.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            crate::domain::Id::parse(s)
                .ok_or_else(|| crate::error::Error::invalid("service_id", "is not a service id"))?,
        ),
        None => None,
    };
    let filter = db::history::Filter {
        service_id,
        from: q
            .from
            .as_deref()
            .map(|s| parse_time("from", s))
            .transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        after: None,
    };
    let limit = ops::clamp_limit(q.limit, 100, 500);
    let (changes, next_cursor) =
        ops::services::history(&state, &access, filter, q.cursor.as_deref(), limit).await?;
    Ok(Json(HistoryPage {
        data: changes.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// A page of the status history; pass `next_cursor` back as `?cursor=` for the next (later) page.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub data: Vec<HistoryEntryBody>,
    /// Null on the last page.
    pub next_cursor: Option<String>,
}
