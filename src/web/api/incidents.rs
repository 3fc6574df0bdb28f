//! `/api/v1/orgs/{org}/incidents`, their `/updates`, and `/incident-templates`.

use super::{double_option, parse_time, ApiResult};
use crate::db;
use crate::domain::{Impact, IncidentStatus, ServiceStatus};
use crate::ops::{
    self, incidents::IncidentChanges, incidents::NewIncident, incidents::NewUpdate,
    templates::TemplateInput,
};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg, ApiQuery, PathParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A service and the status an incident gives it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceStatusBody {
    #[schema(example = "k3j9x0a1b2c3")]
    pub id: String,
    pub status: ServiceStatus,
}

/// A service as one update set it, with the status it had before.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateServiceBody {
    pub id: String,
    pub status: ServiceStatus,
    pub old_status: ServiceStatus,
}

/// One entry of an incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentUpdateBody {
    pub id: String,
    pub status: IncidentStatus,
    /// Markdown.
    pub message: String,
    pub services: Vec<UpdateServiceBody>,
    pub notify: bool,
    #[schema(format = DateTime)]
    pub display_at: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Set when the update was edited.
    #[schema(format = DateTime)]
    pub edited_at: Option<String>,
}

/// A postmortem.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostmortemBody {
    /// Markdown.
    pub body: Option<String>,
    /// Null while a draft.
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
}

/// An incident with its timeline (newest update first).
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentBody {
    pub id: String,
    #[schema(example = "Elevated API error rates")]
    pub name: String,
    pub status: IncidentStatus,
    /// Derived from the worst status any update gave a service, unless overridden.
    pub impact: Impact,
    pub impact_override: Option<Impact>,
    /// Affected services with the status this incident last gave each.
    pub services: Vec<ServiceStatusBody>,
    pub backfilled: bool,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub monitoring_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    pub updates: Vec<IncidentUpdateBody>,
    pub postmortem: PostmortemBody,
}

fn rfc(t: Option<crate::domain::Timestamp>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

impl From<db::incidents::Incident> for IncidentBody {
    fn from(i: db::incidents::Incident) -> Self {
        IncidentBody {
            id: i.id.to_string(),
            name: i.name,
            status: i.status,
            impact: i.impact,
            impact_override: i.impact_override,
            services: i
                .services
                .into_iter()
                .map(|(id, status)| ServiceStatusBody {
                    id: id.to_string(),
                    status,
                })
                .collect(),
            backfilled: i.backfilled,
            started_at: i.started_at.to_rfc3339(),
            created_at: i.created_at.to_rfc3339(),
            updated_at: i.updated_at.to_rfc3339(),
            monitoring_at: rfc(i.monitoring_at),
            resolved_at: rfc(i.resolved_at),
            updates: i
                .updates
                .into_iter()
                .map(|u| IncidentUpdateBody {
                    id: u.id.to_string(),
                    status: u.status,
                    message: u.message,
                    services: u
                        .services
                        .into_iter()
                        .map(|(id, old, new)| UpdateServiceBody {
                            id: id.to_string(),
                            status: new,
                            old_status: old,
                        })
                        .collect(),
                    notify: u.notify,
                    display_at: u.display_at.to_rfc3339(),
                    created_at: u.created_at.to_rfc3339(),
                    edited_at: rfc(u.edited_at),
                })
                .collect(),
            postmortem: PostmortemBody {
                body: i.postmortem_body,
                published_at: rfc(i.postmortem_published_at),
            },
        }
    }
}

super::list_type!(IncidentList, IncidentBody);

fn pairs(list: Option<Vec<ServiceStatusBody>>) -> Vec<(String, ServiceStatus)> {
    list.unwrap_or_default()
        .into_iter()
        .map(|s| (s.id, s.status))
        .collect()
}

/// A new incident and its first update. `backfilled: true` records a past incident: it needs
/// `started_at` and `resolved_at`, and changes no current status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateIncident {
    #[schema(min_length = 1, max_length = 100, example = "Elevated API error rates")]
    pub name: String,
    /// Default `investigating`.
    pub status: Option<IncidentStatus>,
    pub impact_override: Option<Impact>,
    pub services: Option<Vec<ServiceStatusBody>>,
    /// The first update's text (Markdown).
    #[schema(
        min_length = 1,
        example = "We are investigating elevated error rates on the API."
    )]
    pub message: String,
    pub notify: Option<bool>,
    pub backfilled: Option<bool>,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
}

/// `?unresolved=true` lists only open incidents.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    pub unresolved: Option<bool>,
    /// How many (1-100; default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Lists incidents, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/incidents", operation_id = "listIncidents", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), IncidentQuery),
    responses((status = 200, description = "Incidents", body = IncidentList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult<Json<IncidentList>> {
    let which = if q.unresolved == Some(true) {
        db::incidents::Which::Unresolved
    } else {
        db::incidents::Which::All
    };
    Ok(Json(
        ops::incidents::list(&state, &access, which, ops::clamp_limit(q.limit, 50, 100))
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Opens an incident (or records a past one).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/incidents", operation_id = "createIncident", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug")), request_body = CreateIncident,
    responses((status = 201, description = "Created", body = IncidentBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<CreateIncident>,
) -> ApiResult<(StatusCode, Json<IncidentBody>)> {
    let input = NewIncident {
        name: body.name,
        status: body.status,
        impact_override: body.impact_override,
        services: pairs(body.services),
        message: body.message,
        notify: body.notify.unwrap_or(true),
        backfilled: body.backfilled.unwrap_or(false),
        started_at: body
            .started_at
            .as_deref()
            .map(|s| parse_time("started_at", s))
            .transpose()?,
        resolved_at: body
            .resolved_at
            .as_deref()
            .map(|s| parse_time("resolved_at", s))
            .transpose()?,
    };
    Ok((
        StatusCode::CREATED,
        Json(ops::incidents::create(&state, &access, input).await?.into()),
    ))
}

/// Reads an incident with its timeline.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/incidents/{id}", operation_id = "getIncident", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = IncidentBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<IncidentBody>> {
    Ok(Json(
        ops::incidents::get(&state, &access, &path.id("id")?)
            .await?
            .into(),
    ))
}

/// Changes of an incident's own fields; `impact_override: null` goes back to the derived impact.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateIncident {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Impact>)]
    pub impact_override: Option<Option<Impact>>,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
}

/// Renames an incident, overrides its impact or moves its start.
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/incidents/{id}", operation_id = "updateIncident", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    request_body = UpdateIncident, responses((status = 200, description = "The incident", body = IncidentBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<UpdateIncident>,
) -> ApiResult<Json<IncidentBody>> {
    let changes = IncidentChanges {
        name: body.name,
        impact_override: body.impact_override,
        started_at: body
            .started_at
            .as_deref()
            .map(|s| parse_time("started_at", s))
            .transpose()?,
    };
    Ok(Json(
        ops::incidents::update(&state, &access, &path.id("id")?, changes)
            .await?
            .into(),
    ))
}

/// Deletes an incident and its timeline.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/incidents/{id}", operation_id = "deleteIncident", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::incidents::delete(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new update: the status it moves the incident to (default: unchanged), its message, and the
/// statuses it sets on services (new ones become affected).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateIncidentUpdate {
    pub status: Option<IncidentStatus>,
    #[schema(
        min_length = 1,
        example = "A fix has been deployed; we are monitoring."
    )]
    pub message: String,
    pub services: Option<Vec<ServiceStatusBody>>,
    pub notify: Option<bool>,
    /// Shown time; defaults to now, may be earlier.
    #[schema(format = DateTime)]
    pub display_at: Option<String>,
}

/// Lists an incident's updates, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/incidents/{id}/updates", operation_id = "listIncidentUpdates", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "Updates", body = IncidentUpdateList)))]
pub async fn list_updates(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<IncidentUpdateList>> {
    let incident: IncidentBody = ops::incidents::get(&state, &access, &path.id("id")?)
        .await?
        .into();
    Ok(Json(IncidentUpdateList {
        data: incident.updates,
    }))
}

/// An incident's updates, as `{"data": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentUpdateList {
    pub data: Vec<IncidentUpdateBody>,
}

/// Posts an update; a resolved incident only takes updates that keep it resolved.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/incidents/{id}/updates", operation_id = "createIncidentUpdate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    request_body = CreateIncidentUpdate, responses((status = 201, description = "The new update", body = IncidentUpdateBody)))]
pub async fn create_update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<CreateIncidentUpdate>,
) -> ApiResult<(StatusCode, Json<IncidentUpdateBody>)> {
    let input = NewUpdate {
        status: body.status,
        message: body.message,
        services: pairs(body.services),
        notify: body.notify.unwrap_or(true),
        display_at: body
            .display_at
            .as_deref()
            .map(|s| parse_time("display_at", s))
            .transpose()?,
    };
    let (incident, update_id) =
        ops::incidents::post_update(&state, &access, &path.id("id")?, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(pick_update(incident, update_id.as_str())?),
    ))
}

/// Changes to an update's text or shown time.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditIncidentUpdate {
    #[schema(min_length = 1)]
    pub message: Option<String>,
    #[schema(format = DateTime)]
    pub display_at: Option<String>,
}

/// Edits an update (marked edited; statuses stay as they are).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/incidents/{id}/updates/{update_id}", operation_id = "editIncidentUpdate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id"), ("update_id" = String, Path, description = "Update id")),
    request_body = EditIncidentUpdate, responses((status = 200, description = "The update", body = IncidentUpdateBody)))]
pub async fn edit_update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<EditIncidentUpdate>,
) -> ApiResult<Json<IncidentUpdateBody>> {
    let display_at = body
        .display_at
        .as_deref()
        .map(|s| parse_time("display_at", s))
        .transpose()?;
    let update_id = path.id("update_id")?;
    let incident = ops::incidents::edit_update(
        &state,
        &access,
        &path.id("id")?,
        &update_id,
        body.message.as_deref(),
        display_at,
    )
    .await?;
    Ok(Json(pick_update(incident, update_id.as_str())?))
}

fn pick_update(
    incident: db::incidents::Incident,
    update_id: &str,
) -> Result<IncidentUpdateBody, crate::web::error::ApiError> {
    let body = IncidentBody::from(incident);
    body.updates
        .into_iter()
        .find(|u| u.id == update_id)
        .ok_or_else(|| crate::error::Error::NotFound.into())
}

/// Deletes an update other than the first (statuses stay as they are).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/incidents/{id}/updates/{update_id}", operation_id = "deleteIncidentUpdate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id"), ("update_id" = String, Path, description = "Update id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::incidents::delete_update(&state, &access, &path.id("id")?, &path.id("update_id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why the incident reopens.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReopenIncident {
    #[schema(
        min_length = 1,
        example = "The errors are back; we are investigating again."
    )]
    pub message: String,
}

/// Reopens a resolved incident: an update back to `investigating`.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/incidents/{id}/reopen", operation_id = "reopenIncident", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    request_body = ReopenIncident, responses((status = 200, description = "The incident", body = IncidentBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<ReopenIncident>,
) -> ApiResult<Json<IncidentBody>> {
    Ok(Json(
        ops::incidents::reopen(&state, &access, &path.id("id")?, &body.message)
            .await?
            .into(),
    ))
}

/// A postmortem to save; `published: true` publishes it (the incident must be resolved).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetPostmortem {
    /// Markdown.
    pub body: String,
    pub published: bool,
}

/// Saves or publishes the postmortem.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/incidents/{id}/postmortem", operation_id = "setPostmortem", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Incident id")),
    request_body = SetPostmortem, responses((status = 200, description = "The incident", body = IncidentBody)))]
pub async fn set_postmortem(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<SetPostmortem>,
) -> ApiResult<Json<IncidentBody>> {
    Ok(Json(
        ops::incidents::set_postmortem(
            &state,
            &access,
            &path.id("id")?,
            &body.body,
            body.published,
        )
        .await?
        .into(),
    ))
}

/// An incident template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateBody {
    pub id: String,
    #[schema(example = "Database failover")]
    pub name: String,
    /// The incident title it suggests.
    pub title: String,
    /// The first message it suggests (Markdown).
    pub body: String,
    pub services: Vec<ServiceStatusBody>,
}

impl From<db::templates::Template> for TemplateBody {
    fn from(t: db::templates::Template) -> Self {
        TemplateBody {
            id: t.id.to_string(),
            name: t.name,
            title: t.title,
            body: t.body,
            services: t
                .services
                .into_iter()
                .map(|(id, status)| ServiceStatusBody {
                    id: id.to_string(),
                    status,
                })
                .collect(),
        }
    }
}

super::list_type!(TemplateList, TemplateBody);

/// Fields of a template; on create `name` and `title` are required.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TemplateRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub title: Option<String>,
    pub body: Option<String>,
    pub services: Option<Vec<ServiceStatusBody>>,
}

impl From<TemplateRequest> for TemplateInput {
    fn from(r: TemplateRequest) -> Self {
        TemplateInput {
            name: r.name,
            title: r.title,
            body: r.body,
            services: r.services.map(|s| pairs(Some(s))),
        }
    }
}

/// Lists templates.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/incident-templates", operation_id = "listTemplates", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug")), responses((status = 200, description = "Templates", body = TemplateList)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
) -> ApiResult<Json<TemplateList>> {
    Ok(Json(
        ops::templates::list(&state, &access)
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Creates a template.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/incident-templates", operation_id = "createTemplate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug")), request_body = TemplateRequest,
    responses((status = 201, description = "Created", body = TemplateBody)))]
pub async fn create_template(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(body): ApiJson<TemplateRequest>,
) -> ApiResult<(StatusCode, Json<TemplateBody>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            ops::templates::create(&state, &access, body.into())
                .await?
                .into(),
        ),
    ))
}

/// Reads a template.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/incident-templates/{id}", operation_id = "getTemplate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Template id")),
    responses((status = 200, description = "The template", body = TemplateBody)))]
pub async fn get_template(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<Json<TemplateBody>> {
    Ok(Json(
        ops::templates::get(&state, &access, &path.id("id")?)
            .await?
            .into(),
    ))
}

/// Changes a template.
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/incident-templates/{id}", operation_id = "updateTemplate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Template id")),
    request_body = TemplateRequest, responses((status = 200, description = "The template", body = TemplateBody)))]
pub async fn update_template(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
    ApiJson(body): ApiJson<TemplateRequest>,
) -> ApiResult<Json<TemplateBody>> {
    Ok(Json(
        ops::templates::update(&state, &access, &path.id("id")?, body.into())
            .await?
            .into(),
    ))
}

/// Deletes a template.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/incident-templates/{id}", operation_id = "deleteTemplate", tag = "incidents",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Template id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_template(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    path: PathParams,
) -> ApiResult<StatusCode> {
    ops::templates::delete(&state, &access, &path.id("id")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
