//! Incidents: open one, post updates that move it and its services, edit the timeline, resolve,
//! reopen, backfill past incidents, publish a postmortem.

use super::events::EventType;
use super::services::change_status;
use super::{events, OrgAccess};
use crate::db::{self, incidents::Incident, incidents::Update, services::Service, AnyConnection};
use crate::domain::incident::check_update;
use crate::domain::status::incident_impact;
use crate::domain::text::name;
use crate::domain::{
    Cause, FieldError, Id, Impact, IncidentStatus, Permission, ServiceStatus, Timestamp,
};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// The longest message an update may carry.
pub const MAX_MESSAGE: usize = 20_000;

/// A new incident.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub name: String,
    pub status: Option<IncidentStatus>,
    pub impact_override: Option<Impact>,
    pub services: Vec<(String, ServiceStatus)>,
    pub message: String,
    pub notify: bool,
    /// Backfilled incidents are created resolved, in the past, and change no current status.
    pub backfilled: bool,
    pub started_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
}

/// A new update on an incident's timeline.
#[derive(Debug, Clone, Default)]
pub struct NewUpdate {
    pub status: Option<IncidentStatus>,
    pub message: String,
    pub services: Vec<(String, ServiceStatus)>,
    pub notify: bool,
    pub display_at: Option<Timestamp>,
}

/// A timeline message (incident or maintenance update): trimmed, required, bounded.
pub(crate) fn check_message(message: &str) -> Result<String> {
    let m = message.trim();
    if m.is_empty() {
        return Err(Error::invalid("message", "is required"));
    }
    if m.chars().count() > MAX_MESSAGE {
        return Err(Error::invalid(
            "message",
            format!("must be at most {MAX_MESSAGE} characters"),
        ));
    }
    Ok(m.to_owned())
}

/// Resolves the listed services within the org (each once), or says which is wrong.
async fn resolve_services(
    c: &mut AnyConnection,
    org_id: &Id,
    wanted: &[(String, ServiceStatus)],
) -> Result<Vec<(Service, ServiceStatus)>> {
    let mut out: Vec<(Service, ServiceStatus)> = Vec::new();
    for (raw, status) in wanted {
        let found = match Id::parse(raw) {
            Some(sid) => db::services::get(c, org_id, &sid).await.ok(),
            None => None,
        };
        match found {
            Some(s) if out.iter().any(|(o, _)| o.id == s.id) => {
                return Err(Error::invalid("services", format!("lists {} twice", s.id)))
            }
            Some(s) => out.push((s, *status)),
            None => {
                return Err(Error::invalid(
                    "services",
                    format!("{raw} is not a service of this organization"),
                ))
            }
        }
    }
    Ok(out)
}

/// Applies an update's service statuses: the incident's record of them, the services' current
/// statuses (unless backfilled), and the history. Returns (id, before, after) per service.
#[allow(clippy::too_many_arguments)]
async fn apply_statuses(
    c: &mut AnyConnection,
    access: &OrgAccess,
    incident: &Incident,
    services: Vec<(Service, ServiceStatus)>,
    now: Timestamp,
) -> Result<Vec<(Id, ServiceStatus, ServiceStatus)>> {
    let mut applied = Vec::new();
    for (position, (service, status)) in services.into_iter().enumerate() {
        let position = incident
            .services
            .iter()
            .position(|(id, _)| id == &service.id)
            .unwrap_or(incident.services.len() + position) as i64;
        db::incidents::upsert_service(c, &incident.id, &service.id, status, position).await?;
        if !incident.backfilled {
            change_status(
                c,
                access.org_id(),
                &service,
                status,
                Cause::Incident,
                Some(&incident.id),
                &access.actor.label,
                now,
            )
            .await?;
        }
        applied.push((service.id.clone(), service.status, status));
    }
    Ok(applied)
}

/// Recomputes the derived impact from every status any update set.
fn refresh_impact(incident: &mut Incident) {
    let ever = incident
        .updates
        .iter()
        .flat_map(|u| u.services.iter().map(|(_, _, new)| *new));
    incident.impact = incident_impact(ever, incident.impact_override);
}

fn stamp_status(incident: &mut Incident, status: IncidentStatus, at: Timestamp) {
    incident.status = status;
    if status == IncidentStatus::Monitoring && incident.monitoring_at.is_none() {
        incident.monitoring_at = Some(at);
    }
    if status == IncidentStatus::Resolved && incident.resolved_at.is_none() {
        incident.resolved_at = Some(at);
    }
}

/// The org's incidents, newest first.
pub async fn list(
    state: &AppState,
    access: &OrgAccess,
    which: db::incidents::Which,
    limit: i64,
) -> Result<Vec<Incident>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::incidents::list(&mut *state.db.conn().await?, access.org_id(), which, limit).await?)
}

/// One incident.
pub async fn get(state: &AppState, access: &OrgAccess, incident_id: &Id) -> Result<Incident> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::incidents::get(&mut *state.db.conn().await?, access.org_id(), incident_id).await?)
}

/// Opens an incident with its first update (or records a past one, backfilled).
pub async fn create(state: &AppState, access: &OrgAccess, input: NewIncident) -> Result<Incident> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut errors = Vec::new();
    let title = name("name", &input.name).map_err(|e| errors.push(e)).ok();
    let message = check_message(&input.message)
        .map_err(|e| errors.extend(field_errors(e)))
        .ok();
    let status = if input.backfilled {
        IncidentStatus::Resolved
    } else {
        input.status.unwrap_or(IncidentStatus::Investigating)
    };
    if status == IncidentStatus::Postmortem {
        errors.push(FieldError::new(
            "status",
            "is set by publishing a postmortem",
        ));
    }
    let (started_at, resolved_at) = if input.backfilled {
        match (input.started_at, input.resolved_at) {
            (Some(s), Some(r)) if s < r && r <= now => (s, Some(r)),
            (Some(_), Some(_)) => {
                errors.push(FieldError::new(
                    "resolved_at",
                    "must be after started_at and not in the future",
                ));
                (now, None)
            }
            _ => {
                errors.push(FieldError::new(
                    "started_at",
                    "a backfilled incident needs started_at and resolved_at",
                ));
                (now, None)
            }
        }
    } else {
        (input.started_at.filter(|s| *s <= now).unwrap_or(now), None)
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (title, message) = (title.unwrap_or_default(), message.unwrap_or_default());
    let mut tx = state.db.begin().await?;
    let services = resolve_services(&mut tx, access.org_id(), &input.services).await?;
    let mut incident = Incident {
        id: Id::new(),
        name: title,
        status,
        impact: Impact::None,
        impact_override: input.impact_override,
        backfilled: input.backfilled,
        started_at,
        created_at: now,
        updated_at: now,
        monitoring_at: None,
        resolved_at: None,
        postmortem_body: None,
        postmortem_published_at: None,
        services: Vec::new(),
        updates: Vec::new(),
    };
    stamp_status(&mut incident, status, resolved_at.unwrap_or(now));
    db::incidents::insert(&mut tx, access.org_id(), &incident).await?;
    let display_at = if input.backfilled { started_at } else { now };
    if input.backfilled {
        record_backfill(
            &mut tx,
            access,
            &incident,
            &services,
            started_at,
            resolved_at.unwrap_or(now),
        )
        .await?;
    }
    let applied = apply_statuses(&mut tx, access, &incident, services, now).await?;
    let update = Update {
        id: Id::new(),
        status,
        message,
        notify: input.notify && !input.backfilled,
        display_at,
        created_at: now,
        edited_at: None,
        actor: access.actor.label.clone(),
        services: applied,
    };
    db::incidents::insert_update(&mut tx, access.org_id(), &incident.id, &update).await?;
    incident.updates.push(update);
    refresh_impact(&mut incident);
    db::incidents::update(&mut tx, access.org_id(), &incident).await?;
    let details = json!({"name": incident.name, "status": status, "impact": incident.impact, "backfilled": incident.backfilled});
    access
        .audit(
            &mut tx,
            now,
            "incident.create",
            "incident",
            incident.id.as_str(),
            details,
        )
        .await?;
    let created = db::incidents::get(&mut tx, access.org_id(), &incident.id).await?;
    events::emit_incident(
        &mut tx,
        access.org_id(),
        now,
        EventType::IncidentCreated,
        &created,
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// A backfilled incident changes no current status, but its window enters each service's history
/// (from the status set back to the status the service had when it started), so uptime counts it.
async fn record_backfill(
    c: &mut AnyConnection,
    access: &OrgAccess,
    incident: &Incident,
    services: &[(Service, ServiceStatus)],
    from: Timestamp,
    to: Timestamp,
) -> Result<()> {
    for (service, status) in services {
        // The status before the window, and the one in force just before its end (a real change
        // inside the window stands after it).
        let was = db::history::status_before(c, access.org_id(), &service.id, from)
            .await?
            .unwrap_or(ServiceStatus::Operational);
        let after = db::history::status_before(c, access.org_id(), &service.id, to)
            .await?
            .unwrap_or(was);
        for (at, old, new) in [(from, was, *status), (to, *status, after)] {
            let change = db::history::Change {
                id: Id::new(),
                service_id: service.id.clone(),
                old_status: Some(old),
                new_status: new,
                at,
                cause: Cause::Incident,
                cause_id: Some(incident.id.clone()),
                actor: access.actor.label.clone(),
            };
            db::history::insert(c, access.org_id(), &change).await?;
        }
    }
    Ok(())
}

fn field_errors(e: Error) -> Vec<FieldError> {
    match e {
        Error::Invalid(v) => v,
        _ => Vec::new(),
    }
}

/// Posts an update: new incident status, message, service statuses. Returns the incident and the
/// new update's id.
pub async fn post_update(
    state: &AppState,
    access: &OrgAccess,
    incident_id: &Id,
    input: NewUpdate,
) -> Result<(Incident, Id)> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let message = check_message(&input.message)?;
    let mut tx = state.db.begin().await?;
    let mut incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    let status = input.status.unwrap_or(incident.status);
    let was = incident.status;
    check_update(incident.status, status).map_err(|m| Error::invalid("status", m))?;
    // "Resolved" on an incident with a published postmortem leaves it in postmortem.
    let status =
        if incident.status == IncidentStatus::Postmortem && status == IncidentStatus::Resolved {
            IncidentStatus::Postmortem
        } else {
            status
        };
    if let Some(at) = input.display_at {
        if at > now.plus_seconds(60) {
            return Err(Error::invalid("display_at", "cannot be in the future"));
        }
    }
    let services = resolve_services(&mut tx, access.org_id(), &input.services).await?;
    let applied = apply_statuses(&mut tx, access, &incident, services, now).await?;
    let update = Update {
        id: Id::new(),
        status,
        message,
        notify: input.notify,
        display_at: input.display_at.unwrap_or(now),
        created_at: now,
        edited_at: None,
        actor: access.actor.label.clone(),
        services: applied,
    };
    db::incidents::insert_update(&mut tx, access.org_id(), incident_id, &update).await?;
    incident.updates.push(update.clone());
    stamp_status(&mut incident, status, now);
    incident.updated_at = now;
    refresh_impact(&mut incident);
    db::incidents::update(&mut tx, access.org_id(), &incident).await?;
    access
        .audit(
            &mut tx,
            now,
            "incident_update.create",
            "incident",
            incident_id.as_str(),
            json!({"update_id": update.id, "status": status}),
        )
        .await?;
    let updated = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    let (incident_data, public) = events::incident(&mut tx, access.org_id(), &updated).await?;
    let update_data = json!({"incident_update": {
        "id": update.id.as_str(),
        "status": update.status,
        "body": update.message,
        "incident_id": incident_id.as_str(),
        "created_at": update.created_at.to_rfc3339(),
        "display_at": update.display_at.to_rfc3339(),
    }, "incident": incident_data});
    events::emit(
        &mut tx,
        access.org_id(),
        now,
        EventType::IncidentUpdateCreated,
        public,
        update_data,
    )
    .await?;
    let kind = if was != IncidentStatus::Resolved && updated.status == IncidentStatus::Resolved {
        EventType::IncidentResolved
    } else {
        EventType::IncidentUpdated
    };
    events::emit_incident(&mut tx, access.org_id(), now, kind, &updated).await?;
    tx.commit().await?;
    Ok((updated, update.id))
}

/// Reopens a resolved incident with a message: an update back to investigating.
pub async fn reopen(
    state: &AppState,
    access: &OrgAccess,
    incident_id: &Id,
    message: &str,
) -> Result<Incident> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let message = check_message(message)?;
    let mut tx = state.db.begin().await?;
    let mut incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    if !incident.status.is_closed() {
        return Err(Error::invalid(
            "status",
            "only a resolved incident can be reopened",
        ));
    }
    if incident.backfilled {
        return Err(Error::invalid(
            "status",
            "a backfilled incident stays in the past",
        ));
    }
    let update = Update {
        id: Id::new(),
        status: IncidentStatus::Investigating,
        message,
        notify: true,
        display_at: now,
        created_at: now,
        edited_at: None,
        actor: access.actor.label.clone(),
        services: Vec::new(),
    };
    db::incidents::insert_update(&mut tx, access.org_id(), incident_id, &update).await?;
    incident.status = IncidentStatus::Investigating;
    incident.resolved_at = None;
    incident.postmortem_published_at = None;
    incident.updated_at = now;
    db::incidents::update(&mut tx, access.org_id(), &incident).await?;
    access
        .audit(
            &mut tx,
            now,
            "incident.reopen",
            "incident",
            incident_id.as_str(),
            json!({"update_id": update.id}),
        )
        .await?;
    commit_updated(tx, access, now, incident_id).await
}

/// Ends a change to an incident: reads it back, records `incident.updated` in the same
/// transaction, commits, and returns the incident as it now is.
async fn commit_updated(
    mut tx: db::Tx,
    access: &OrgAccess,
    now: Timestamp,
    incident_id: &Id,
) -> Result<Incident> {
    let updated = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    events::emit_incident(
        &mut tx,
        access.org_id(),
        now,
        EventType::IncidentUpdated,
        &updated,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Changes of an incident's own fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IncidentChanges {
    pub name: Option<String>,
    pub impact_override: Option<Option<Impact>>,
    pub started_at: Option<Timestamp>,
}

/// Renames, re-dates or overrides the impact of an incident.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    incident_id: &Id,
    changes: IncidentChanges,
) -> Result<Incident> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    if let Some(n) = &changes.name {
        incident.name = name("name", n)?;
    }
    if let Some(o) = changes.impact_override {
        incident.impact_override = o;
    }
    if let Some(s) = changes.started_at {
        if s > now || incident.resolved_at.is_some_and(|r| s > r) {
            return Err(Error::invalid(
                "started_at",
                "must not be in the future or after the resolution",
            ));
        }
        incident.started_at = s;
    }
    incident.updated_at = now;
    refresh_impact(&mut incident);
    db::incidents::update(&mut tx, access.org_id(), &incident).await?;
    let details = json!({"name": incident.name, "impact": incident.impact, "impact_override": incident.impact_override});
    access
        .audit(
            &mut tx,
            now,
            "incident.update",
            "incident",
            incident_id.as_str(),
            details,
        )
        .await?;
    commit_updated(tx, access, now, incident_id).await
}

/// Edits an update's message or display time (marked edited; statuses stay as they are).
pub async fn edit_update(
    state: &AppState,
    access: &OrgAccess,
    incident_id: &Id,
    update_id: &Id,
    message: Option<&str>,
    display_at: Option<Timestamp>,
) -> Result<Incident> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    let current = incident
        .updates
        .iter()
        .find(|u| &u.id == update_id)
        .ok_or(Error::NotFound)?;
    let message = match message {
        Some(m) => check_message(m)?,
        None => current.message.clone(),
    };
    if display_at.is_some_and(|d| d > now.plus_seconds(60)) {
        return Err(Error::invalid("display_at", "cannot be in the future"));
    }
    db::incidents::edit_update(
        &mut tx,
        access.org_id(),
        incident_id,
        update_id,
        &message,
        display_at.unwrap_or(current.display_at),
        now,
    )
    .await?;
    access
        .audit(
            &mut tx,
            now,
            "incident_update.edit",
            "incident",
            incident_id.as_str(),
            json!({"update_id": update_id}),
        )
        .await?;
    commit_updated(tx, access, now, incident_id).await
}

/// Deletes an update other than the first (current statuses stay as they are).
pub async fn delete_update(
    state: &AppState,
    access: &OrgAccess,
    incident_id: &Id,
    update_id: &Id,
) -> Result<Incident> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    let first = incident
        .updates
        .iter()
        .min_by_key(|u| (u.created_at, u.id.clone()))
        .map(|u| u.id.clone());
    if !incident.updates.iter().any(|u| &u.id == update_id) {
        return Err(Error::NotFound);
    }
    if first.as_ref() == Some(update_id) {
        return Err(Error::invalid(
            "update_id",
            "the first update cannot be deleted",
        ));
    }
    db::incidents::delete_update(&mut tx, access.org_id(), incident_id, update_id).await?;
    incident.updates.retain(|u| &u.id != update_id);
    incident.updated_at = now;
    refresh_impact(&mut incident);
    db::incidents::update(&mut tx, access.org_id(), &incident).await?;
    access
        .audit(
            &mut tx,
            now,
            "incident_update.delete",
            "incident",
            incident_id.as_str(),
            json!({"update_id": update_id}),
        )
        .await?;
    commit_updated(tx, access, now, incident_id).await
}

/// Writes the postmortem; publishing it on a resolved incident moves it to `postmortem`.
pub async fn set_postmortem(
    state: &AppState,
    access: &OrgAccess,
    incident_id: &Id,
    body: &str,
    publish: bool,
) -> Result<Incident> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let body = body.trim();
    if body.chars().count() > 100_000 {
        return Err(Error::invalid("body", "must be at most 100000 characters"));
    }
    let mut tx = state.db.begin().await?;
    let mut incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    if publish && !incident.status.is_closed() {
        return Err(Error::invalid(
            "published",
            "a postmortem is published once the incident is resolved",
        ));
    }
    if publish && body.is_empty() {
        return Err(Error::invalid("body", "is required to publish"));
    }
    incident.postmortem_body = (!body.is_empty()).then(|| body.to_owned());
    match (publish, incident.postmortem_published_at) {
        (true, None) => incident.postmortem_published_at = Some(now),
        (false, _) => incident.postmortem_published_at = None,
        _ => {}
    }
    if incident.status.is_closed() {
        incident.status = if publish {
            IncidentStatus::Postmortem
        } else {
            IncidentStatus::Resolved
        };
    }
    incident.updated_at = now;
    db::incidents::update(&mut tx, access.org_id(), &incident).await?;
    access
        .audit(
            &mut tx,
            now,
            "incident.postmortem",
            "incident",
            incident_id.as_str(),
            json!({"published": publish}),
        )
        .await?;
    commit_updated(tx, access, now, incident_id).await
}

/// Deletes an incident and its timeline; the status history it caused stays.
pub async fn delete(state: &AppState, access: &OrgAccess, incident_id: &Id) -> Result<()> {
    access.require(Permission::ManageStatus)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let incident = db::incidents::get(&mut tx, access.org_id(), incident_id).await?;
    db::incidents::delete(&mut tx, access.org_id(), incident_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "incident.delete",
            "incident",
            incident_id.as_str(),
            json!({"name": incident.name}),
        )
        .await?;
    events::emit_incident(
        &mut tx,
        access.org_id(),
        now,
        EventType::IncidentDeleted,
        &incident,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
