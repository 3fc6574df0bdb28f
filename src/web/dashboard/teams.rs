//! The teams page: create, rename, delete teams and choose their members.

use super::auth::EmptyForm;
use super::csrf::Form;
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageResult};
use crate::domain::{Id, Permission};
use crate::error::Error;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

struct Person {
    user_id: String,
    name: String,
}

struct TeamView {
    id: String,
    name: String,
    members: Vec<Person>,
    others: Vec<Person>,
}

#[derive(Template)]
#[template(path = "pages/teams.html")]
struct TeamsPage {
    layout: Layout,
    slug: String,
    teams: Vec<TeamView>,
    can_manage: bool,
    filter: String,
    new_name: String,
    errors: Errors,
}

/// `?member=` filters the page to the teams of one person.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamFilter {
    pub member: String,
}

async fn teams_page(
    state: &AppState,
    org: &DashOrg,
    filter: &str,
    new_name: String,
    errors: Errors,
) -> Result<TeamsPage, super::PageError> {
    let members = ops::members::list(state, &org.access, 1000).await?;
    let teams = ops::teams::list(state, &org.access, 1000).await?;
    let person = |id: &Id| {
        members.iter().find(|m| &m.user_id == id).map(|m| Person {
            user_id: m.user_id.to_string(),
            name: m.name.clone(),
        })
    };
    let views = teams
        .into_iter()
        .filter(|t| filter.is_empty() || t.member_ids.iter().any(|m| m.as_str() == filter))
        .map(|t| TeamView {
            id: t.id.to_string(),
            name: t.name,
            members: t.member_ids.iter().filter_map(person).collect(),
            others: members
                .iter()
                .filter(|m| !t.member_ids.contains(&m.user_id))
                .filter_map(|m| person(&m.user_id))
                .collect(),
        })
        .collect();
    Ok(TeamsPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        teams: views,
        can_manage: org.access.role.can(Permission::ManageMembers),
        filter: filter.to_owned(),
        new_name,
        errors,
    })
}

/// `GET /orgs/{org}/teams`.
pub async fn page(
    State(state): State<AppState>,
    org: DashOrg,
    Query(q): Query<TeamFilter>,
) -> PageResult {
    Ok(render(
        &teams_page(&state, &org, &q.member, String::new(), Errors::default()).await?,
    ))
}

/// A team's name.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    pub name: String,
}

async fn refused(state: &AppState, org: &DashOrg, new_name: String, e: Error) -> PageResult {
    let errors = Errors::from_error(e)?;
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &teams_page(state, org, "", new_name, errors).await?,
    ))
}

fn back(org: &DashOrg, flash: Flash) -> axum::response::Response {
    done(&format!("/orgs/{}/teams", org.slug()), flash)
}

/// `POST /orgs/{org}/teams`.
pub async fn create(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<NameForm>,
) -> PageResult {
    match ops::teams::create(&state, &org.access, &form.name).await {
        Ok(_) => Ok(back(&org, Flash::TeamCreated)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, form.name, e).await,
    }
}

/// `POST /orgs/{org}/teams/{id}/rename`.
pub async fn rename(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<NameForm>,
) -> PageResult {
    match ops::teams::rename(&state, &org.access, &path.id("id")?, &form.name).await {
        Ok(_) => Ok(back(&org, Flash::Saved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, String::new(), e).await,
    }
}

/// `POST /orgs/{org}/teams/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    ops::teams::delete(&state, &org.access, &path.id("id")?).await?;
    Ok(back(&org, Flash::TeamDeleted))
}

/// The member picked to join a team.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    pub user_id: String,
}

/// `POST /orgs/{org}/teams/{id}/members`.
pub async fn add_member(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let user_id = Id::parse(&form.user_id).ok_or(Error::NotFound)?;
    match ops::teams::add_member(&state, &org.access, &path.id("id")?, &user_id).await {
        Ok(()) => Ok(back(&org, Flash::Saved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, String::new(), e).await,
    }
}

/// `POST /orgs/{org}/teams/{id}/members/{user_id}/remove`.
pub async fn remove_member(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    ops::teams::remove_member(&state, &org.access, &path.id("id")?, &path.id("user_id")?).await?;
    Ok(back(&org, Flash::Saved))
}
