//! Scheduled maintenance, its services (with the status each had before) and its timeline.

use super::{id, opt_time, time, AnyConnection, Result, Row};
use crate::domain::{Id, MaintenanceStatus, ServiceStatus, Timestamp};
use sqlx::Row as _;

/// A maintenance window with its services and updates (newest first).
#[derive(Debug, Clone)]
pub struct Maintenance {
    pub id: Id,
    pub org_id: Id,
    pub name: String,
    pub description: String,
    pub status: MaintenanceStatus,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub time_zone: String,
    pub auto_start: bool,
    pub auto_complete: bool,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Services with the status each had when the window started.
    pub services: Vec<(Id, Option<ServiceStatus>)>,
    pub updates: Vec<Update>,
}

/// One entry of a maintenance's timeline.
#[derive(Debug, Clone)]
pub struct Update {
    pub id: Id,
    pub status: MaintenanceStatus,
    pub message: String,
    pub notify: bool,
    pub display_at: Timestamp,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub actor: String,
}

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad {what}").into())
}

fn from_row(r: &Row) -> sqlx::Result<Maintenance> {
    let st: String = r.try_get("status")?;
    Ok(Maintenance {
        id: id(r, "id")?,
        org_id: id(r, "org_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        status: MaintenanceStatus::parse(&st).ok_or_else(|| bad("status"))?,
        starts_at: time(r, "starts_at")?,
        ends_at: time(r, "ends_at")?,
        time_zone: r.try_get("time_zone")?,
        auto_start: r.try_get::<i64, _>("auto_start")? != 0,
        auto_complete: r.try_get::<i64, _>("auto_complete")? != 0,
        started_at: opt_time(r, "started_at")?,
        completed_at: opt_time(r, "completed_at")?,
        created_at: time(r, "created_at")?,
        updated_at: time(r, "updated_at")?,
        services: Vec::new(),
        updates: Vec::new(),
    })
}

/// Stores a new maintenance row and its services.
pub async fn insert(c: &mut AnyConnection, m: &Maintenance) -> Result<()> {
    sqlx::query(
        "INSERT INTO maintenances (id, org_id, name, description, status, starts_at, ends_at, time_zone, auto_start, auto_complete, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(m.id.as_str())
    .bind(m.org_id.as_str())
    .bind(&m.name)
    .bind(&m.description)
    .bind(m.status.as_str())
    .bind(m.starts_at.micros())
    .bind(m.ends_at.micros())
    .bind(&m.time_zone)
    .bind(i64::from(m.auto_start))
    .bind(i64::from(m.auto_complete))
    .bind(m.created_at.micros())
    .bind(m.updated_at.micros())
    .execute(&mut *c)
    .await?;
    replace_services(c, m).await
}

/// Replaces the set of services (keeping the recorded prior status of those that stay).
pub async fn replace_services(c: &mut AnyConnection, m: &Maintenance) -> Result<()> {
    let keep: Vec<String> = m.services.iter().map(|(s, _)| s.to_string()).collect();
    let existing =
        sqlx::query("SELECT service_id FROM maintenance_services WHERE maintenance_id = $1")
            .bind(m.id.as_str())
            .fetch_all(&mut *c)
            .await?;
    for r in &existing {
        let sid: String = r.try_get("service_id")?;
        if !keep.contains(&sid) {
            sqlx::query(
                "DELETE FROM maintenance_services WHERE maintenance_id = $1 AND service_id = $2",
            )
            .bind(m.id.as_str())
            .bind(&sid)
            .execute(&mut *c)
            .await?;
        }
    }
    for (position, (service_id, prior)) in m.services.iter().enumerate() {
        sqlx::query(
            "INSERT INTO maintenance_services (maintenance_id, service_id, position, prior_status) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (maintenance_id, service_id) DO UPDATE SET position = excluded.position, prior_status = excluded.prior_status",
        )
        .bind(m.id.as_str())
        .bind(service_id.as_str())
        .bind(position as i64)
        .bind(prior.map(|s| s.as_str().to_owned()))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Writes the maintenance row's fields.
pub async fn update(c: &mut AnyConnection, m: &Maintenance) -> Result<()> {
    let done = sqlx::query(
        "UPDATE maintenances SET name = $3, description = $4, status = $5, starts_at = $6, ends_at = $7, time_zone = $8, \
         auto_start = $9, auto_complete = $10, started_at = $11, completed_at = $12, updated_at = $13 WHERE org_id = $1 AND id = $2",
    )
    .bind(m.org_id.as_str())
    .bind(m.id.as_str())
    .bind(&m.name)
    .bind(&m.description)
    .bind(m.status.as_str())
    .bind(m.starts_at.micros())
    .bind(m.ends_at.micros())
    .bind(&m.time_zone)
    .bind(i64::from(m.auto_start))
    .bind(i64::from(m.auto_complete))
    .bind(m.started_at.map(|t| t.micros()))
    .bind(m.completed_at.map(|t| t.micros()))
    .bind(m.updated_at.micros())
    .execute(c)
    .await?;
    super::one(done)
}

/// Moves a maintenance from `from` to its current status only if it is still in `from`:
/// the guard that keeps two schedulers (or a scheduler and a person) from both running a step.
pub async fn claim_transition(
    c: &mut AnyConnection,
    org_id: &Id,
    maintenance_id: &Id,
    from: MaintenanceStatus,
    to: MaintenanceStatus,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query("UPDATE maintenances SET status = $4, updated_at = $5 WHERE org_id = $1 AND id = $2 AND status = $3")
        .bind(org_id.as_str())
        .bind(maintenance_id.as_str())
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(now.micros())
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Appends an update.
pub async fn insert_update(
    c: &mut AnyConnection,
    org_id: &Id,
    maintenance_id: &Id,
    u: &Update,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO maintenance_updates (id, org_id, maintenance_id, status, message, notify, display_at, created_at, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(u.id.as_str())
    .bind(org_id.as_str())
    .bind(maintenance_id.as_str())
    .bind(u.status.as_str())
    .bind(&u.message)
    .bind(i64::from(u.notify))
    .bind(u.display_at.micros())
    .bind(u.created_at.micros())
    .bind(&u.actor)
    .execute(c)
    .await?;
    Ok(())
}

/// Changes an update's message, marking it edited.
pub async fn edit_update(
    c: &mut AnyConnection,
    org_id: &Id,
    maintenance_id: &Id,
    update_id: &Id,
    message: &str,
    now: Timestamp,
) -> Result<()> {
    let done = sqlx::query("UPDATE maintenance_updates SET message = $4, edited_at = $5 WHERE org_id = $1 AND maintenance_id = $2 AND id = $3")
        .bind(org_id.as_str())
        .bind(maintenance_id.as_str())
        .bind(update_id.as_str())
        .bind(message)
        .bind(now.micros())
        .execute(c)
        .await?;
    super::one(done)
}

/// Deletes a maintenance and its timeline.
pub async fn delete(c: &mut AnyConnection, org_id: &Id, maintenance_id: &Id) -> Result<()> {
    let done = sqlx::query("DELETE FROM maintenances WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(maintenance_id.as_str())
        .execute(c)
        .await?;
    super::one(done)
}

async fn load_children(c: &mut AnyConnection, m: &mut Maintenance) -> Result<()> {
    let rows = sqlx::query("SELECT service_id, prior_status FROM maintenance_services WHERE maintenance_id = $1 ORDER BY position, service_id")
        .bind(m.id.as_str())
        .fetch_all(&mut *c)
        .await?;
    m.services = rows
        .iter()
        .map(|r| {
            let prior: Option<String> = r.try_get("prior_status")?;
            Ok((
                id(r, "service_id")?,
                prior.as_deref().and_then(ServiceStatus::parse),
            ))
        })
        .collect::<sqlx::Result<_>>()?;
    let rows = sqlx::query("SELECT * FROM maintenance_updates WHERE maintenance_id = $1 ORDER BY display_at DESC, created_at DESC, id DESC")
        .bind(m.id.as_str())
        .fetch_all(&mut *c)
        .await?;
    m.updates = rows
        .iter()
        .map(|r| {
            let st: String = r.try_get("status")?;
            Ok(Update {
                id: id(r, "id")?,
                status: MaintenanceStatus::parse(&st).ok_or_else(|| bad("update status"))?,
                message: r.try_get("message")?,
                notify: r.try_get::<i64, _>("notify")? != 0,
                display_at: time(r, "display_at")?,
                created_at: time(r, "created_at")?,
                edited_at: opt_time(r, "edited_at")?,
                actor: r.try_get("actor")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
    Ok(())
}

/// One maintenance of the org, complete.
pub async fn get(c: &mut AnyConnection, org_id: &Id, maintenance_id: &Id) -> Result<Maintenance> {
    let row = sqlx::query("SELECT * FROM maintenances WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(maintenance_id.as_str())
        .fetch_one(&mut *c)
        .await?;
    let mut m = from_row(&row)?;
    load_children(c, &mut m).await?;
    Ok(m)
}

/// The org's maintenances, latest window first, each complete.
pub async fn list(c: &mut AnyConnection, org_id: &Id, limit: i64) -> Result<Vec<Maintenance>> {
    let rows = sqlx::query(
        "SELECT * FROM maintenances WHERE org_id = $1 ORDER BY starts_at DESC, id DESC LIMIT $2",
    )
    .bind(org_id.as_str())
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    let mut list = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    for m in &mut list {
        load_children(c, m).await?;
    }
    Ok(list)
}

/// Maintenances of every org with a transition due at `now` (for the scheduler only).
pub async fn due_all_orgs(
    c: &mut AnyConnection,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<(Id, Id)>> {
    let rows = sqlx::query(
        "SELECT org_id, id FROM maintenances WHERE (status = 'scheduled' AND ((auto_start = 1 AND starts_at <= $1) OR (auto_complete = 1 AND ends_at <= $1))) \
         OR (status IN ('in_progress', 'verifying') AND auto_complete = 1 AND ends_at <= $1) ORDER BY starts_at, id LIMIT $2",
    )
    .bind(now.micros())
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((id(r, "org_id")?, id(r, "id")?)))
        .collect::<sqlx::Result<_>>()?)
}

/// Other active maintenances of the org that cover a service (for overlapping windows).
pub async fn other_active_covering(
    c: &mut AnyConnection,
    org_id: &Id,
    except: &Id,
    service_id: &Id,
) -> Result<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT m.id FROM maintenances m JOIN maintenance_services s ON s.maintenance_id = m.id \
         WHERE m.org_id = $1 AND m.id <> $2 AND s.service_id = $3 AND m.status IN ('in_progress', 'verifying') ORDER BY m.ends_at DESC",
    )
    .bind(org_id.as_str())
    .bind(except.as_str())
    .bind(service_id.as_str())
    .fetch_all(c)
    .await?;
    Ok(rows
        .iter()
        .map(|r| id(r, "id"))
        .collect::<sqlx::Result<_>>()?)
}

/// Records the status a service had before a window took it (for its return at the end).
pub async fn set_prior_status(
    c: &mut AnyConnection,
    maintenance_id: &Id,
    service_id: &Id,
    prior: Option<ServiceStatus>,
) -> Result<()> {
    sqlx::query("UPDATE maintenance_services SET prior_status = $3 WHERE maintenance_id = $1 AND service_id = $2")
        .bind(maintenance_id.as_str())
        .bind(service_id.as_str())
        .bind(prior.map(|s| s.as_str().to_owned()))
        .execute(c)
        .await?;
    Ok(())
}
