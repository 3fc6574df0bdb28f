//! Incident templates: a prepared title, first message and affected services.

use super::{id, AnyConnection, Result, Row};
use crate::domain::{Id, ServiceStatus, Timestamp};
use sqlx::Row as _;

/// A template.
#[derive(Debug, Clone)]
pub struct Template {
    pub id: Id,
    pub name: String,
    pub title: String,
    pub body: String,
    pub services: Vec<(Id, ServiceStatus)>,
}

fn from_row(r: &Row) -> sqlx::Result<Template> {
    let services: String = r.try_get("services")?;
    let pairs: Vec<(String, String)> = serde_json::from_str(&services).unwrap_or_default();
    Ok(Template {
        id: id(r, "id")?,
        name: r.try_get("name")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        services: pairs
            .into_iter()
            .filter_map(|(i, s)| Some((Id::from_stored(i), ServiceStatus::parse(&s)?)))
            .collect(),
    })
}

fn services_json(t: &Template) -> String {
    let pairs: Vec<(&str, &str)> = t
        .services
        .iter()
        .map(|(i, s)| (i.as_str(), s.as_str()))
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())
}

/// Stores a template.
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    t: &Template,
) -> Result<()> {
    sqlx::query("INSERT INTO incident_templates (id, org_id, name, title, body, services, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
        .bind(t.id.as_str())
        .bind(org_id.as_str())
        .bind(&t.name)
        .bind(&t.title)
        .bind(&t.body)
        .bind(services_json(t))
        .bind(now.micros())
        .execute(c)
        .await?;
    Ok(())
}

/// Writes a template's fields.
pub async fn update(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    t: &Template,
) -> Result<()> {
    let done = sqlx::query("UPDATE incident_templates SET name = $3, title = $4, body = $5, services = $6, updated_at = $7 WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(t.id.as_str())
        .bind(&t.name)
        .bind(&t.title)
        .bind(&t.body)
        .bind(services_json(t))
        .bind(now.micros())
        .execute(c)
        .await?;
    super::one(done)
}

/// The org's templates by name.
pub async fn list(c: &mut AnyConnection, org_id: &Id) -> Result<Vec<Template>> {
    let rows = sqlx::query("SELECT * FROM incident_templates WHERE org_id = $1 ORDER BY name, id")
        .bind(org_id.as_str())
        .fetch_all(c)
        .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// One template of the org.
pub async fn get(c: &mut AnyConnection, org_id: &Id, template_id: &Id) -> Result<Template> {
    let row = sqlx::query("SELECT * FROM incident_templates WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(template_id.as_str())
        .fetch_one(c)
        .await?;
    Ok(from_row(&row)?)
}

/// Deletes a template.
pub async fn delete(c: &mut AnyConnection, org_id: &Id, template_id: &Id) -> Result<()> {
    let done = sqlx::query("DELETE FROM incident_templates WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(template_id.as_str())
        .execute(c)
        .await?;
    super::one(done)
}
