//! Services and groups: create, edit, reorder, delete, and every status change with its history.

use super::events::EventType;
use super::{events, OrgAccess};
use crate::db::{self, history::Change, services::Group, services::Service, AnyConnection};
use crate::domain::text::name;
use crate::domain::{Cause, FieldError, Id, Permission, ServiceStatus, Timestamp, Visibility};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// Changes a service's status and records it in the history (nothing if it is unchanged).
/// Every status change in Beacon goes through here.
#[allow(clippy::too_many_arguments)]
pub async fn change_status(
    c: &mut AnyConnection,
    org_id: &Id,
    service: &Service,
    new: ServiceStatus,
    cause: Cause,
    cause_id: Option<&Id>,
    actor: &str,
    now: Timestamp,
) -> Result<bool> {
    if service.status == new {
        return Ok(false);
    }
    db::services::set_status(c, org_id, &service.id, new, now).await?;
    let change = Change {
        id: Id::new(),
        service_id: service.id.clone(),
        old_status: Some(service.status),
        new_status: new,
        at: now,
        cause,
        cause_id: cause_id.cloned(),
        actor: actor.to_owned(),
    };
    db::history::insert(c, org_id, &change).await?;
    let mut after = service.clone();
    after.status = new;
    after.updated_at = now;
    let data = json!({
        "component": super::events::component(&after),
        "old_status": service.status,
        "new_status": new,
        "cause": cause,
    });
    let public = super::events::is_public(service);
    super::events::emit(
        c,
        org_id,
        now,
        EventType::ServiceStatusChanged,
        public,
        data,
    )
    .await?;
    Ok(true)
}

/// Fields of a service to create or change; `None` leaves a field as it is (`Some(None)` clears
/// a nullable one).
#[derive(Debug, Default, Clone)]
pub struct ServiceInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub status: Option<ServiceStatus>,
    pub group_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
    pub position: Option<i64>,
    pub visibility: Option<Visibility>,
    pub showcase: Option<bool>,
    pub only_show_if_degraded: Option<bool>,
    pub start_date: Option<Option<String>>,
}

async fn apply_input(
    c: &mut AnyConnection,
    org_id: &Id,
    s: &mut Service,
    input: &ServiceInput,
) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(n) = &input.name {
        match name("name", n) {
            Ok(n) => s.name = n,
            Err(e) => errors.push(e),
        }
    }
    if let Some(d) = &input.description {
        match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) if d.chars().count() > 2000 => errors.push(FieldError::new(
                "description",
                "must be at most 2000 characters",
            )),
            other => s.description = other.map(str::to_owned),
        }
    }
    if let Some(g) = &input.group_id {
        s.group_id = match g.as_deref().filter(|g| !g.is_empty()) {
            None => None,
            Some(g) => match Id::parse(g) {
                Some(gid) if db::services::get_group(c, org_id, &gid).await.is_ok() => Some(gid),
                _ => {
                    errors.push(FieldError::new(
                        "group_id",
                        "is not a group of this organization",
                    ));
                    s.group_id.clone()
                }
            },
        };
    }
    if let Some(t) = &input.team_id {
        s.team_id = match t.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => match Id::parse(t) {
                Some(tid) if db::teams::get(c, org_id, &tid).await.is_ok() => Some(tid),
                _ => {
                    errors.push(FieldError::new(
                        "team_id",
                        "is not a team of this organization",
                    ));
                    s.team_id.clone()
                }
            },
        };
    }
    if let Some(p) = input.position {
        if !(0..=1_000_000).contains(&p) {
            errors.push(FieldError::new("position", "must be between 0 and 1000000"));
        }
        s.position = p;
    }
    if let Some(v) = input.visibility {
        s.visibility = v;
    }
    if let Some(v) = input.showcase {
        s.showcase = v;
    }
    if let Some(v) = input.only_show_if_degraded {
        s.only_show_if_degraded = v;
    }
    if let Some(d) = &input.start_date {
        match d.as_deref().filter(|d| !d.is_empty()) {
            None => s.start_date = None,
            Some(d) => match d.parse::<jiff::civil::Date>() {
                Ok(date) => s.start_date = Some(date.to_string()),
                Err(_) => errors.push(FieldError::new("start_date", "is not a date (YYYY-MM-DD)")),
            },
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The org's services in page order (deleted ones hidden).
pub async fn list(state: &AppState, access: &OrgAccess) -> Result<Vec<Service>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::services::list(&mut *state.db.conn().await?, access.org_id()).await?)
}

/// One service.
pub async fn get(state: &AppState, access: &OrgAccess, service_id: &Id) -> Result<Service> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::services::get(&mut *state.db.conn().await?, access.org_id(), service_id).await?)
}

/// Creates a service; its first history entry says it was created with its status.
pub async fn create(state: &AppState, access: &OrgAccess, input: ServiceInput) -> Result<Service> {
    access.require(Permission::ManageStatus)?;
    if input.name.is_none() {
        return Err(Error::invalid("name", "is required"));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut s = Service {
        id: Id::new(),
        name: String::new(),
        description: None,
        status: input.status.unwrap_or(ServiceStatus::Operational),
        group_id: None,
        team_id: None,
        position: db::services::next_position(&mut tx, access.org_id()).await?,
        visibility: Visibility::Public,
        showcase: true,
        only_show_if_degraded: false,
        start_date: None,
        created_at: now,
        updated_at: now,
        deleted: false,
    };
    apply_input(&mut tx, access.org_id(), &mut s, &input).await?;
    let created = db::services::insert(&mut tx, access.org_id(), now, &s).await?;
    let change = Change {
        id: Id::new(),
        service_id: created.id.clone(),
        old_status: None,
        new_status: created.status,
        at: now,
        cause: Cause::Created,
        cause_id: None,
        actor: access.actor.label.clone(),
    };
    db::history::insert(&mut tx, access.org_id(), &change).await?;
    access
        .audit(
            &mut tx,
            now,
            "service.create",
            "service",
            created.id.as_str(),
            json!({"name": created.name, "status": created.status}),
        )
        .await?;
    events::emit_service(
        &mut tx,
        access.org_id(),
        now,
        EventType::ServiceCreated,
        &created,
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a service's fields and, by hand, its status.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    service_id: &Id,
    input: ServiceInput,
) -> Result<Service> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let before = db::services::get(&mut tx, access.org_id(), service_id).await?;
    let mut s = before.clone();
    apply_input(&mut tx, access.org_id(), &mut s, &input).await?;
    db::services::update(&mut tx, access.org_id(), now, &s).await?;
    if let Some(status) = input.status {
        if change_status(
            &mut tx,
            access.org_id(),
            &before,
            status,
            Cause::Manual,
            None,
            &access.actor.label,
            now,
        )
        .await?
        {
            let details = json!({"name": before.name, "from": before.status, "to": status});
            access
                .audit(
                    &mut tx,
                    now,
                    "service.status_change",
                    "service",
                    service_id.as_str(),
                    details,
                )
                .await?;
        }
    }
    if input.name.is_some()
        || input.description.is_some()
        || input.group_id.is_some()
        || input.team_id.is_some()
        || input.position.is_some()
        || input.visibility.is_some()
        || input.showcase.is_some()
        || input.only_show_if_degraded.is_some()
        || input.start_date.is_some()
    {
        access
            .audit(
                &mut tx,
                now,
                "service.update",
                "service",
                service_id.as_str(),
                json!({"name": s.name}),
            )
            .await?;
    }
    let updated = db::services::get(&mut tx, access.org_id(), service_id).await?;
    if updated.name != before.name
        || updated.description != before.description
        || updated.group_id != before.group_id
        || updated.position != before.position
        || updated.visibility != before.visibility
        || updated.showcase != before.showcase
        || updated.only_show_if_degraded != before.only_show_if_degraded
        || updated.start_date != before.start_date
    {
        // A service turning private goes quiet on public streams from this event on.
        let public = events::is_public(&updated);
        let data = json!({ "component": events::component(&updated) });
        events::emit(
            &mut tx,
            access.org_id(),
            now,
            EventType::ServiceUpdated,
            public,
            data,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// Moves a service one place up (`-1`) or down (`1`) in the page order.
pub async fn shift(
    state: &AppState,
    access: &OrgAccess,
    service_id: &Id,
    direction: i64,
) -> Result<()> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut services = db::services::list(&mut tx, access.org_id()).await?;
    let Some(i) = services.iter().position(|s| &s.id == service_id) else {
        return Err(Error::NotFound);
    };
    let j = i as i64 + direction.signum();
    if j < 0 || j >= services.len() as i64 {
        return Ok(());
    }
    services.swap(i, j as usize);
    for (position, s) in services.iter_mut().enumerate() {
        if s.position != position as i64 {
            s.position = position as i64;
            db::services::update(&mut tx, access.org_id(), now, s).await?;
        }
    }
    access
        .audit(
            &mut tx,
            now,
            "service.reorder",
            "service",
            service_id.as_str(),
            json!({"direction": if direction < 0 { "up" } else { "down" }}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a service from every list; incidents and history that name it keep it.
pub async fn delete(state: &AppState, access: &OrgAccess, service_id: &Id) -> Result<()> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let s = db::services::get(&mut tx, access.org_id(), service_id).await?;
    db::services::soft_delete(&mut tx, access.org_id(), service_id, now).await?;
    access
        .audit(
            &mut tx,
            now,
            "service.delete",
            "service",
            service_id.as_str(),
            json!({"name": s.name}),
        )
        .await?;
    events::emit_service(&mut tx, access.org_id(), now, EventType::ServiceDeleted, &s).await?;
    tx.commit().await?;
    Ok(())
}

/// Fields of a group; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct GroupInput {
    pub name: Option<String>,
    pub position: Option<i64>,
    pub collapsed: Option<bool>,
}

fn apply_group(g: &mut Group, input: &GroupInput) -> Result<()> {
    if let Some(n) = &input.name {
        g.name = name("name", n)?;
    }
    if let Some(p) = input.position {
        if !(0..=1_000_000).contains(&p) {
            return Err(Error::invalid("position", "must be between 0 and 1000000"));
        }
        g.position = p;
    }
    if let Some(c) = input.collapsed {
        g.collapsed = c;
    }
    Ok(())
}

/// The org's groups.
pub async fn list_groups(state: &AppState, access: &OrgAccess) -> Result<Vec<Group>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::services::list_groups(&mut *state.db.conn().await?, access.org_id()).await?)
}

/// One group.
pub async fn get_group(state: &AppState, access: &OrgAccess, group_id: &Id) -> Result<Group> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::services::get_group(&mut *state.db.conn().await?, access.org_id(), group_id).await?)
}

/// Creates a group.
pub async fn create_group(
    state: &AppState,
    access: &OrgAccess,
    input: GroupInput,
) -> Result<Group> {
    access.require(Permission::ManageStatus)?;
    if input.name.is_none() {
        return Err(Error::invalid("name", "is required"));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let position = db::services::next_group_position(&mut tx, access.org_id()).await?;
    let mut g = Group {
        id: Id::new(),
        name: String::new(),
        position,
        collapsed: false,
        created_at: now,
        updated_at: now,
    };
    apply_group(&mut g, &input)?;
    let g = db::services::insert_group(&mut tx, access.org_id(), now, &g).await?;
    access
        .audit(
            &mut tx,
            now,
            "group.create",
            "group",
            g.id.as_str(),
            json!({"name": g.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(g)
}

/// Changes a group.
pub async fn update_group(
    state: &AppState,
    access: &OrgAccess,
    group_id: &Id,
    input: GroupInput,
) -> Result<Group> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut g = db::services::get_group(&mut tx, access.org_id(), group_id).await?;
    apply_group(&mut g, &input)?;
    let g = db::services::update_group(&mut tx, access.org_id(), now, &g).await?;
    access
        .audit(
            &mut tx,
            now,
            "group.update",
            "group",
            g.id.as_str(),
            json!({"name": g.name, "collapsed": g.collapsed}),
        )
        .await?;
    tx.commit().await?;
    Ok(g)
}

/// Deletes a group; its services stay, ungrouped.
pub async fn delete_group(state: &AppState, access: &OrgAccess, group_id: &Id) -> Result<()> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let g = db::services::get_group(&mut tx, access.org_id(), group_id).await?;
    db::services::delete_group(&mut tx, access.org_id(), group_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "group.delete",
            "group",
            group_id.as_str(),
            json!({"name": g.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A page of status history, oldest first, and the cursor of the next page.
pub async fn history(
    state: &AppState,
    access: &OrgAccess,
    mut filter: db::history::Filter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<Change>, Option<String>)> {
    access.require(Permission::ReadDashboard)?;
    if let Some(c) = cursor {
        let parsed = db::audit::Cursor::decode(c)
            .ok_or_else(|| Error::invalid("cursor", "is not a cursor from this history"))?;
        filter.after = Some((parsed.at, parsed.id));
    }
    let (changes, more) = db::history::list(
        &mut *state.db.conn().await?,
        access.org_id(),
        &filter,
        limit,
    )
    .await?;
    let next = if more {
        changes.last().map(|c| {
            db::audit::Cursor {
                at: c.at.micros(),
                id: c.id.to_string(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok((changes, next))
}
