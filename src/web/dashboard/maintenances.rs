//! Scheduled maintenance: the list, the schedule form (local times read in a chosen zone), and a
//! window's page with its timeline, its next steps, and delete.

use super::csrf::Form;
use super::views::{self, Fields, When};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::maintenances::Maintenance;
use crate::domain::{markdown, Id, MaintenanceStatus, Permission, ServiceStatus};
use crate::error::Error;
use crate::ops::{self, maintenances::MaintenanceInput};
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;

/// Zones offered in the schedule form's suggestions (any IANA name may be typed).
pub(super) const COMMON_ZONES: [&str; 12] = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
];

struct Row {
    id: String,
    name: String,
    status: MaintenanceStatus,
    starts: When,
    ends: When,
    services: Vec<String>,
}

impl Row {
    fn new(m: &Maintenance, zone: &str, names: &HashMap<Id, String>) -> Self {
        Row {
            id: m.id.to_string(),
            name: m.name.clone(),
            status: m.status,
            starts: When::new(m.starts_at, zone),
            ends: When::new(m.ends_at, zone),
            services: m
                .services
                .iter()
                .filter_map(|(id, _)| names.get(id).cloned())
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/maintenances.html")]
struct ListPage {
    layout: Layout,
    slug: String,
    running: Vec<Row>,
    upcoming: Vec<Row>,
    past: Vec<Row>,
    can_manage: bool,
}

/// `GET /orgs/{org}/maintenances`: running, upcoming (soonest first), then past windows.
pub async fn list(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let zone = org.access.org.time_zone.clone();
    let names = views::service_names(&state, &org).await?;
    let all = ops::maintenances::list(&state, &org.access, 200).await?;
    let rows = |keep: &dyn Fn(&Maintenance) -> bool| -> Vec<Row> {
        all.iter()
            .filter(|m| keep(m))
            .map(|m| Row::new(m, &zone, &names))
            .collect()
    };
    let mut upcoming = rows(&|m| m.status == MaintenanceStatus::Scheduled);
    upcoming.reverse();
    Ok(render(&ListPage {
        layout: org.layout(&state).await?,
        slug: org.slug().to_owned(),
        running: rows(&|m| m.status.is_active()),
        upcoming,
        past: rows(&|m| m.status.is_final()),
        can_manage: org.access.role.can(Permission::ManageStatus),
    }))
}

/// What was typed in the schedule form.
#[derive(Debug, Clone)]
struct Draft {
    name: String,
    description: String,
    starts_at: String,
    ends_at: String,
    time_zone: String,
    auto_start: bool,
    auto_complete: bool,
    message: String,
}

struct ServiceCheck {
    id: String,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "pages/maintenance_new.html")]
struct NewPage {
    layout: Layout,
    slug: String,
    draft: Draft,
    services: Vec<ServiceCheck>,
    zones: Vec<&'static str>,
    errors: Errors,
}

async fn new_page(
    state: &AppState,
    org: &DashOrg,
    draft: Draft,
    chosen: &[String],
    errors: Errors,
) -> Result<NewPage, PageError> {
    let services = ops::services::list(state, &org.access).await?;
    Ok(NewPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        draft,
        services: services
            .into_iter()
            .map(|s| ServiceCheck {
                checked: chosen.iter().any(|c| c == s.id.as_str()),
                id: s.id.to_string(),
                name: s.name,
            })
            .collect(),
        zones: COMMON_ZONES.to_vec(),
        errors,
    })
}

/// `GET /orgs/{org}/maintenances/new`.
pub async fn new(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let draft = Draft {
        name: String::new(),
        description: String::new(),
        starts_at: String::new(),
        ends_at: String::new(),
        time_zone: org.access.org.time_zone.clone(),
        auto_start: true,
        auto_complete: true,
        message: String::new(),
    };
    Ok(render(
        &new_page(&state, &org, draft, &[], Errors::default()).await?,
    ))
}

/// `POST /orgs/{org}/maintenances`: schedules a window. The times go to the operation as typed;
/// it reads them in the chosen zone (and refuses a local time that DST skips).
pub async fn create(
    State(state): State<AppState>,
    org: DashOrg,
    Form(fields): Form<Fields>,
) -> PageResult {
    let draft = Draft {
        name: fields.get("name"),
        description: fields.get("description"),
        starts_at: fields.get("starts_at"),
        ends_at: fields.get("ends_at"),
        time_zone: fields.get("time_zone"),
        auto_start: fields.checked("auto_start"),
        auto_complete: fields.checked("auto_complete"),
        message: fields.get("message"),
    };
    let chosen = fields.all("services");
    let given = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    let input = MaintenanceInput {
        name: Some(draft.name.clone()),
        description: Some(draft.description.clone()),
        starts_at: given(&draft.starts_at),
        ends_at: given(&draft.ends_at),
        time_zone: given(&draft.time_zone),
        services: Some(chosen.clone()),
        auto_start: Some(draft.auto_start),
        auto_complete: Some(draft.auto_complete),
    };
    let message = given(&draft.message);
    match ops::maintenances::create(&state, &org.access, input, message).await {
        Ok(m) => Ok(done(
            &format!("/orgs/{}/maintenances/{}", org.slug(), m.id),
            Flash::MaintenanceScheduled,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = new_page(&state, &org, draft, &chosen, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

struct Entry {
    status: MaintenanceStatus,
    /// The message as safe HTML (`markdown::to_html`).
    html: String,
    at: When,
    edited: bool,
    actor: String,
}

struct Covered {
    name: String,
    status: Option<ServiceStatus>,
}

/// A status the next update may set.
struct Next {
    value: &'static str,
    label: String,
}

/// The statuses that make sense after `current` (staying put posts a plain note).
fn next_statuses(current: MaintenanceStatus) -> Vec<Next> {
    use MaintenanceStatus::*;
    let list: &[MaintenanceStatus] = match current {
        Scheduled => &[Scheduled, InProgress, Cancelled],
        InProgress => &[InProgress, Verifying, Completed, Cancelled],
        Verifying => &[Verifying, InProgress, Completed, Cancelled],
        Completed => &[Completed],
        Cancelled => &[Cancelled],
    };
    list.iter()
        .map(|s| Next {
            value: s.as_str(),
            label: if *s == current {
                format!("{} (no change)", s.label())
            } else {
                s.label().to_owned()
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/maintenance.html")]
struct ShowPage {
    layout: Layout,
    slug: String,
    id: String,
    name: String,
    description_html: String,
    status: MaintenanceStatus,
    starts: When,
    ends: When,
    org_zone: String,
    window_zone: String,
    /// The window in its own zone, when that is not the org's.
    local_window: Option<(String, String)>,
    auto_start: bool,
    auto_complete: bool,
    services: Vec<Covered>,
    timeline: Vec<Entry>,
    next: Vec<Next>,
    can_manage: bool,
    can_delete: bool,
    draft_status: String,
    draft_message: String,
    /// Which form the errors belong to: "update" or "delete".
    failed: &'static str,
    errors: Errors,
}

async fn show_page(state: &AppState, org: &DashOrg, id: &Id) -> Result<ShowPage, PageError> {
    let m = ops::maintenances::get(state, &org.access, id).await?;
    let zone = org.access.org.time_zone.clone();
    let services = ops::services::list(state, &org.access).await?;
    let names = views::service_names(state, org).await?;
    let local_window = (m.time_zone != zone).then(|| {
        (
            m.starts_at.display_in(&m.time_zone),
            m.ends_at.display_in(&m.time_zone),
        )
    });
    Ok(ShowPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        id: m.id.to_string(),
        name: m.name.clone(),
        description_html: markdown::to_html(&m.description),
        status: m.status,
        starts: When::new(m.starts_at, &zone),
        ends: When::new(m.ends_at, &zone),
        org_zone: zone.clone(),
        window_zone: m.time_zone.clone(),
        local_window,
        auto_start: m.auto_start,
        auto_complete: m.auto_complete,
        services: m
            .services
            .iter()
            .map(|(sid, _)| Covered {
                name: names.get(sid).cloned().unwrap_or_else(|| sid.to_string()),
                status: services.iter().find(|s| &s.id == sid).map(|s| s.status),
            })
            .collect(),
        timeline: m
            .updates
            .iter()
            .map(|u| Entry {
                status: u.status,
                html: markdown::to_html(&u.message),
                at: When::new(u.display_at, &zone),
                edited: u.edited_at.is_some(),
                actor: u.actor.clone(),
            })
            .collect(),
        next: next_statuses(m.status),
        can_manage: org.access.role.can(Permission::ManageStatus),
        can_delete: !m.status.is_active(),
        draft_status: m.status.as_str().to_owned(),
        draft_message: String::new(),
        failed: "",
        errors: Errors::default(),
    })
}

/// `GET /orgs/{org}/maintenances/{id}`.
pub async fn show(State(state): State<AppState>, org: DashOrg, path: PathParams) -> PageResult {
    Ok(render(&show_page(&state, &org, &path.id("id")?).await?))
}

/// A maintenance update.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UpdateForm {
    pub status: String,
    pub message: String,
}

/// `POST /orgs/{org}/maintenances/{id}/updates`.
pub async fn post_update(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<UpdateForm>,
) -> PageResult {
    let id = path.id("id")?;
    let result = match super::incidents::optional(&form.status, "status", MaintenanceStatus::parse)
    {
        Ok(status) => {
            ops::maintenances::post_update(&state, &org.access, &id, status, &form.message).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(
            &format!("/orgs/{}/maintenances/{id}", org.slug()),
            Flash::UpdatePosted,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let mut page = show_page(&state, &org, &id).await?;
            page.errors = Errors::from_error(e)?;
            page.failed = "update";
            page.draft_status = form.status;
            page.draft_message = form.message;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `POST /orgs/{org}/maintenances/{id}/delete`: deletes a window that is not running, once the
/// box is ticked.
pub async fn delete(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<super::service::ConfirmForm>,
) -> PageResult {
    let id = path.id("id")?;
    let result = if form.confirm == "yes" {
        ops::maintenances::delete(&state, &org.access, &id).await
    } else {
        Err(Error::invalid("confirm", "tick the box to confirm"))
    };
    match result {
        Ok(()) => Ok(done(
            &format!("/orgs/{}/maintenances", org.slug()),
            Flash::MaintenanceDeleted,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let mut page = show_page(&state, &org, &id).await?;
            page.errors = views::lift(Errors::from_error(e)?, &["status"]);
            page.failed = "delete";
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
