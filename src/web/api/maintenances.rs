//! `/api/v1/orgs/{org}/maintenances` and their `/updates`.

use super::ApiResult;
use crate::db;
use crate::domain::MaintenanceStatus;
use crate::ops::{self, maintenances::MaintenanceInput};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg, ApiQuery, PathParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One entry of a maintenance's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceUpdateBody {
    pub id: String,
    pub status: MaintenanceStatus,
    /// Markdown.
    pub message: String,
    #[schema(format = DateTime)]
    pub display_at: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub edited_at: Option<String>,
}

/// A maintenance window with its timeline (newest update first).
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceBody {
    pub id: String,
    #[schema(example = "Database upgrade")]
    pub name: String,
    pub description: String,
    pub status: MaintenanceStatus,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// The zone the window was entered in (IANA).
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// Ids of the services it puts under maintenance.
    pub services: Vec<String>,
    pub auto_start: bool,
    pub auto_complete: bool,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub updates: Vec<MaintenanceUpdateBody>,
}

impl From<db::maintenances::Maintenance> for MaintenanceBody {
    fn from(m: db::maintenances::Maintenance) -> Self {
        MaintenanceBody {
            id: m.id.to_string(),
            name: m.name,
            description: m.description,
            status: m.status,
            starts_at: m.starts_at.to_rfc3339(),
            ends_at: m.ends_at.to_rfc3339(),
            time_zone: m.time_zone,
            services: m
                .services
                .into_iter()
                .map(|(id, _)| id.to_string())
                .collect(),
            auto_start: m.auto_start,
            auto_complete: m.auto_complete,
            started_at: m.started_at.map(|t| t.to_rfc3339()),
            completed_at: m.completed_at.map(|t| t.to_rfc3339()),
            created_at: m.created_at.to_rfc3339(),
            updated_at: m.updated_at.to_rfc3339(),
            updates: m
                .updates
                .into_iter()
                .map(|u| MaintenanceUpdateBody {
                    id: u.id.to_string(),
                    status: u.status,
                    message: u.message,
                    display_at: u.display_at.to_rfc3339(),
                    created_at: u.created_at.to_rfc3339(),
                    edited_at: u.edited_at.map(|t| t.to_rfc3339()),
                })
                .collect(),
        }
    }
}

super::list_type!(MaintenanceList, MaintenanceBody);

/// Fields of a maintenance; on create `name`, `starts_at` and `ends_at` are required. Window times
/// are RFC 3339 with an offset, or a local date-time without one (`2026-03-08T02:30:00`) read in
/// `time_zone` (default: the organization's). A local time skipped by a DST change is refused; a
/// repeated one takes the earlier instant unless an offset is given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MaintenanceRequest {
    #[schema(min_length = 1, max_length = 100, example = "Database upgrade")]
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(example = "2026-03-08T01:00:00")]
    pub starts_at: Option<String>,
    #[schema(example = "2026-03-08T04:00:00")]
    pub ends_at: Option<String>,
    #[schema(example = "America/New_York")]
    pub time_zone: Option<String>,
    pub services: Option<Vec<String>>,
    /// Start by itself at `starts_at` (default true).
    pub auto_start: Option<bool>,
    /// Complete by itself at `ends_at` (default true).
    pub auto_complete: Option<bool>,
    /// On create: the first update's text (default: the description).
    pub message: Option<String>,
}

impl MaintenanceRequest {
    fn split(self) -> (MaintenanceInput, Option<String>) {
        let input = MaintenanceInput {
            name: self.name,
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            time_zone: self.time_zone,
            services: self.services,
            auto_start: self.auto_start,
            auto_complete: self.auto_complete,
        };
        (input, self.message)
    }
}

/// Lists maintenance, latest window first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/maintenances", operation_id = "listMaintenances", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), super::ListQuery),
    responses((status = 200, description = "Maintenance windows", body = MaintenanceList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<super::ListQuery>,
) -> ApiResult<Json<MaintenanceList>> {
    Ok(Json(
        ops::maintenances::list(&state, &access, q.limit())
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Schedules a maintenance window.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/maintenances", operation_id = "createMaintenance", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug")), request_body = MaintenanceRequest,
    responses((status = 201, description = "Scheduled", body = MaintenanceBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<MaintenanceRequest>,
) -> ApiResult<(StatusCode, Json<MaintenanceBody>)> {
    let (input, message) = body.split();
    Ok((
        StatusCode::CREATED,
        Json(
            ops::maintenances::create(&state, &access, input, message)
                .await?
                .into(),
        ),
    ))
}

/// Reads a maintenance window.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/maintenances/{id}", operation_id = "getMaintenance", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Maintenance id")),
    responses((status = 200, description = "The maintenance", body = MaintenanceBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<MaintenanceBody>> {
    Ok(Json(
        ops::maintenances::get(&state, &access, &path.id("id")?)
            .await?
            .into(),
    ))
}

/// Changes a window (its services only before it starts). Its status moves by updates.
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/maintenances/{id}", operation_id = "updateMaintenance", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Maintenance id")),
    request_body = MaintenanceRequest, responses((status = 200, description = "The maintenance", body = MaintenanceBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<MaintenanceRequest>,
) -> ApiResult<Json<MaintenanceBody>> {
    let (input, _) = body.split();
    Ok(Json(
        ops::maintenances::update(&state, &access, &path.id("id")?, input)
            .await?
            .into(),
    ))
}

/// Deletes a maintenance that is not running.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/maintenances/{id}", operation_id = "deleteMaintenance", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Maintenance id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::maintenances::delete(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new update; `status` moves the window (`cancelled` included, not after completion).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateMaintenanceUpdate {
    pub status: Option<MaintenanceStatus>,
    #[schema(min_length = 1, example = "The upgrade is under way.")]
    pub message: String,
}

/// An edited update's text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMaintenanceUpdate {
    #[schema(min_length = 1)]
    pub message: String,
}

/// A maintenance's updates, as `{"data": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceUpdateList {
    pub data: Vec<MaintenanceUpdateBody>,
}

/// Lists a window's updates, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/maintenances/{id}/updates", operation_id = "listMaintenanceUpdates", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Maintenance id")),
    responses((status = 200, description = "Updates", body = MaintenanceUpdateList)))]
pub async fn list_updates(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<MaintenanceUpdateList>> {
    let m: MaintenanceBody = ops::maintenances::get(&state, &access, &path.id("id")?)
        .await?
        .into();
    Ok(Json(MaintenanceUpdateList { data: m.updates }))
}

/// Posts an update, moving the window's status if one is given.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/maintenances/{id}/updates", operation_id = "createMaintenanceUpdate", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Maintenance id")),
    request_body = CreateMaintenanceUpdate, responses((status = 201, description = "The maintenance, with the new update first", body = MaintenanceBody)))]
pub async fn create_update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<CreateMaintenanceUpdate>,
) -> ApiResult<(StatusCode, Json<MaintenanceBody>)> {
    let m = ops::maintenances::post_update(
        &state,
        &access,
        &path.id("id")?,
        body.status,
        &body.message,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// Edits an update's text (marked edited).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/maintenances/{id}/updates/{update_id}", operation_id = "editMaintenanceUpdate", tag = "maintenance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Maintenance id"), ("update_id" = String, Path, description = "Update id")),
    request_body = EditMaintenanceUpdate, responses((status = 200, description = "The maintenance", body = MaintenanceBody)))]
pub async fn edit_update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<EditMaintenanceUpdate>,
) -> ApiResult<Json<MaintenanceBody>> {
    Ok(Json(
        ops::maintenances::edit_update(
            &state,
            &access,
            &path.id("id")?,
            &path.id("update_id")?,
            &body.message,
        )
        .await?
        .into(),
    ))
}
