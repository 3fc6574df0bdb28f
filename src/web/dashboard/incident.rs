//! One incident's page: its timeline and the forms that move it (post an update, resolve with
//! services back to operational, reopen), edit its timeline, its postmortem, delete it.

use super::csrf::Form;
use super::incidents::optional;
use super::views::{self, Choice, Fields, Pick, When};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::incidents::Incident;
use crate::domain::{markdown, Id, Impact, IncidentStatus, Permission, ServiceStatus};
use crate::error::Error;
use crate::ops::{self, incidents::IncidentChanges, incidents::NewUpdate};
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

struct Affected {
    name: String,
    status: ServiceStatus,
}

struct Change {
    name: String,
    from: ServiceStatus,
    to: ServiceStatus,
}

struct Entry {
    id: String,
    status: IncidentStatus,
    message: String,
    /// The message as safe HTML (`markdown::to_html`).
    html: String,
    at: When,
    edited: Option<When>,
    actor: String,
    changes: Vec<Change>,
    first: bool,
}

/// What was typed in the post-update form.
struct UpdateDraft {
    status: String,
    message: String,
    notify: bool,
    all_operational: bool,
}

#[derive(Template)]
#[template(path = "pages/incident.html")]
struct IncidentPage {
    layout: Layout,
    slug: String,
    zone: String,
    id: String,
    name: String,
    status: IncidentStatus,
    closed: bool,
    backfilled: bool,
    impact: Impact,
    impact_label: &'static str,
    impact_override: String,
    started: When,
    resolved: Option<When>,
    affected: Vec<Affected>,
    timeline: Vec<Entry>,
    postmortem_html: Option<String>,
    postmortem_body: String,
    postmortem_published: Option<When>,
    can_manage: bool,
    statuses: Vec<Choice>,
    incident_statuses: Vec<Choice>,
    impacts: Vec<Choice>,
    update: UpdateDraft,
    affected_picks: Vec<Pick>,
    other_picks: Vec<Pick>,
    others_chosen: bool,
    reopen_message: String,
    edit_name: String,
    /// Which form the errors belong to: update, reopen, postmortem, edit, delete or entry.
    failed: &'static str,
    /// The timeline entry whose edit failed.
    failed_entry: String,
    errors: Errors,
}

async fn incident_page(
    state: &AppState,
    org: &DashOrg,
    incident: Incident,
    picked: &[(String, String)],
) -> Result<IncidentPage, PageError> {
    let zone = org.access.org.time_zone.clone();
    let names = views::service_names(state, org).await?;
    let name_of = |id: &Id| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let services = ops::services::list(state, &org.access).await?;
    let (mine, others): (Vec<_>, Vec<_>) = services
        .into_iter()
        .partition(|s| incident.services.iter().any(|(id, _)| id == &s.id));
    let first = incident
        .updates
        .iter()
        .min_by_key(|u| (u.created_at, u.id.clone()))
        .map(|u| u.id.clone());
    let timeline = incident
        .updates
        .iter()
        .map(|u| Entry {
            id: u.id.to_string(),
            status: u.status,
            html: markdown::to_html(&u.message),
            message: u.message.clone(),
            at: When::new(u.display_at, &zone),
            edited: u.edited_at.map(|t| When::new(t, &zone)),
            actor: u.actor.clone(),
            changes: u
                .services
                .iter()
                .map(|(id, from, to)| Change {
                    name: name_of(id),
                    from: *from,
                    to: *to,
                })
                .collect(),
            first: first.as_ref() == Some(&u.id),
        })
        .collect();
    Ok(IncidentPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        id: incident.id.to_string(),
        name: incident.name.clone(),
        status: incident.status,
        closed: incident.status.is_closed(),
        backfilled: incident.backfilled,
        impact: incident.impact,
        impact_label: views::impact_label(incident.impact),
        impact_override: incident
            .impact_override
            .map(|i| i.as_str().to_owned())
            .unwrap_or_default(),
        started: When::new(incident.started_at, &zone),
        resolved: incident.resolved_at.map(|t| When::new(t, &zone)),
        affected: incident
            .services
            .iter()
            .map(|(id, status)| Affected {
                name: name_of(id),
                status: *status,
            })
            .collect(),
        timeline,
        postmortem_html: incident.postmortem_body.as_deref().map(markdown::to_html),
        postmortem_body: incident.postmortem_body.clone().unwrap_or_default(),
        postmortem_published: incident
            .postmortem_published_at
            .map(|t| When::new(t, &zone)),
        can_manage: org.access.role.can(Permission::ManageStatus),
        statuses: views::service_statuses(),
        incident_statuses: views::open_incident_statuses(),
        impacts: views::impact_choices(),
        update: UpdateDraft {
            status: if incident.status.is_closed() {
                IncidentStatus::Resolved.as_str().to_owned()
            } else {
                incident.status.as_str().to_owned()
            },
            message: String::new(),
            notify: true,
            all_operational: true,
        },
        affected_picks: views::picks(&mine, picked)
            .into_iter()
            .map(|mut p| {
                p.note = incident
                    .services
                    .iter()
                    .find(|(id, _)| id.as_str() == p.id)
                    .map(|(_, st)| format!("Now {}", st.label().to_lowercase()))
                    .unwrap_or_default();
                p
            })
            .collect(),
        other_picks: views::picks(&others, picked),
        others_chosen: others
            .iter()
            .any(|s| picked.iter().any(|(id, _)| id == s.id.as_str())),
        reopen_message: String::new(),
        edit_name: incident.name,
        zone,
        failed: "",
        failed_entry: String::new(),
        errors: Errors::default(),
    })
}

fn incident_url(org: &DashOrg, id: &Id) -> String {
    format!("/orgs/{}/incidents/{id}", org.slug())
}

/// `GET /orgs/{org}/incidents/{id}`.
pub async fn show(State(state): State<AppState>, org: DashOrg, path: PathParams) -> PageResult {
    let incident = ops::incidents::get(&state, &org.access, &path.id("id")?).await?;
    Ok(render(&incident_page(&state, &org, incident, &[]).await?))
}

/// Shows the page again with a refused form's messages; `edit` puts back what was typed.
async fn refused(
    state: &AppState,
    org: &DashOrg,
    id: &Id,
    failed: &'static str,
    picked: &[(String, String)],
    e: Error,
    edit: impl FnOnce(&mut IncidentPage),
) -> PageResult {
    if matches!(e, Error::NotFound | Error::Internal(_)) {
        return Err(e.into());
    }
    let errors = views::lift(Errors::from_error(e)?, &["update_id", "display_at"]);
    let incident = ops::incidents::get(state, &org.access, id).await?;
    let mut page = incident_page(state, org, incident, picked).await?;
    page.failed = failed;
    page.errors = errors;
    edit(&mut page);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn back(org: &DashOrg, id: &Id, flash: Flash) -> Response {
    done(&incident_url(org, id), flash)
}

/// `POST /orgs/{org}/incidents/{id}/updates`: posts an update. Resolving with "back to
/// operational" ticked sets every affected service to operational in the same update.
pub async fn post_update(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(fields): Form<Fields>,
) -> PageResult {
    let id = path.id("id")?;
    let incident = ops::incidents::get(&state, &org.access, &id).await?;
    let draft = UpdateDraft {
        status: fields.get("status"),
        message: fields.get("message"),
        notify: fields.checked("notify"),
        all_operational: fields.checked("all_operational"),
    };
    let picked = fields.picked();
    let input = || -> Result<NewUpdate, Error> {
        let status = optional(&draft.status, "status", IncidentStatus::parse)?;
        let mut services = views::parse_picks(&picked)?;
        if status == Some(IncidentStatus::Resolved) && draft.all_operational {
            for (sid, _) in &incident.services {
                if !services.iter().any(|(s, _)| s == sid.as_str()) {
                    services.push((sid.to_string(), ServiceStatus::Operational));
                }
            }
            for (_, st) in services.iter_mut() {
                *st = ServiceStatus::Operational;
            }
        }
        Ok(NewUpdate {
            status,
            message: draft.message.clone(),
            services,
            notify: draft.notify,
            display_at: None,
        })
    };
    let result = match input() {
        Ok(input) => ops::incidents::post_update(&state, &org.access, &id, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(back(&org, &id, Flash::UpdatePosted)),
        Err(e) => {
            refused(&state, &org, &id, "update", &picked, e, |p| {
                p.update = draft
            })
            .await
        }
    }
}

/// A message alone (reopen, edit an update).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    pub message: String,
}

/// `POST /orgs/{org}/incidents/{id}/reopen`.
pub async fn reopen(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<MessageForm>,
) -> PageResult {
    let id = path.id("id")?;
    match ops::incidents::reopen(&state, &org.access, &id, &form.message).await {
        Ok(_) => Ok(back(&org, &id, Flash::IncidentReopened)),
        Err(e) => {
            let message = form.message;
            refused(&state, &org, &id, "reopen", &[], e, |p| {
                p.reopen_message = message
            })
            .await
        }
    }
}

/// `POST /orgs/{org}/incidents/{id}/updates/{update_id}`: changes an update's message.
pub async fn edit_update(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<MessageForm>,
) -> PageResult {
    let (id, update_id) = (path.id("id")?, path.id("update_id")?);
    let result = ops::incidents::edit_update(
        &state,
        &org.access,
        &id,
        &update_id,
        Some(&form.message),
        None,
    )
    .await;
    match result {
        Ok(_) => Ok(back(&org, &id, Flash::Saved)),
        Err(e) => {
            let message = form.message;
            refused(&state, &org, &id, "entry", &[], e, |p| {
                p.failed_entry = update_id.to_string();
                if let Some(entry) = p.timeline.iter_mut().find(|u| u.id == update_id.as_str()) {
                    entry.message = message;
                }
            })
            .await
        }
    }
}

/// `POST /orgs/{org}/incidents/{id}/updates/{update_id}/delete` (any but the first).
pub async fn delete_update(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<super::auth::EmptyForm>,
) -> PageResult {
    let (id, update_id) = (path.id("id")?, path.id("update_id")?);
    match ops::incidents::delete_update(&state, &org.access, &id, &update_id).await {
        Ok(_) => Ok(back(&org, &id, Flash::UpdateDeleted)),
        Err(e) => {
            refused(&state, &org, &id, "entry", &[], e, |p| {
                p.failed_entry = update_id.to_string()
            })
            .await
        }
    }
}

/// The postmortem editor.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostmortemForm {
    pub body: String,
    pub publish: String,
}

/// `POST /orgs/{org}/incidents/{id}/postmortem`.
pub async fn postmortem(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<PostmortemForm>,
) -> PageResult {
    let id = path.id("id")?;
    let publish = !form.publish.is_empty();
    match ops::incidents::set_postmortem(&state, &org.access, &id, &form.body, publish).await {
        Ok(_) => Ok(back(&org, &id, Flash::PostmortemSaved)),
        Err(e) => {
            let body = form.body;
            refused(&state, &org, &id, "postmortem", &[], e, |p| {
                p.postmortem_body = body
            })
            .await
        }
    }
}

/// The incident's own fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    pub name: String,
    pub impact: String,
}

/// `POST /orgs/{org}/incidents/{id}`: renames it or overrides its impact.
pub async fn edit(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<EditForm>,
) -> PageResult {
    let id = path.id("id")?;
    let result = match optional(&form.impact, "impact", Impact::parse) {
        Ok(impact) => {
            let changes = IncidentChanges {
                name: Some(form.name.clone()),
                impact_override: Some(impact),
                started_at: None,
            };
            ops::incidents::update(&state, &org.access, &id, changes).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(back(&org, &id, Flash::Saved)),
        Err(e) => {
            refused(&state, &org, &id, "edit", &[], e, |p| {
                p.edit_name = form.name;
                p.impact_override = form.impact;
            })
            .await
        }
    }
}

/// `POST /orgs/{org}/incidents/{id}/delete`: deletes once the box is ticked.
pub async fn delete(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<super::service::ConfirmForm>,
) -> PageResult {
    let id = path.id("id")?;
    let result = if form.confirm == "yes" {
        ops::incidents::delete(&state, &org.access, &id).await
    } else {
        Err(Error::invalid("confirm", "tick the box to confirm"))
    };
    match result {
        Ok(()) => Ok(done(
            &format!("/orgs/{}/incidents", org.slug()),
            Flash::IncidentDeleted,
        )),
        Err(e) => refused(&state, &org, &id, "delete", &[], e, |_| {}).await,
    }
}
