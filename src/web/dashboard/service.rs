//! One service: its edit page (every field) and its delete confirmation.

use super::csrf::Form;
use super::services::{choices, list_url, Named, ServiceForm};
use super::views::{self, Choice};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::services::Service;
use crate::domain::Permission;
use crate::error::Error;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/service_edit.html")]
struct EditPage {
    layout: Layout,
    slug: String,
    id: String,
    title: String,
    form: ServiceForm,
    group_choices: Vec<Named>,
    teams: Vec<Named>,
    statuses: Vec<Choice>,
    can_manage: bool,
    errors: Errors,
}

async fn edit_page(
    state: &AppState,
    org: &DashOrg,
    service: &Service,
    form: ServiceForm,
    errors: Errors,
) -> Result<EditPage, PageError> {
    let (group_choices, teams) = choices(state, org).await?;
    Ok(EditPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        id: service.id.to_string(),
        title: service.name.clone(),
        form,
        group_choices,
        teams,
        statuses: views::service_statuses(),
        can_manage: org.access.role.can(Permission::ManageStatus),
        errors,
    })
}

/// `GET /orgs/{org}/services/{id}`.
pub async fn edit(State(state): State<AppState>, org: DashOrg, path: PathParams) -> PageResult {
    let service = ops::services::get(&state, &org.access, &path.id("id")?).await?;
    let form = ServiceForm::of(&service);
    Ok(render(
        &edit_page(&state, &org, &service, form, Errors::default()).await?,
    ))
}

/// `POST /orgs/{org}/services/{id}`.
pub async fn update(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<ServiceForm>,
) -> PageResult {
    let service = ops::services::get(&state, &org.access, &path.id("id")?).await?;
    let result = match form.input(true) {
        Ok(input) => ops::services::update(&state, &org.access, &service.id, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&list_url(&org), Flash::Saved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = edit_page(&state, &org, &service, form, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/service_delete.html")]
struct DeletePage {
    layout: Layout,
    slug: String,
    id: String,
    name: String,
    errors: Errors,
}

/// `GET /orgs/{org}/services/{id}/delete`: asks first.
pub async fn confirm_delete(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
) -> PageResult {
    let service = ops::services::get(&state, &org.access, &path.id("id")?).await?;
    Ok(render(&DeletePage {
        layout: org.layout(&state).await?,
        slug: org.slug().to_owned(),
        id: service.id.to_string(),
        name: service.name,
        errors: Errors::default(),
    }))
}

/// The confirmation box of a delete.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    pub confirm: String,
}

/// `POST /orgs/{org}/services/{id}/delete`: deletes once the box is ticked.
pub async fn delete(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<ConfirmForm>,
) -> PageResult {
    let service = ops::services::get(&state, &org.access, &path.id("id")?).await?;
    let result = if form.confirm == "yes" {
        ops::services::delete(&state, &org.access, &service.id).await
    } else {
        Err(Error::invalid("confirm", "tick the box to confirm"))
    };
    match result {
        Ok(()) => Ok(done(&list_url(&org), Flash::ServiceDeleted)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &DeletePage {
                layout: org.layout(&state).await?,
                slug: org.slug().to_owned(),
                id: service.id.to_string(),
                name: service.name,
                errors: Errors::from_error(e)?,
            },
        )),
    }
}
