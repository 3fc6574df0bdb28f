//! The org's overview, the on-call view: the overall status, every service by group with a
//! one-click status change, the open incidents, and the maintenance running or coming.

use super::csrf::Form;
use super::views::{self, Choice, When};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::incidents::Which;
use crate::domain::status::worst;
use crate::domain::{
    Id, Impact, IncidentStatus, MaintenanceStatus, Permission, Role, ServiceStatus, Visibility,
};
use crate::error::Error;
use crate::ops::{self, services::ServiceInput};
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;

struct ServiceRow {
    id: String,
    name: String,
    status: ServiceStatus,
    team: Option<String>,
    private: bool,
}

struct GroupView {
    name: String,
    /// The rolled-up status; `None` for the services outside any group.
    status: Option<ServiceStatus>,
    services: Vec<ServiceRow>,
}

struct IncidentRow {
    id: String,
    name: String,
    status: IncidentStatus,
    impact: Impact,
    impact_label: &'static str,
    started: When,
    services: Vec<String>,
}

struct MaintenanceRow {
    id: String,
    name: String,
    status: MaintenanceStatus,
    starts: When,
    ends: When,
    services: Vec<String>,
}

struct TeamChoice {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "pages/org_overview.html")]
struct OverviewPage {
    layout: Layout,
    slug: String,
    name: String,
    zone: String,
    overall: ServiceStatus,
    overall_text: &'static str,
    affected: usize,
    total: usize,
    groups: Vec<GroupView>,
    incidents: Vec<IncidentRow>,
    running: Vec<MaintenanceRow>,
    upcoming: Vec<MaintenanceRow>,
    teams: Vec<TeamChoice>,
    team: String,
    here: String,
    can_manage: bool,
    statuses: Vec<Choice>,
    role: Role,
    members: usize,
    errors: Errors,
}

/// `?team=` shows only the services a team owns.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverviewQuery {
    pub team: String,
}

async fn overview_page(
    state: &AppState,
    org: &DashOrg,
    team: &str,
    errors: Errors,
) -> Result<OverviewPage, PageError> {
    let access = &org.access;
    let zone = access.org.time_zone.clone();
    let services = ops::services::list(state, access).await?;
    let groups = ops::services::list_groups(state, access).await?;
    let teams = ops::teams::list(state, access, 1000).await?;
    let members = ops::members::list(state, access, 1000).await?.len();
    let incidents = ops::incidents::list(state, access, Which::Unresolved, 50).await?;
    let maintenances = ops::maintenances::list(state, access, 200).await?;
    let names = views::service_names(state, org).await?;
    let team_names: HashMap<&Id, &str> = teams.iter().map(|t| (&t.id, t.name.as_str())).collect();

    let row = |s: &crate::db::services::Service| ServiceRow {
        id: s.id.to_string(),
        name: s.name.clone(),
        status: s.status,
        team: s
            .team_id
            .as_ref()
            .and_then(|t| team_names.get(t))
            .map(|n| (*n).to_owned()),
        private: s.visibility == Visibility::Private,
    };
    let shown = |s: &&crate::db::services::Service| {
        team.is_empty() || s.team_id.as_ref().is_some_and(|t| t.as_str() == team)
    };
    let mut views_by_group: Vec<GroupView> = groups
        .iter()
        .map(|g| {
            let mine: Vec<_> = services
                .iter()
                .filter(|s| s.group_id.as_ref() == Some(&g.id))
                .collect();
            GroupView {
                name: g.name.clone(),
                status: Some(worst(mine.iter().map(|s| s.status))),
                services: mine.into_iter().filter(shown).map(row).collect(),
            }
        })
        .collect();
    let known: Vec<&Id> = groups.iter().map(|g| &g.id).collect();
    views_by_group.push(GroupView {
        name: if groups.is_empty() {
            "Services".to_owned()
        } else {
            "Other services".to_owned()
        },
        status: None,
        services: services
            .iter()
            .filter(|s| !s.group_id.as_ref().is_some_and(|g| known.contains(&g)))
            .filter(shown)
            .map(row)
            .collect(),
    });
    views_by_group.retain(|g| !g.services.is_empty());

    let overall = worst(services.iter().map(|s| s.status));
    let affected = services
        .iter()
        .filter(|s| s.status != ServiceStatus::Operational)
        .count();
    let named = |ids: &mut dyn Iterator<Item = &Id>| -> Vec<String> {
        ids.filter_map(|id| names.get(id).cloned()).collect()
    };
    let incident_rows = incidents
        .into_iter()
        .map(|i| IncidentRow {
            id: i.id.to_string(),
            services: named(&mut i.services.iter().map(|(id, _)| id)),
            name: i.name,
            status: i.status,
            impact: i.impact,
            impact_label: views::impact_label(i.impact),
            started: When::new(i.started_at, &zone),
        })
        .collect();
    let maintenance_row = |m: &crate::db::maintenances::Maintenance| MaintenanceRow {
        id: m.id.to_string(),
        name: m.name.clone(),
        status: m.status,
        starts: When::new(m.starts_at, &zone),
        ends: When::new(m.ends_at, &zone),
        services: named(&mut m.services.iter().map(|(id, _)| id)),
    };
    let running = maintenances
        .iter()
        .filter(|m| m.status.is_active())
        .map(maintenance_row)
        .collect();
    let upcoming = maintenances
        .iter()
        .rev()
        .filter(|m| m.status == MaintenanceStatus::Scheduled)
        .take(5)
        .map(maintenance_row)
        .collect();
    let here = if team.is_empty() {
        format!("/orgs/{}", org.slug())
    } else {
        format!("/orgs/{}?team={}", org.slug(), super::encode(team))
    };
    Ok(OverviewPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        name: access.org.name.clone(),
        zone: zone.clone(),
        overall,
        overall_text: views::overall_sentence(overall),
        affected,
        total: services.len(),
        groups: views_by_group,
        incidents: incident_rows,
        running,
        upcoming,
        teams: teams
            .iter()
            .map(|t| TeamChoice {
                id: t.id.to_string(),
                name: t.name.clone(),
            })
            .collect(),
        team: team.to_owned(),
        here,
        can_manage: access.role.can(Permission::ManageStatus),
        statuses: views::service_statuses(),
        role: access.role,
        members,
        errors,
    })
}

/// `GET /orgs/{org}`.
pub async fn page(
    State(state): State<AppState>,
    org: DashOrg,
    Query(q): Query<OverviewQuery>,
) -> PageResult {
    Ok(render(
        &overview_page(&state, &org, &q.team, Errors::default()).await?,
    ))
}

/// The one-click status change, and the page to return to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    pub status: String,
    pub next: String,
}

/// `POST /orgs/{org}/services/{id}/status`: sets a service's status by hand.
pub async fn set_status(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<StatusForm>,
) -> PageResult {
    let id = path.id("id")?;
    let result = match ServiceStatus::parse(&form.status) {
        Some(status) => {
            let input = ServiceInput {
                status: Some(status),
                ..Default::default()
            };
            ops::services::update(&state, &org.access, &id, input).await
        }
        None => Err(Error::invalid("status", "is not a service status")),
    };
    match result {
        Ok(_) => {
            let back = views::back_in_org(&org, &form.next, &format!("/orgs/{}", org.slug()));
            Ok(done(&format!("{back}#svc-{id}"), Flash::StatusChanged))
        }
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = views::lift(Errors::from_error(e)?, &["status"]);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &overview_page(&state, &org, "", errors).await?,
            ))
        }
    }
}
