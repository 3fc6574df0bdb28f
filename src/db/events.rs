//! The event store: each org's changes as a numbered log (ids 1, 2, 3… per org), appended in
//! the transaction of the change, read back by live streams by id.

use super::{time, AnyConnection, Result, Row};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// One stored event; `data` is the payload only (the envelope is added when it is sent).
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub at: Timestamp,
    pub public: bool,
    pub data: serde_json::Value,
}

fn from_row(r: &Row) -> sqlx::Result<Event> {
    let data: String = r.try_get("data")?;
    Ok(Event {
        id: r.try_get("id")?,
        kind: r.try_get("type")?,
        at: time(r, "at")?,
        public: r.try_get::<i64, _>("public")? != 0,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
    })
}

/// Appends an event in the caller's transaction and returns its id: the org's counter advances
/// by one under the row lock of the upsert, so ids never repeat and a rollback takes the id back.
pub async fn append(
    c: &mut AnyConnection,
    org_id: &Id,
    kind: &str,
    at: Timestamp,
    public: bool,
    data: &serde_json::Value,
) -> Result<i64> {
    let id: i64 = sqlx::query(
        "INSERT INTO event_counters (org_id, last_id) VALUES ($1, 1) ON CONFLICT (org_id) DO UPDATE SET last_id = event_counters.last_id + 1 RETURNING last_id",
    )
    .bind(org_id.as_str())
    .fetch_one(&mut *c)
    .await?
    .try_get(0)?;
    sqlx::query(
        "INSERT INTO events (org_id, id, type, at, public, data) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org_id.as_str())
    .bind(id)
    .bind(kind)
    .bind(at.micros())
    .bind(i64::from(public))
    .bind(data.to_string())
    .execute(c)
    .await?;
    Ok(id)
}

/// Up to `limit` events after `after_id`, oldest first, none recorded before `not_before`.
pub async fn since(
    c: &mut AnyConnection,
    org_id: &Id,
    after_id: i64,
    not_before: Timestamp,
    limit: i64,
) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT id, type, at, public, data FROM events WHERE org_id = $1 AND id > $2 AND at >= $3 ORDER BY id LIMIT $4",
    )
    .bind(org_id.as_str())
    .bind(after_id)
    .bind(not_before.micros())
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// The id of the org's newest event (0 when it has none).
pub async fn latest_id(c: &mut AnyConnection, org_id: &Id) -> Result<i64> {
    let row = sqlx::query("SELECT last_id FROM event_counters WHERE org_id = $1")
        .bind(org_id.as_str())
        .fetch_optional(c)
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}
