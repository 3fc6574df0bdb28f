//! The services page: the list in page order, create, reorder, and the groups. One service's
//! edit and delete pages are in `service`.

use super::auth::EmptyForm;
use super::csrf::Form;
use super::views::{self, Choice};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::services::Service;
use crate::domain::{Id, Permission, ServiceStatus, Visibility};
use crate::error::Error;
use crate::ops;
use crate::ops::services::{GroupInput, ServiceInput};
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

/// An id and a name, for selects.
pub struct Named {
    pub id: String,
    pub name: String,
}

struct ServiceRow {
    id: String,
    name: String,
    description: String,
    group: String,
    team: String,
    private: bool,
    status: ServiceStatus,
    first: bool,
    last: bool,
}

struct GroupRow {
    id: String,
    name: String,
    collapsed: bool,
    count: usize,
}

/// The service form, as typed (checkboxes: non-empty when ticked).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServiceForm {
    pub name: String,
    pub description: String,
    pub group_id: String,
    pub team_id: String,
    pub visibility: String,
    pub status: String,
    pub showcase: String,
    pub only_show_if_degraded: String,
    pub start_date: String,
}

impl ServiceForm {
    pub(super) fn blank() -> Self {
        ServiceForm {
            visibility: "public".into(),
            status: "operational".into(),
            showcase: "on".into(),
            ..Default::default()
        }
    }

    pub(super) fn of(s: &Service) -> Self {
        let flag = |b: bool| if b { "on" } else { "" }.to_owned();
        let id = |i: &Option<Id>| i.as_ref().map(Id::to_string).unwrap_or_default();
        ServiceForm {
            name: s.name.clone(),
            description: s.description.clone().unwrap_or_default(),
            group_id: id(&s.group_id),
            team_id: id(&s.team_id),
            visibility: s.visibility.as_str().to_owned(),
            status: s.status.as_str().to_owned(),
            showcase: flag(s.showcase),
            only_show_if_degraded: flag(s.only_show_if_degraded),
            start_date: s.start_date.clone().unwrap_or_default(),
        }
    }

    /// The operation's input; `full` includes the fields only the edit page has.
    pub(super) fn input(&self, full: bool) -> Result<ServiceInput, Error> {
        let visibility = Visibility::parse(&self.visibility)
            .ok_or_else(|| Error::invalid("visibility", "must be public or private"))?;
        let status = ServiceStatus::parse(&self.status)
            .ok_or_else(|| Error::invalid("status", "is not a service status"))?;
        Ok(ServiceInput {
            name: Some(self.name.clone()),
            description: Some(Some(self.description.clone())),
            status: Some(status),
            group_id: Some(Some(self.group_id.clone())),
            team_id: Some(Some(self.team_id.clone())),
            position: None,
            visibility: Some(visibility),
            showcase: full.then_some(!self.showcase.is_empty()),
            only_show_if_degraded: full.then_some(!self.only_show_if_degraded.is_empty()),
            start_date: full.then(|| Some(self.start_date.clone())),
        })
    }
}

/// The group form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    pub name: String,
    pub collapsed: String,
}

#[derive(Template)]
#[template(path = "pages/services.html")]
struct ServicesPage {
    layout: Layout,
    slug: String,
    services: Vec<ServiceRow>,
    groups: Vec<GroupRow>,
    group_choices: Vec<Named>,
    teams: Vec<Named>,
    statuses: Vec<Choice>,
    can_manage: bool,
    form: ServiceForm,
    group_form: GroupForm,
    /// Messages of the new-service form and of the page.
    errors: Errors,
    /// Messages of the new-group form.
    group_errors: Errors,
}

pub(super) async fn choices(
    state: &AppState,
    org: &DashOrg,
) -> Result<(Vec<Named>, Vec<Named>), PageError> {
    let groups = ops::services::list_groups(state, &org.access).await?;
    let teams = ops::teams::list(state, &org.access, 1000).await?;
    Ok((
        groups
            .into_iter()
            .map(|g| Named {
                id: g.id.to_string(),
                name: g.name,
            })
            .collect(),
        teams
            .into_iter()
            .map(|t| Named {
                id: t.id.to_string(),
                name: t.name,
            })
            .collect(),
    ))
}

fn name_of(list: &[Named], id: &Option<Id>) -> String {
    id.as_ref()
        .and_then(|id| list.iter().find(|n| n.id == id.as_str()))
        .map(|n| n.name.clone())
        .unwrap_or_default()
}

async fn services_page(
    state: &AppState,
    org: &DashOrg,
    form: ServiceForm,
    group_form: GroupForm,
    failed: &'static str,
    errors: Errors,
) -> Result<ServicesPage, PageError> {
    let services = ops::services::list(state, &org.access).await?;
    let groups = ops::services::list_groups(state, &org.access).await?;
    let (group_choices, teams) = choices(state, org).await?;
    let n = services.len();
    let (errors, group_errors) = match failed {
        "group" => (Errors::default(), errors),
        _ => (errors, Errors::default()),
    };
    Ok(ServicesPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        groups: groups
            .into_iter()
            .map(|g| GroupRow {
                count: services
                    .iter()
                    .filter(|s| s.group_id.as_ref() == Some(&g.id))
                    .count(),
                id: g.id.to_string(),
                name: g.name,
                collapsed: g.collapsed,
            })
            .collect(),
        services: services
            .iter()
            .enumerate()
            .map(|(i, s)| ServiceRow {
                id: s.id.to_string(),
                name: s.name.clone(),
                description: s.description.clone().unwrap_or_default(),
                group: name_of(&group_choices, &s.group_id),
                team: name_of(&teams, &s.team_id),
                private: s.visibility == Visibility::Private,
                status: s.status,
                first: i == 0,
                last: i + 1 == n,
            })
            .collect(),
        group_choices,
        teams,
        statuses: views::service_statuses(),
        can_manage: org.access.role.can(Permission::ManageStatus),
        form,
        group_form,
        errors,
        group_errors,
    })
}

pub(super) fn list_url(org: &DashOrg) -> String {
    format!("/orgs/{}/services", org.slug())
}

/// `GET /orgs/{org}/services`.
pub async fn page(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let page = services_page(
        &state,
        &org,
        ServiceForm::blank(),
        GroupForm::default(),
        "",
        Errors::default(),
    )
    .await?;
    Ok(render(&page))
}

async fn refused(
    state: &AppState,
    org: &DashOrg,
    form: ServiceForm,
    group_form: GroupForm,
    failed: &'static str,
    e: Error,
) -> PageResult {
    let errors = Errors::from_error(e)?;
    let page = services_page(state, org, form, group_form, failed, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// `POST /orgs/{org}/services`.
pub async fn create(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<ServiceForm>,
) -> PageResult {
    let result = match form.input(false) {
        Ok(input) => ops::services::create(&state, &org.access, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&list_url(&org), Flash::ServiceCreated)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, form, GroupForm::default(), "service", e).await,
    }
}

/// Up or down.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    pub direction: String,
}

/// `POST /orgs/{org}/services/{id}/move`.
pub async fn shift(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let id = path.id("id")?;
    let direction = match form.direction.as_str() {
        "up" => -1,
        "down" => 1,
        _ => return Err(Error::BadRequest("direction must be up or down".into()).into()),
    };
    match ops::services::shift(&state, &org.access, &id, direction).await {
        Ok(()) => Ok(done(
            &format!("{}#service-{id}", list_url(&org)),
            Flash::OrderChanged,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let (form, groups) = (ServiceForm::blank(), GroupForm::default());
            refused(&state, &org, form, groups, "", e).await
        }
    }
}

/// `POST /orgs/{org}/groups`.
pub async fn create_group(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<GroupForm>,
) -> PageResult {
    let input = GroupInput {
        name: Some(form.name.clone()),
        position: None,
        collapsed: Some(!form.collapsed.is_empty()),
    };
    match ops::services::create_group(&state, &org.access, input).await {
        Ok(_) => Ok(done(&list_url(&org), Flash::GroupCreated)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, ServiceForm::blank(), form, "group", e).await,
    }
}

/// `POST /orgs/{org}/groups/{id}`: renames a group or changes whether it starts collapsed.
pub async fn update_group(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<GroupForm>,
) -> PageResult {
    let input = GroupInput {
        name: Some(form.name),
        position: None,
        collapsed: Some(!form.collapsed.is_empty()),
    };
    match ops::services::update_group(&state, &org.access, &path.id("id")?, input).await {
        Ok(_) => Ok(done(&list_url(&org), Flash::Saved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = views::lift(Errors::from_error(e)?, &["name"]);
            let page = services_page(
                &state,
                &org,
                ServiceForm::blank(),
                GroupForm::default(),
                "",
                errors,
            )
            .await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `POST /orgs/{org}/groups/{id}/delete`: its services stay, ungrouped.
pub async fn delete_group(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    match ops::services::delete_group(&state, &org.access, &path.id("id")?).await {
        Ok(()) => Ok(done(&list_url(&org), Flash::GroupDeleted)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let (form, groups) = (ServiceForm::blank(), GroupForm::default());
            refused(&state, &org, form, groups, "", e).await
        }
    }
}
