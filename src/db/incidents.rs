//! Incidents, their affected services and their timeline of updates.

use super::{id, opt_time, time, AnyConnection, Result, Row};
use crate::domain::{Id, Impact, IncidentStatus, ServiceStatus, Timestamp};
use sqlx::Row as _;

/// An incident with its affected services and updates (newest first).
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Id,
    pub name: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub impact_override: Option<Impact>,
    pub backfilled: bool,
    pub started_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub monitoring_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub postmortem_body: Option<String>,
    pub postmortem_published_at: Option<Timestamp>,
    /// Affected services with the status this incident last gave each.
    pub services: Vec<(Id, ServiceStatus)>,
    pub updates: Vec<Update>,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone)]
pub struct Update {
    pub id: Id,
    pub status: IncidentStatus,
    pub message: String,
    pub notify: bool,
    pub display_at: Timestamp,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub actor: String,
    /// Each service it set: (id, status before, status set).
    pub services: Vec<(Id, ServiceStatus, ServiceStatus)>,
}

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad {what}").into())
}

fn status(r: &Row, col: &str) -> sqlx::Result<ServiceStatus> {
    let s: String = r.try_get(col)?;
    ServiceStatus::parse(&s).ok_or_else(|| bad(col))
}

fn from_row(r: &Row) -> sqlx::Result<Incident> {
    let st: String = r.try_get("status")?;
    let impact: String = r.try_get("impact")?;
    let over: Option<String> = r.try_get("impact_override")?;
    Ok(Incident {
        id: id(r, "id")?,
        name: r.try_get("name")?,
        status: IncidentStatus::parse(&st).ok_or_else(|| bad("status"))?,
        impact: Impact::parse(&impact).ok_or_else(|| bad("impact"))?,
        impact_override: over.as_deref().and_then(Impact::parse),
        backfilled: r.try_get::<i64, _>("backfilled")? != 0,
        started_at: time(r, "started_at")?,
        created_at: time(r, "created_at")?,
        updated_at: time(r, "updated_at")?,
        monitoring_at: opt_time(r, "monitoring_at")?,
        resolved_at: opt_time(r, "resolved_at")?,
        postmortem_body: r.try_get("postmortem_body")?,
        postmortem_published_at: opt_time(r, "postmortem_published_at")?,
        services: Vec::new(),
        updates: Vec::new(),
    })
}

/// Stores a new incident row (services and updates are added separately).
pub async fn insert(c: &mut AnyConnection, org_id: &Id, i: &Incident) -> Result<()> {
    sqlx::query(
        "INSERT INTO incidents (id, org_id, name, status, impact, impact_override, backfilled, started_at, created_at, updated_at, monitoring_at, resolved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(i.id.as_str())
    .bind(org_id.as_str())
    .bind(&i.name)
    .bind(i.status.as_str())
    .bind(i.impact.as_str())
    .bind(i.impact_override.map(|x| x.as_str().to_owned()))
    .bind(i64::from(i.backfilled))
    .bind(i.started_at.micros())
    .bind(i.created_at.micros())
    .bind(i.updated_at.micros())
    .bind(i.monitoring_at.map(|t| t.micros()))
    .bind(i.resolved_at.map(|t| t.micros()))
    .execute(c)
    .await?;
    Ok(())
}

/// Writes the incident row's fields (not its services or updates).
pub async fn update(c: &mut AnyConnection, org_id: &Id, i: &Incident) -> Result<()> {
    let done = sqlx::query(
        "UPDATE incidents SET name = $3, status = $4, impact = $5, impact_override = $6, started_at = $7, updated_at = $8, \
         monitoring_at = $9, resolved_at = $10, postmortem_body = $11, postmortem_published_at = $12 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id.as_str())
    .bind(i.id.as_str())
    .bind(&i.name)
    .bind(i.status.as_str())
    .bind(i.impact.as_str())
    .bind(i.impact_override.map(|x| x.as_str().to_owned()))
    .bind(i.started_at.micros())
    .bind(i.updated_at.micros())
    .bind(i.monitoring_at.map(|t| t.micros()))
    .bind(i.resolved_at.map(|t| t.micros()))
    .bind(i.postmortem_body.clone())
    .bind(i.postmortem_published_at.map(|t| t.micros()))
    .execute(c)
    .await?;
    super::one(done)
}

/// Records the status an incident gives an affected service (adding it if new).
pub async fn upsert_service(
    c: &mut AnyConnection,
    incident_id: &Id,
    service_id: &Id,
    status: ServiceStatus,
    position: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_services (incident_id, service_id, status, position) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (incident_id, service_id) DO UPDATE SET status = excluded.status",
    )
    .bind(incident_id.as_str())
    .bind(service_id.as_str())
    .bind(status.as_str())
    .bind(position)
    .execute(c)
    .await?;
    Ok(())
}

/// Appends an update to the timeline, with the statuses it set.
pub async fn insert_update(
    c: &mut AnyConnection,
    org_id: &Id,
    incident_id: &Id,
    u: &Update,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_updates (id, org_id, incident_id, status, message, notify, display_at, created_at, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(u.id.as_str())
    .bind(org_id.as_str())
    .bind(incident_id.as_str())
    .bind(u.status.as_str())
    .bind(&u.message)
    .bind(i64::from(u.notify))
    .bind(u.display_at.micros())
    .bind(u.created_at.micros())
    .bind(&u.actor)
    .execute(&mut *c)
    .await?;
    for (service_id, old, new) in &u.services {
        sqlx::query("INSERT INTO incident_update_services (update_id, service_id, old_status, new_status) VALUES ($1, $2, $3, $4)")
            .bind(u.id.as_str())
            .bind(service_id.as_str())
            .bind(old.as_str())
            .bind(new.as_str())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Changes an update's message and display time, marking it edited.
pub async fn edit_update(
    c: &mut AnyConnection,
    org_id: &Id,
    incident_id: &Id,
    update_id: &Id,
    message: &str,
    display_at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE incident_updates SET message = $4, display_at = $5, edited_at = $6 WHERE org_id = $1 AND incident_id = $2 AND id = $3",
    )
    .bind(org_id.as_str())
    .bind(incident_id.as_str())
    .bind(update_id.as_str())
    .bind(message)
    .bind(display_at.micros())
    .bind(now.micros())
    .execute(c)
    .await?;
    super::one(done)
}

/// Deletes an update.
pub async fn delete_update(
    c: &mut AnyConnection,
    org_id: &Id,
    incident_id: &Id,
    update_id: &Id,
) -> Result<()> {
    let done = sqlx::query(
        "DELETE FROM incident_updates WHERE org_id = $1 AND incident_id = $2 AND id = $3",
    )
    .bind(org_id.as_str())
    .bind(incident_id.as_str())
    .bind(update_id.as_str())
    .execute(c)
    .await?;
    super::one(done)
}

/// Deletes an incident and its timeline (its status history stays).
pub async fn delete(c: &mut AnyConnection, org_id: &Id, incident_id: &Id) -> Result<()> {
    let done = sqlx::query("DELETE FROM incidents WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(incident_id.as_str())
        .execute(c)
        .await?;
    super::one(done)
}

/// One incident with its services and timeline.
pub async fn get(c: &mut AnyConnection, org_id: &Id, incident_id: &Id) -> Result<Incident> {
    let row = sqlx::query("SELECT * FROM incidents WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(incident_id.as_str())
        .fetch_one(&mut *c)
        .await?;
    let mut incident = from_row(&row)?;
    load_children(c, &mut incident).await?;
    Ok(incident)
}

async fn load_children(c: &mut AnyConnection, incident: &mut Incident) -> Result<()> {
    let rows = sqlx::query("SELECT service_id, status FROM incident_services WHERE incident_id = $1 ORDER BY position, service_id")
        .bind(incident.id.as_str())
        .fetch_all(&mut *c)
        .await?;
    incident.services = rows
        .iter()
        .map(|r| Ok((id(r, "service_id")?, status(r, "status")?)))
        .collect::<sqlx::Result<_>>()?;
    let rows = sqlx::query("SELECT * FROM incident_updates WHERE incident_id = $1 ORDER BY display_at DESC, created_at DESC, id DESC")
        .bind(incident.id.as_str())
        .fetch_all(&mut *c)
        .await?;
    let mut updates = Vec::with_capacity(rows.len());
    for r in &rows {
        let st: String = r.try_get("status")?;
        updates.push(Update {
            id: id(r, "id")?,
            status: IncidentStatus::parse(&st).ok_or_else(|| bad("update status"))?,
            message: r.try_get("message")?,
            notify: r.try_get::<i64, _>("notify")? != 0,
            display_at: time(r, "display_at")?,
            created_at: time(r, "created_at")?,
            edited_at: opt_time(r, "edited_at")?,
            actor: r.try_get("actor")?,
            services: Vec::new(),
        });
    }
    let rows = sqlx::query(
        "SELECT s.update_id, s.service_id, s.old_status, s.new_status FROM incident_update_services s \
         JOIN incident_updates u ON u.id = s.update_id WHERE u.incident_id = $1 ORDER BY s.service_id",
    )
    .bind(incident.id.as_str())
    .fetch_all(&mut *c)
    .await?;
    for r in &rows {
        let update_id: String = r.try_get("update_id")?;
        if let Some(u) = updates.iter_mut().find(|u| u.id.as_str() == update_id) {
            u.services.push((
                id(r, "service_id")?,
                status(r, "old_status")?,
                status(r, "new_status")?,
            ));
        }
    }
    incident.updates = updates;
    Ok(())
}

/// Which incidents to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    Unresolved,
}

/// The org's incidents, newest first, each complete.
pub async fn list(
    c: &mut AnyConnection,
    org_id: &Id,
    which: Which,
    limit: i64,
) -> Result<Vec<Incident>> {
    let sql = match which {
        Which::All => "SELECT * FROM incidents WHERE org_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
        Which::Unresolved => {
            "SELECT * FROM incidents WHERE org_id = $1 AND status NOT IN ('resolved', 'postmortem') ORDER BY started_at DESC, id DESC LIMIT $2"
        }
    };
    let rows = sqlx::query(sql)
        .bind(org_id.as_str())
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
    let mut incidents = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    for i in &mut incidents {
        load_children(c, i).await?;
    }
    Ok(incidents)
}
