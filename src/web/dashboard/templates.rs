//! Incident templates: a prepared title, message and services to open an incident from.

use super::auth::EmptyForm;
use super::csrf::Form;
use super::views::{self, Choice, Fields, Pick};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageError, PageResult};
use crate::db::templates::Template as IncidentTemplate;
use crate::domain::Permission;
use crate::error::Error;
use crate::ops::{self, templates::TemplateInput};
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

/// What was typed in a template form.
#[derive(Debug, Clone, Default)]
struct Draft {
    name: String,
    title: String,
    body: String,
}

struct Row {
    id: String,
    name: String,
    title: String,
    services: usize,
}

#[derive(Template)]
#[template(path = "pages/templates.html")]
struct ListPage {
    layout: Layout,
    slug: String,
    templates: Vec<Row>,
    can_manage: bool,
    draft: Draft,
    picks: Vec<Pick>,
    statuses: Vec<Choice>,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    org: &DashOrg,
    draft: Draft,
    picked: &[(String, String)],
    errors: Errors,
) -> Result<ListPage, PageError> {
    let templates = ops::templates::list(state, &org.access).await?;
    let services = ops::services::list(state, &org.access).await?;
    Ok(ListPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        templates: templates
            .into_iter()
            .map(|t| Row {
                id: t.id.to_string(),
                services: t.services.len(),
                name: t.name,
                title: t.title,
            })
            .collect(),
        can_manage: org.access.role.can(Permission::ManageStatus),
        draft,
        picks: views::picks(&services, picked),
        statuses: views::service_statuses(),
        errors,
    })
}

/// `GET /orgs/{org}/templates`.
pub async fn list(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let page = list_page(&state, &org, Draft::default(), &[], Errors::default()).await?;
    Ok(render(&page))
}

fn read(fields: &Fields) -> (Draft, Vec<(String, String)>) {
    let draft = Draft {
        name: fields.get("name"),
        title: fields.get("title"),
        body: fields.get("body"),
    };
    (draft, fields.picked())
}

fn input(draft: &Draft, picked: &[(String, String)]) -> Result<TemplateInput, Error> {
    Ok(TemplateInput {
        name: Some(draft.name.clone()),
        title: Some(draft.title.clone()),
        body: Some(draft.body.clone()),
        services: Some(views::parse_picks(picked)?),
    })
}

fn list_url(org: &DashOrg) -> String {
    format!("/orgs/{}/templates", org.slug())
}

/// `POST /orgs/{org}/templates`.
pub async fn create(
    State(state): State<AppState>,
    org: DashOrg,
    Form(fields): Form<Fields>,
) -> PageResult {
    let (draft, picked) = read(&fields);
    let result = match input(&draft, &picked) {
        Ok(input) => ops::templates::create(&state, &org.access, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&list_url(&org), Flash::TemplateCreated)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = list_page(&state, &org, draft, &picked, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/template_edit.html")]
struct EditPage {
    layout: Layout,
    slug: String,
    id: String,
    heading: String,
    can_manage: bool,
    draft: Draft,
    picks: Vec<Pick>,
    statuses: Vec<Choice>,
    errors: Errors,
}

async fn edit_page(
    state: &AppState,
    org: &DashOrg,
    t: &IncidentTemplate,
    draft: Draft,
    picked: &[(String, String)],
    errors: Errors,
) -> Result<EditPage, PageError> {
    let services = ops::services::list(state, &org.access).await?;
    Ok(EditPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        id: t.id.to_string(),
        heading: t.name.clone(),
        can_manage: org.access.role.can(Permission::ManageStatus),
        draft,
        picks: views::picks(&services, picked),
        statuses: views::service_statuses(),
        errors,
    })
}

/// `GET /orgs/{org}/templates/{id}`.
pub async fn edit(State(state): State<AppState>, org: DashOrg, path: PathParams) -> PageResult {
    let t = ops::templates::get(&state, &org.access, &path.id("id")?).await?;
    let draft = Draft {
        name: t.name.clone(),
        title: t.title.clone(),
        body: t.body.clone(),
    };
    let picked: Vec<(String, String)> = t
        .services
        .iter()
        .map(|(id, st)| (id.to_string(), st.as_str().to_owned()))
        .collect();
    let page = edit_page(&state, &org, &t, draft, &picked, Errors::default()).await?;
    Ok(render(&page))
}

/// `POST /orgs/{org}/templates/{id}`.
pub async fn update(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(fields): Form<Fields>,
) -> PageResult {
    let t = ops::templates::get(&state, &org.access, &path.id("id")?).await?;
    let (draft, picked) = read(&fields);
    let result = match input(&draft, &picked) {
        Ok(input) => ops::templates::update(&state, &org.access, &t.id, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&list_url(&org), Flash::Saved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = edit_page(&state, &org, &t, draft, &picked, errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `POST /orgs/{org}/templates/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    match ops::templates::delete(&state, &org.access, &path.id("id")?).await {
        Ok(()) => Ok(done(&list_url(&org), Flash::TemplateDeleted)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = list_page(&state, &org, Draft::default(), &[], errors).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
