//! Incident templates: a prepared title, message and affected services to start an incident from.

use super::OrgAccess;
use crate::db::{self, templates::Template};
use crate::domain::text::name;
use crate::domain::{Id, Permission, ServiceStatus};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// Fields of a template; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub services: Option<Vec<(String, ServiceStatus)>>,
}

async fn apply(
    state: &AppState,
    access: &OrgAccess,
    t: &mut Template,
    input: TemplateInput,
) -> Result<()> {
    if let Some(n) = input.name {
        t.name = name("name", &n)?;
    }
    if let Some(n) = input.title {
        t.title = name("title", &n)?;
    }
    if let Some(b) = input.body {
        if b.chars().count() > 20_000 {
            return Err(Error::invalid("body", "must be at most 20000 characters"));
        }
        t.body = b.trim().to_owned();
    }
    if let Some(list) = input.services {
        let mut c = state.db.conn().await?;
        let mut services = Vec::new();
        for (raw, status) in list {
            match Id::parse(&raw) {
                Some(sid)
                    if db::services::get(&mut c, access.org_id(), &sid)
                        .await
                        .is_ok() =>
                {
                    services.push((sid, status))
                }
                _ => {
                    return Err(Error::invalid(
                        "services",
                        format!("{raw} is not a service of this organization"),
                    ))
                }
            }
        }
        t.services = services;
    }
    Ok(())
}

/// The org's templates.
pub async fn list(state: &AppState, access: &OrgAccess) -> Result<Vec<Template>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::templates::list(&mut *state.db.conn().await?, access.org_id()).await?)
}

/// One template.
pub async fn get(state: &AppState, access: &OrgAccess, id: &Id) -> Result<Template> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::templates::get(&mut *state.db.conn().await?, access.org_id(), id).await?)
}

/// Creates a template.
pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    input: TemplateInput,
) -> Result<Template> {
    access.require(Permission::ManageStatus)?;
    if input.name.is_none() || input.title.is_none() {
        return Err(Error::Invalid(
            [
                ("name", input.name.is_none()),
                ("title", input.title.is_none()),
            ]
            .into_iter()
            .filter(|(_, missing)| *missing)
            .map(|(f, _)| crate::domain::FieldError::new(f, "is required"))
            .collect(),
        ));
    }
    let mut t = Template {
        id: Id::new(),
        name: String::new(),
        title: String::new(),
        body: String::new(),
        services: Vec::new(),
    };
    apply(state, access, &mut t, input).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    db::templates::insert(&mut tx, access.org_id(), now, &t).await?;
    access
        .audit(
            &mut tx,
            now,
            "template.create",
            "template",
            t.id.as_str(),
            json!({"name": t.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(t)
}

/// Changes a template.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    id: &Id,
    input: TemplateInput,
) -> Result<Template> {
    access.require(Permission::ManageStatus)?;
    let mut t = db::templates::get(&mut *state.db.conn().await?, access.org_id(), id).await?;
    apply(state, access, &mut t, input).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    db::templates::update(&mut tx, access.org_id(), now, &t).await?;
    access
        .audit(
            &mut tx,
            now,
            "template.update",
            "template",
            id.as_str(),
            json!({"name": t.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(t)
}

/// Deletes a template.
pub async fn delete(state: &AppState, access: &OrgAccess, id: &Id) -> Result<()> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    db::templates::delete(&mut tx, access.org_id(), id).await?;
    access
        .audit(
            &mut tx,
            now,
            "template.delete",
            "template",
            id.as_str(),
            json!({}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
