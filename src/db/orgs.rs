//! Organizations: the tenant boundary.

use super::{id, time, AnyConnection, Result, Row};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// An organization.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Org {
    pub id: Id,
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub created_at: Timestamp,
}

pub(crate) fn from_row(r: &Row) -> sqlx::Result<Org> {
    Ok(Org {
        id: id(r, "id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        time_zone: r.try_get("time_zone")?,
        created_at: time(r, "created_at")?,
    })
}

/// Creates an organization.
pub async fn insert(
    c: &mut AnyConnection,
    now: Timestamp,
    slug: &str,
    name: &str,
    time_zone: &str,
) -> Result<Org> {
    let row = sqlx::query(
        "INSERT INTO orgs (id, slug, name, time_zone, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
    )
    .bind(Id::new().as_str())
    .bind(slug)
    .bind(name)
    .bind(time_zone)
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// The org with this slug, found across tenants: the entry point of every org-scoped request.
pub async fn find_by_slug(c: &mut AnyConnection, slug: &str) -> Result<Option<Org>> {
    let row = sqlx::query("SELECT * FROM orgs WHERE slug = $1")
        .bind(slug)
        .fetch_optional(c)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The org with this id.
pub async fn get(c: &mut AnyConnection, org_id: &Id) -> Result<Org> {
    let row = sqlx::query("SELECT * FROM orgs WHERE id = $1")
        .bind(org_id.as_str())
        .fetch_one(c)
        .await?;
    Ok(from_row(&row)?)
}

/// Renames an org, changes its slug or time zone.
pub async fn update(
    c: &mut AnyConnection,
    org_id: &Id,
    slug: &str,
    name: &str,
    time_zone: &str,
) -> Result<Org> {
    let row = sqlx::query(
        "UPDATE orgs SET slug = $2, name = $3, time_zone = $4 WHERE id = $1 RETURNING *",
    )
    .bind(org_id.as_str())
    .bind(slug)
    .bind(name)
    .bind(time_zone)
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// Deletes an org and, by cascade, everything it owns.
pub async fn delete(c: &mut AnyConnection, org_id: &Id) -> Result<()> {
    sqlx::query("DELETE FROM orgs WHERE id = $1")
        .bind(org_id.as_str())
        .execute(c)
        .await?;
    Ok(())
}
