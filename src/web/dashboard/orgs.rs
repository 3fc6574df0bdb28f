//! Organization pages: create, settings, audit log (the overview is in `overview`).

use super::csrf::Form;
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageResult, SignedIn};
use crate::db::audit::Entry;
use crate::domain::Permission;
use crate::ops;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/org_new.html")]
struct NewOrgPage {
    layout: Layout,
    name: String,
    slug: String,
    errors: Errors,
}

/// `GET /orgs/new`.
pub async fn new_page(State(state): State<AppState>, me: SignedIn) -> PageResult {
    let layout = me.layout(&state).await?;
    Ok(render(&NewOrgPage {
        layout,
        name: String::new(),
        slug: String::new(),
        errors: Errors::default(),
    }))
}

/// The new-organization form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewOrgForm {
    pub name: String,
    pub slug: String,
}

/// `POST /orgs/new`.
pub async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<NewOrgForm>,
) -> PageResult {
    match ops::orgs::create(&state, &me.user, &form.slug, &form.name).await {
        Ok(org) => Ok(done(&format!("/orgs/{}", org.slug), Flash::OrgCreated)),
        Err(e) => {
            let page = NewOrgPage {
                layout: me.layout(&state).await?,
                name: form.name,
                slug: form.slug,
                errors: Errors::from_error(e)?,
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/org_settings.html")]
struct SettingsPage {
    layout: Layout,
    slug: String,
    form: SettingsForm,
    errors: Errors,
    can_edit: bool,
    can_delete: bool,
}

/// The settings form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub name: String,
    pub slug: String,
    pub time_zone: String,
}

fn settings_view(
    org: &DashOrg,
    layout: Layout,
    form: SettingsForm,
    errors: Errors,
) -> SettingsPage {
    SettingsPage {
        layout,
        slug: org.slug().to_owned(),
        form,
        errors,
        can_edit: org.access.role.can(Permission::ManageSettings),
        can_delete: org.access.role.can(Permission::ManageOwnership),
    }
}

/// `GET /orgs/{org}/settings`.
pub async fn settings(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let o = &org.access.org;
    let form = SettingsForm {
        name: o.name.clone(),
        slug: o.slug.clone(),
        time_zone: o.time_zone.clone(),
    };
    let layout = org.layout(&state).await?;
    Ok(render(&settings_view(
        &org,
        layout,
        form,
        Errors::default(),
    )))
}

/// `POST /orgs/{org}/settings`.
pub async fn update(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<SettingsForm>,
) -> PageResult {
    let changes = ops::orgs::OrgChanges {
        slug: Some(form.slug.clone()),
        name: Some(form.name.clone()),
        time_zone: Some(form.time_zone.clone()),
    };
    match ops::orgs::update(&state, &org.access, changes).await {
        Ok(updated) => Ok(done(
            &format!("/orgs/{}/settings", updated.slug),
            Flash::Saved,
        )),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let layout = org.layout(&state).await?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &settings_view(&org, layout, form, errors),
            ))
        }
    }
}

/// The delete form: the slug typed again as confirmation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub confirm: String,
}

/// `POST /orgs/{org}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    if form.confirm.trim() != org.slug() {
        let o = &org.access.org;
        let current = SettingsForm {
            name: o.name.clone(),
            slug: o.slug.clone(),
            time_zone: o.time_zone.clone(),
        };
        let mut errors = Errors::default();
        errors
            .fields
            .insert("confirm".into(), format!("type {} to confirm", o.slug));
        let layout = org.layout(&state).await?;
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &settings_view(&org, layout, current, errors),
        ));
    }
    ops::orgs::delete(&state, &org.access).await?;
    Ok(done("/", Flash::OrgDeleted))
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditRow>,
    older_url: Option<String>,
}

struct AuditRow {
    at: String,
    at_iso: String,
    actor: String,
    action: String,
    object: String,
    details: String,
}

impl AuditRow {
    fn new(e: Entry, zone: &str) -> Self {
        let details = match &e.details {
            serde_json::Value::Object(m) if m.is_empty() => String::new(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        AuditRow {
            at: e.at.display_in(zone),
            at_iso: e.at.to_rfc3339(),
            actor: e.actor,
            action: e.action,
            object: format!("{} {}", e.object_type, e.object_id),
            details,
        }
    }
}

/// `?cursor=` for the audit page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CursorQuery {
    pub cursor: Option<String>,
}

/// `GET /orgs/{org}/audit`.
pub async fn audit(
    State(state): State<AppState>,
    org: DashOrg,
    Query(q): Query<CursorQuery>,
) -> PageResult {
    let (entries, next) =
        ops::orgs::audit_log(&state, &org.access, q.cursor.as_deref(), 50).await?;
    let zone = org.access.org.time_zone.clone();
    let page = AuditPage {
        layout: org.layout(&state).await?,
        entries: entries
            .into_iter()
            .map(|e| AuditRow::new(e, &zone))
            .collect(),
        older_url: next.map(|c| format!("/orgs/{}/audit?cursor={}", org.slug(), super::encode(&c))),
    };
    Ok(render(&page))
}
