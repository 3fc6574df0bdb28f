//! The incidents list, the new-incident form (optionally pre-filled from a template) and the form
//! that records a past incident (backfill). One incident's page is in `incident`.

use super::csrf::Form;
use super::views::{self, Choice, Fields, Pick, When};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::incidents::{Incident, Which};
use crate::domain::maintenance::parse_instant;
use crate::domain::{FieldError, Id, Impact, IncidentStatus, Permission};
use crate::error::Error;
use crate::ops::{self, incidents::NewIncident};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;

/// An incident as lists show it.
pub struct IncidentRow {
    pub id: String,
    pub name: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub impact_label: &'static str,
    pub started: When,
    pub resolved: Option<When>,
    pub services: Vec<String>,
    pub backfilled: bool,
}

impl IncidentRow {
    fn new(i: Incident, zone: &str, names: &HashMap<Id, String>) -> Self {
        IncidentRow {
            id: i.id.to_string(),
            services: i
                .services
                .iter()
                .filter_map(|(id, _)| names.get(id).cloned())
                .collect(),
            name: i.name,
            status: i.status,
            impact: i.impact,
            impact_label: views::impact_label(i.impact),
            started: When::new(i.started_at, zone),
            resolved: i.resolved_at.map(|t| When::new(t, zone)),
            backfilled: i.backfilled,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/incidents.html")]
struct ListPage {
    layout: Layout,
    slug: String,
    open: Vec<IncidentRow>,
    resolved: Vec<IncidentRow>,
    can_manage: bool,
}

/// `GET /orgs/{org}/incidents`: open incidents first, then the latest resolved ones.
pub async fn list(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let zone = org.access.org.time_zone.clone();
    let names = views::service_names(&state, &org).await?;
    let all = ops::incidents::list(&state, &org.access, Which::All, 100).await?;
    let (resolved, open): (Vec<_>, Vec<_>) = all.into_iter().partition(|i| i.status.is_closed());
    let rows = |list: Vec<Incident>| -> Vec<IncidentRow> {
        list.into_iter()
            .map(|i| IncidentRow::new(i, &zone, &names))
            .collect()
    };
    Ok(render(&ListPage {
        layout: org.layout(&state).await?,
        slug: org.slug().to_owned(),
        open: rows(open),
        resolved: rows(resolved),
        can_manage: org.access.role.can(Permission::ManageStatus),
    }))
}

/// What was typed in the new-incident form.
#[derive(Debug, Clone)]
struct Draft {
    name: String,
    status: String,
    impact: String,
    message: String,
    notify: bool,
}

/// An id and a name, for selects.
struct Named {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "pages/incident_new.html")]
struct NewPage {
    layout: Layout,
    slug: String,
    templates: Vec<Named>,
    template: String,
    draft: Draft,
    picks: Vec<Pick>,
    statuses: Vec<Choice>,
    incident_statuses: Vec<Choice>,
    impacts: Vec<Choice>,
    errors: Errors,
}

async fn new_page(
    state: &AppState,
    org: &DashOrg,
    template: String,
    draft: Draft,
    picked: &[(String, String)],
    errors: Errors,
) -> Result<NewPage, PageError> {
    let services = ops::services::list(state, &org.access).await?;
    let templates = ops::templates::list(state, &org.access).await?;
    Ok(NewPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        templates: templates
            .into_iter()
            .map(|t| Named {
                id: t.id.to_string(),
                name: t.name,
            })
            .collect(),
        template,
        draft,
        picks: views::picks(&services, picked),
        statuses: views::service_statuses(),
        incident_statuses: views::open_incident_statuses(),
        impacts: views::impact_choices(),
        errors,
    })
}

/// `?template=` pre-fills the form from a template.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub template: String,
}

/// `GET /orgs/{org}/incidents/new`.
pub async fn new(
    State(state): State<AppState>,
    org: DashOrg,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let mut draft = Draft {
        name: String::new(),
        status: IncidentStatus::Investigating.as_str().to_owned(),
        impact: String::new(),
        message: String::new(),
        notify: true,
    };
    let mut picked = Vec::new();
    if !q.template.is_empty() {
        let id = Id::parse(&q.template).ok_or(Error::NotFound)?;
        let t = ops::templates::get(&state, &org.access, &id).await?;
        draft.name = t.title;
        draft.message = t.body;
        picked = t
            .services
            .iter()
            .map(|(id, st)| (id.to_string(), st.as_str().to_owned()))
            .collect();
    }
    let page = new_page(&state, &org, q.template, draft, &picked, Errors::default()).await?;
    Ok(render(&page))
}

/// An optional choice from a select: empty means none; anything else must parse.
pub fn optional<T>(
    raw: &str,
    field: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, Error> {
    if raw.is_empty() {
        return Ok(None);
    }
    parse(raw)
        .map(Some)
        .ok_or_else(|| Error::invalid(field, "is not one of the choices"))
}

/// `POST /orgs/{org}/incidents`: opens an incident.
pub async fn create(
    State(state): State<AppState>,
    org: DashOrg,
    Form(fields): Form<Fields>,
) -> PageResult {
    let draft = Draft {
        name: fields.get("name"),
        status: fields.get("status"),
        impact: fields.get("impact"),
        message: fields.get("message"),
        notify: fields.checked("notify"),
    };
    let picked = fields.picked();
    let input = || -> Result<NewIncident, Error> {
        Ok(NewIncident {
            name: draft.name.clone(),
            status: optional(&draft.status, "status", IncidentStatus::parse)?,
            impact_override: optional(&draft.impact, "impact", Impact::parse)?,
            services: views::parse_picks(&picked)?,
            message: draft.message.clone(),
            notify: draft.notify,
            ..Default::default()
        })
    };
    let result = match input() {
        Ok(input) => ops::incidents::create(&state, &org.access, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(incident) => Ok(done(
            &format!("/orgs/{}/incidents/{}", org.slug(), incident.id),
            Flash::IncidentOpened,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let template = fields.get("template");
            let page = new_page(&state, &org, template, draft, &picked, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// What was typed in the backfill form.
#[derive(Debug, Clone, Default)]
struct BackfillDraft {
    name: String,
    message: String,
    started_at: String,
    resolved_at: String,
}

#[derive(Template)]
#[template(path = "pages/incident_backfill.html")]
struct BackfillPage {
    layout: Layout,
    slug: String,
    zone: String,
    draft: BackfillDraft,
    picks: Vec<Pick>,
    statuses: Vec<Choice>,
    errors: Errors,
}

async fn backfill_page(
    state: &AppState,
    org: &DashOrg,
    draft: BackfillDraft,
    picked: &[(String, String)],
    errors: Errors,
) -> Result<BackfillPage, PageError> {
    let services = ops::services::list(state, &org.access).await?;
    Ok(BackfillPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        zone: org.access.org.time_zone.clone(),
        draft,
        picks: views::picks(&services, picked),
        statuses: views::service_statuses(),
        errors,
    })
}

/// `GET /orgs/{org}/incidents/backfill`.
pub async fn backfill_form(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let page = backfill_page(
        &state,
        &org,
        BackfillDraft::default(),
        &[],
        Errors::default(),
    )
    .await?;
    Ok(render(&page))
}

/// `POST /orgs/{org}/incidents/backfill`: records a past incident; times are read in the org's
/// time zone.
pub async fn backfill(
    State(state): State<AppState>,
    org: DashOrg,
    Form(fields): Form<Fields>,
) -> PageResult {
    let draft = BackfillDraft {
        name: fields.get("name"),
        message: fields.get("message"),
        started_at: fields.get("started_at"),
        resolved_at: fields.get("resolved_at"),
    };
    let picked = fields.picked();
    let zone = org.access.org.time_zone.clone();
    let input = || -> Result<NewIncident, Error> {
        let mut errors = Vec::new();
        let mut instant = |field: &'static str, raw: &str| match parse_instant(raw, &zone) {
            _ if raw.trim().is_empty() => {
                errors.push(FieldError::new(field, "is required"));
                None
            }
            Ok(t) => Some(t),
            Err(m) => {
                errors.push(FieldError::new(field, m));
                None
            }
        };
        let started_at = instant("started_at", &draft.started_at);
        let resolved_at = instant("resolved_at", &draft.resolved_at);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(NewIncident {
            name: draft.name.clone(),
            services: views::parse_picks(&picked)?,
            message: draft.message.clone(),
            backfilled: true,
            started_at,
            resolved_at,
            ..Default::default()
        })
    };
    let result = match input() {
        Ok(input) => ops::incidents::create(&state, &org.access, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(incident) => Ok(done(
            &format!("/orgs/{}/incidents/{}", org.slug(), incident.id),
            Flash::IncidentRecorded,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = backfill_page(&state, &org, draft, &picked, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
