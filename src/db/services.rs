//! Services (components) and their groups.

use super::{id, opt_id, time, AnyConnection, Result, Row};
use crate::domain::{Id, ServiceStatus, Timestamp, Visibility};
use sqlx::Row as _;

/// A service as stored.
#[derive(Debug, Clone)]
pub struct Service {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub status: ServiceStatus,
    pub group_id: Option<Id>,
    pub team_id: Option<Id>,
    pub position: i64,
    pub visibility: Visibility,
    pub showcase: bool,
    pub only_show_if_degraded: bool,
    pub start_date: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted: bool,
}

fn from_row(r: &Row) -> sqlx::Result<Service> {
    let status: String = r.try_get("status")?;
    let visibility: String = r.try_get("visibility")?;
    Ok(Service {
        id: id(r, "id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        status: ServiceStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("bad status {status}").into()))?,
        group_id: opt_id(r, "group_id")?,
        team_id: opt_id(r, "team_id")?,
        position: r.try_get("position")?,
        visibility: Visibility::parse(&visibility).unwrap_or(Visibility::Private),
        showcase: r.try_get::<i64, _>("showcase")? != 0,
        only_show_if_degraded: r.try_get::<i64, _>("only_show_if_degraded")? != 0,
        start_date: r.try_get("start_date")?,
        created_at: time(r, "created_at")?,
        updated_at: time(r, "updated_at")?,
        deleted: r.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
    })
}

/// Stores a new service (its fields already validated) and returns it.
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    s: &Service,
) -> Result<Service> {
    let row = sqlx::query(
        "INSERT INTO services (id, org_id, name, description, status, group_id, team_id, position, visibility, showcase, \
         only_show_if_degraded, start_date, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *",
    )
    .bind(s.id.as_str())
    .bind(org_id.as_str())
    .bind(&s.name)
    .bind(s.description.clone())
    .bind(s.status.as_str())
    .bind(s.group_id.as_ref().map(|g| g.to_string()))
    .bind(s.team_id.as_ref().map(|t| t.to_string()))
    .bind(s.position)
    .bind(s.visibility.as_str())
    .bind(i64::from(s.showcase))
    .bind(i64::from(s.only_show_if_degraded))
    .bind(s.start_date.clone())
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// Writes every editable field of a service (not its status: see [`set_status`]).
pub async fn update(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    s: &Service,
) -> Result<Service> {
    let row = sqlx::query(
        "UPDATE services SET name = $3, description = $4, group_id = $5, team_id = $6, position = $7, visibility = $8, \
         showcase = $9, only_show_if_degraded = $10, start_date = $11, updated_at = $12 \
         WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *",
    )
    .bind(org_id.as_str())
    .bind(s.id.as_str())
    .bind(&s.name)
    .bind(s.description.clone())
    .bind(s.group_id.as_ref().map(|g| g.to_string()))
    .bind(s.team_id.as_ref().map(|t| t.to_string()))
    .bind(s.position)
    .bind(s.visibility.as_str())
    .bind(i64::from(s.showcase))
    .bind(i64::from(s.only_show_if_degraded))
    .bind(s.start_date.clone())
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// Sets a service's current status (the caller records the history row).
pub async fn set_status(
    c: &mut AnyConnection,
    org_id: &Id,
    service_id: &Id,
    status: ServiceStatus,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE services SET status = $3, updated_at = $4 WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(service_id.as_str())
        .bind(status.as_str())
        .bind(now.micros())
        .execute(c)
        .await?;
    Ok(())
}

/// The org's live services, in page order.
pub async fn list(c: &mut AnyConnection, org_id: &Id) -> Result<Vec<Service>> {
    let rows = sqlx::query("SELECT * FROM services WHERE org_id = $1 AND deleted_at IS NULL ORDER BY position, name, id")
        .bind(org_id.as_str())
        .fetch_all(c)
        .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// Every service of the org, deleted ones included (incidents keep naming them).
pub async fn list_with_deleted(c: &mut AnyConnection, org_id: &Id) -> Result<Vec<Service>> {
    let rows = sqlx::query("SELECT * FROM services WHERE org_id = $1 ORDER BY position, name, id")
        .bind(org_id.as_str())
        .fetch_all(c)
        .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// One live service of the org.
pub async fn get(c: &mut AnyConnection, org_id: &Id, service_id: &Id) -> Result<Service> {
    let row =
        sqlx::query("SELECT * FROM services WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL")
            .bind(org_id.as_str())
            .bind(service_id.as_str())
            .fetch_one(c)
            .await?;
    Ok(from_row(&row)?)
}

/// The position after the org's last service.
pub async fn next_position(c: &mut AnyConnection, org_id: &Id) -> Result<i64> {
    let max: Option<i64> =
        sqlx::query("SELECT MAX(position) FROM services WHERE org_id = $1 AND deleted_at IS NULL")
            .bind(org_id.as_str())
            .fetch_one(c)
            .await?
            .try_get(0)?;
    Ok(max.map_or(0, |m| m + 1))
}

/// Hides a service everywhere but keeps it for the incidents and history that name it.
pub async fn soft_delete(
    c: &mut AnyConnection,
    org_id: &Id,
    service_id: &Id,
    now: Timestamp,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE services SET deleted_at = $3 WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(service_id.as_str())
    .bind(now.micros())
    .execute(c)
    .await?;
    super::one(done)
}

/// A group of services.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: Id,
    pub name: String,
    pub position: i64,
    pub collapsed: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn group_from_row(r: &Row) -> sqlx::Result<Group> {
    Ok(Group {
        id: id(r, "id")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        collapsed: r.try_get::<i64, _>("collapsed")? != 0,
        created_at: time(r, "created_at")?,
        updated_at: time(r, "updated_at")?,
    })
}

/// Stores a new group.
pub async fn insert_group(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    g: &Group,
) -> Result<Group> {
    let row = sqlx::query(
        "INSERT INTO service_groups (id, org_id, name, position, collapsed, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
    )
    .bind(g.id.as_str())
    .bind(org_id.as_str())
    .bind(&g.name)
    .bind(g.position)
    .bind(i64::from(g.collapsed))
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(group_from_row(&row)?)
}

/// Writes a group's fields.
pub async fn update_group(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    g: &Group,
) -> Result<Group> {
    let row = sqlx::query("UPDATE service_groups SET name = $3, position = $4, collapsed = $5, updated_at = $6 WHERE org_id = $1 AND id = $2 RETURNING *")
        .bind(org_id.as_str())
        .bind(g.id.as_str())
        .bind(&g.name)
        .bind(g.position)
        .bind(i64::from(g.collapsed))
        .bind(now.micros())
        .fetch_one(c)
        .await?;
    Ok(group_from_row(&row)?)
}

/// The org's groups, in page order.
pub async fn list_groups(c: &mut AnyConnection, org_id: &Id) -> Result<Vec<Group>> {
    let rows =
        sqlx::query("SELECT * FROM service_groups WHERE org_id = $1 ORDER BY position, name, id")
            .bind(org_id.as_str())
            .fetch_all(c)
            .await?;
    Ok(rows
        .iter()
        .map(group_from_row)
        .collect::<sqlx::Result<_>>()?)
}

/// One group of the org.
pub async fn get_group(c: &mut AnyConnection, org_id: &Id, group_id: &Id) -> Result<Group> {
    let row = sqlx::query("SELECT * FROM service_groups WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(group_id.as_str())
        .fetch_one(c)
        .await?;
    Ok(group_from_row(&row)?)
}

/// The position after the org's last group.
pub async fn next_group_position(c: &mut AnyConnection, org_id: &Id) -> Result<i64> {
    let max: Option<i64> =
        sqlx::query("SELECT MAX(position) FROM service_groups WHERE org_id = $1")
            .bind(org_id.as_str())
            .fetch_one(c)
            .await?
            .try_get(0)?;
    Ok(max.map_or(0, |m| m + 1))
}

/// Deletes a group; its services become ungrouped.
pub async fn delete_group(c: &mut AnyConnection, org_id: &Id, group_id: &Id) -> Result<()> {
    sqlx::query("UPDATE services SET group_id = NULL WHERE org_id = $1 AND group_id = $2")
        .bind(org_id.as_str())
        .bind(group_id.as_str())
        .execute(&mut *c)
        .await?;
    let done = sqlx::query("DELETE FROM service_groups WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(group_id.as_str())
        .execute(c)
        .await?;
    super::one(done)
}
