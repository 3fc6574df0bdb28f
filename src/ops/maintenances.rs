//! Scheduled maintenance: schedule a window, move it through its lifecycle by updates, and the
//! automatic start and completion at the window's edges.

use super::events::EventType;
use super::services::change_status;
use super::{events, Actor, OrgAccess};
use crate::db::{self, maintenances::Maintenance, maintenances::Update, AnyConnection};
use crate::domain::maintenance::{check_transition, due, parse_instant, Due};
use crate::domain::text::name;
use crate::domain::{
    Cause, FieldError, Id, MaintenanceStatus, Permission, ServiceStatus, TimeZoneName, Timestamp,
};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// Fields of a maintenance to create or change; `None` leaves a field as it is. Window times are
/// RFC 3339 with an offset, or a local date-time read in `time_zone`.
#[derive(Debug, Clone, Default)]
pub struct MaintenanceInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub time_zone: Option<String>,
    pub services: Option<Vec<String>>,
    pub auto_start: Option<bool>,
    pub auto_complete: Option<bool>,
}

async fn apply_input(
    c: &mut AnyConnection,
    org_id: &Id,
    m: &mut Maintenance,
    input: &MaintenanceInput,
) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(n) = &input.name {
        match name("name", n) {
            Ok(n) => m.name = n,
            Err(e) => errors.push(e),
        }
    }
    if let Some(d) = &input.description {
        if d.chars().count() > 20_000 {
            errors.push(FieldError::new(
                "description",
                "must be at most 20000 characters",
            ));
        }
        m.description = d.trim().to_owned();
    }
    if let Some(z) = &input.time_zone {
        match TimeZoneName::parse(z) {
            Ok(z) => m.time_zone = z.as_str().to_owned(),
            Err(e) => errors.push(e),
        }
    }
    for (field, value, target) in [
        ("starts_at", &input.starts_at, &mut m.starts_at),
        ("ends_at", &input.ends_at, &mut m.ends_at),
    ] {
        if let Some(v) = value {
            match parse_instant(v, &m.time_zone) {
                Ok(t) => *target = t,
                Err(msg) => errors.push(FieldError::new(field, msg)),
            }
        }
    }
    if errors.is_empty() && m.ends_at <= m.starts_at {
        errors.push(FieldError::new("ends_at", "must be after starts_at"));
    }
    if let Some(list) = &input.services {
        let mut services = Vec::new();
        for raw in list {
            match Id::parse(raw) {
                Some(sid) if db::services::get(c, org_id, &sid).await.is_ok() => {
                    if !services.iter().any(|(s, _)| s == &sid) {
                        let prior = m
                            .services
                            .iter()
                            .find(|(s, _)| s == &sid)
                            .and_then(|(_, p)| *p);
                        services.push((sid, prior));
                    }
                }
                _ => {
                    errors.push(FieldError::new(
                        "services",
                        format!("{raw} is not a service of this organization"),
                    ));
                    break;
                }
            }
        }
        m.services = services;
    }
    if let Some(a) = input.auto_start {
        m.auto_start = a;
    }
    if let Some(a) = input.auto_complete {
        m.auto_complete = a;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The org's maintenances, latest window first.
pub async fn list(state: &AppState, access: &OrgAccess, limit: i64) -> Result<Vec<Maintenance>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::maintenances::list(&mut *state.db.conn().await?, access.org_id(), limit).await?)
}

/// One maintenance.
pub async fn get(state: &AppState, access: &OrgAccess, id: &Id) -> Result<Maintenance> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::maintenances::get(&mut *state.db.conn().await?, access.org_id(), id).await?)
}

/// Schedules a window; its first update says so (with `message`, or the description).
pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    input: MaintenanceInput,
    message: Option<String>,
) -> Result<Maintenance> {
    access.require(Permission::ManageStatus)?;
    let mut missing = Vec::new();
    for (field, present) in [
        ("name", input.name.is_some()),
        ("starts_at", input.starts_at.is_some()),
        ("ends_at", input.ends_at.is_some()),
    ] {
        if !present {
            missing.push(FieldError::new(field, "is required"));
        }
    }
    if !missing.is_empty() {
        return Err(Error::Invalid(missing));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut m = Maintenance {
        id: Id::new(),
        org_id: access.org_id().clone(),
        name: String::new(),
        description: String::new(),
        status: MaintenanceStatus::Scheduled,
        starts_at: now,
        ends_at: now,
        time_zone: access.org.time_zone.clone(),
        auto_start: true,
        auto_complete: true,
        started_at: None,
        completed_at: None,
        created_at: now,
        updated_at: now,
        services: Vec::new(),
        updates: Vec::new(),
    };
    apply_input(&mut tx, access.org_id(), &mut m, &input).await?;
    db::maintenances::insert(&mut tx, &m).await?;
    let text = message
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            if m.description.is_empty() {
                format!("{} is scheduled.", m.name)
            } else {
                m.description.clone()
            }
        });
    add_update(
        &mut tx,
        &m,
        MaintenanceStatus::Scheduled,
        text,
        &access.actor.label,
        now,
    )
    .await?;
    access
        .audit(
            &mut tx,
            now,
            "maintenance.create",
            "maintenance",
            m.id.as_str(),
            json!({"name": m.name}),
        )
        .await?;
    let created = db::maintenances::get(&mut tx, access.org_id(), &m.id).await?;
    events::emit_maintenance(
        &mut tx,
        access.org_id(),
        now,
        EventType::MaintenanceCreated,
        &created,
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

async fn add_update(
    c: &mut AnyConnection,
    m: &Maintenance,
    status: MaintenanceStatus,
    message: String,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    let update = Update {
        id: Id::new(),
        status,
        message,
        notify: true,
        display_at: now,
        created_at: now,
        edited_at: None,
        actor: actor.to_owned(),
    };
    Ok(db::maintenances::insert_update(c, &m.org_id, &m.id, &update).await?)
}

/// Changes a window's fields. Its services can change only before it starts.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    id: &Id,
    input: MaintenanceInput,
) -> Result<Maintenance> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut m = db::maintenances::get(&mut tx, access.org_id(), id).await?;
    if m.status.is_final() {
        return Err(Error::invalid(
            "status",
            "the maintenance is over and can no longer change",
        ));
    }
    if input.services.is_some() && m.status != MaintenanceStatus::Scheduled {
        return Err(Error::invalid(
            "services",
            "can change only before the window starts",
        ));
    }
    apply_input(&mut tx, access.org_id(), &mut m, &input).await?;
    m.updated_at = now;
    db::maintenances::update(&mut tx, &m).await?;
    if input.services.is_some() {
        db::maintenances::replace_services(&mut tx, &m).await?;
    }
    access
        .audit(
            &mut tx,
            now,
            "maintenance.update",
            "maintenance",
            id.as_str(),
            json!({"name": m.name}),
        )
        .await?;
    let updated = db::maintenances::get(&mut tx, access.org_id(), id).await?;
    events::emit_maintenance(
        &mut tx,
        access.org_id(),
        now,
        EventType::MaintenanceUpdated,
        &updated,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Posts an update; a new status moves the window (and its services) as the scheduler would.
pub async fn post_update(
    state: &AppState,
    access: &OrgAccess,
    id: &Id,
    status: Option<MaintenanceStatus>,
    message: &str,
) -> Result<Maintenance> {
    access.require(Permission::ManageStatus)?;
    let message = super::incidents::check_message(message)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut m = db::maintenances::get(&mut tx, access.org_id(), id).await?;
    let next = status.unwrap_or(m.status);
    check_transition(m.status, next).map_err(|msg| Error::invalid("status", msg))?;
    move_to(&mut tx, &mut m, next, &access.actor.label, now).await?;
    add_update(&mut tx, &m, next, message, &access.actor.label, now).await?;
    access
        .audit(
            &mut tx,
            now,
            "maintenance_update.create",
            "maintenance",
            id.as_str(),
            json!({"status": next}),
        )
        .await?;
    let updated = db::maintenances::get(&mut tx, access.org_id(), id).await?;
    events::emit_maintenance(
        &mut tx,
        access.org_id(),
        now,
        EventType::MaintenanceUpdated,
        &updated,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Edits an update's message (marked edited).
pub async fn edit_update(
    state: &AppState,
    access: &OrgAccess,
    id: &Id,
    update_id: &Id,
    message: &str,
) -> Result<Maintenance> {
    access.require(Permission::ManageStatus)?;
    let message = super::incidents::check_message(message)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    db::maintenances::edit_update(&mut tx, access.org_id(), id, update_id, &message, now).await?;
    access
        .audit(
            &mut tx,
            now,
            "maintenance_update.edit",
            "maintenance",
            id.as_str(),
            json!({"update_id": update_id}),
        )
        .await?;
    let updated = db::maintenances::get(&mut tx, access.org_id(), id).await?;
    events::emit_maintenance(
        &mut tx,
        access.org_id(),
        now,
        EventType::MaintenanceUpdated,
        &updated,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a maintenance that is not running.
pub async fn delete(state: &AppState, access: &OrgAccess, id: &Id) -> Result<()> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let m = db::maintenances::get(&mut tx, access.org_id(), id).await?;
    if m.status.is_active() {
        return Err(Error::invalid(
            "status",
            "complete or cancel the maintenance before deleting it",
        ));
    }
    db::maintenances::delete(&mut tx, access.org_id(), id).await?;
    access
        .audit(
            &mut tx,
            now,
            "maintenance.delete",
            "maintenance",
            id.as_str(),
            json!({"name": m.name}),
        )
        .await?;
    events::emit_maintenance(
        &mut tx,
        access.org_id(),
        now,
        EventType::MaintenanceDeleted,
        &m,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves `m` to `next`, with what that does to its services: starting puts them under
/// maintenance (remembering each one's status), ending gives each back its status.
async fn move_to(
    c: &mut AnyConnection,
    m: &mut Maintenance,
    next: MaintenanceStatus,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    let was = m.status;
    if was == next {
        return Ok(());
    }
    if !db::maintenances::claim_transition(c, &m.org_id, &m.id, was, next, now).await? {
        return Err(Error::Conflict(FieldError::new(
            "status",
            "the maintenance changed meanwhile; reload and try again",
        )));
    }
    if !was.is_active() && next.is_active() {
        m.started_at.get_or_insert(now);
        start_services(c, m, actor, now).await?;
    }
    if was.is_active() && next.is_final() {
        finish_services(c, m, actor, now).await?;
    }
    if next.is_final() {
        m.completed_at = Some(now);
    }
    m.status = next;
    m.updated_at = now;
    db::maintenances::update(c, m).await?;
    let kind = if !was.is_active() && next.is_active() {
        EventType::MaintenanceStarted
    } else if next.is_final() {
        EventType::MaintenanceCompleted
    } else {
        EventType::MaintenanceUpdated
    };
    let org_id = m.org_id.clone();
    events::emit_maintenance(c, &org_id, now, kind, m).await
}

async fn start_services(
    c: &mut AnyConnection,
    m: &mut Maintenance,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    for (service_id, prior) in m.services.iter_mut() {
        let Ok(service) = db::services::get(c, &m.org_id, service_id).await else {
            continue;
        };
        // Under an overlapping window already: inherit that window's memory of the status before.
        let mut before = Some(service.status);
        if service.status == ServiceStatus::UnderMaintenance {
            for other in
                db::maintenances::other_active_covering(c, &m.org_id, &m.id, service_id).await?
            {
                let o = db::maintenances::get(c, &m.org_id, &other).await?;
                if let Some((_, p)) = o.services.iter().find(|(s, _)| s == service_id) {
                    before = *p;
                    break;
                }
            }
        }
        *prior = before;
        db::maintenances::set_prior_status(c, &m.id, service_id, before).await?;
        change_status(
            c,
            &m.org_id,
            &service,
            ServiceStatus::UnderMaintenance,
            Cause::Maintenance,
            Some(&m.id),
            actor,
            now,
        )
        .await?;
    }
    Ok(())
}

async fn finish_services(
    c: &mut AnyConnection,
    m: &Maintenance,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    for (service_id, prior) in &m.services {
        let Ok(service) = db::services::get(c, &m.org_id, service_id).await else {
            continue;
        };
        let others =
            db::maintenances::other_active_covering(c, &m.org_id, &m.id, service_id).await?;
        if let Some(last) = others.first() {
            // Another window still covers it: it returns when that one ends, to the status it had
            // before the first window took it.
            let o = db::maintenances::get(c, &m.org_id, last).await?;
            let theirs = o
                .services
                .iter()
                .find(|(s, _)| s == service_id)
                .and_then(|(_, p)| *p);
            if matches!(theirs, None | Some(ServiceStatus::UnderMaintenance)) {
                db::maintenances::set_prior_status(c, last, service_id, *prior).await?;
            }
            continue;
        }
        // Someone changed it during the window: their status stands.
        if service.status != ServiceStatus::UnderMaintenance {
            continue;
        }
        let back = prior
            .filter(|p| *p != ServiceStatus::UnderMaintenance)
            .unwrap_or(ServiceStatus::Operational);
        change_status(
            c,
            &m.org_id,
            &service,
            back,
            Cause::Maintenance,
            Some(&m.id),
            actor,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Runs every automatic transition due at the clock's now, across orgs; returns the orgs whose
/// maintenance moved (once per transition). Safe to run from several instances at once: each
/// transition is claimed in the database.
pub async fn run_due(state: &AppState) -> Result<Vec<Id>> {
    let now = state.now();
    let due_list = db::maintenances::due_all_orgs(&mut *state.db.conn().await?, now, 100).await?;
    let mut ran = Vec::new();
    for (org_id, id) in due_list {
        // One window failing must not keep the others (or the rebuild of those done) waiting.
        match transition(state, &org_id, &id, now).await {
            Ok(true) => ran.push(org_id),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(maintenance = %id, error = %e, "automatic maintenance transition failed; will retry")
            }
        }
    }
    Ok(ran)
}

/// Runs the transition due for one maintenance, if any and if no one ran it first.
async fn transition(state: &AppState, org_id: &Id, id: &Id, now: Timestamp) -> Result<bool> {
    let mut tx = state.db.begin().await?;
    let mut m = db::maintenances::get(&mut tx, org_id, id).await?;
    let (next, text) = match due(
        m.status,
        m.starts_at,
        m.ends_at,
        m.auto_start,
        m.auto_complete,
        now,
    ) {
        Due::Start => (
            MaintenanceStatus::InProgress,
            "The maintenance window has started.",
        ),
        Due::Complete => (
            MaintenanceStatus::Completed,
            "The maintenance window has ended; everything is back to normal.",
        ),
        Due::Nothing => return Ok(false),
    };
    match move_to(&mut tx, &mut m, next, "scheduler", now).await {
        Ok(()) => {}
        Err(Error::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e),
    }
    add_update(&mut tx, &m, next, text.to_owned(), "scheduler", now).await?;
    let org = db::orgs::get(&mut tx, org_id).await?;
    let access = OrgAccess {
        org,
        role: crate::domain::Role::Owner,
        actor: Actor {
            user_id: None,
            label: "scheduler".into(),
        },
    };
    access
        .audit(
            &mut tx,
            now,
            "maintenance.auto_transition",
            "maintenance",
            id.as_str(),
            json!({"status": next}),
        )
        .await?;
    tx.commit().await?;
    Ok(true)
}
