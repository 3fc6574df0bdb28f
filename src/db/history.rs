//! Status history: every change of every service's status, with when, why and who.

use super::{id, opt_id, time, AnyConnection, Result, Row};
use crate::domain::{Cause, Id, ServiceStatus, Timestamp};
use sqlx::Row as _;

/// One status change.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: Id,
    pub service_id: Id,
    pub old_status: Option<ServiceStatus>,
    pub new_status: ServiceStatus,
    pub at: Timestamp,
    pub cause: Cause,
    pub cause_id: Option<Id>,
    pub actor: String,
}

fn from_row(r: &Row) -> sqlx::Result<Change> {
    let old: Option<String> = r.try_get("old_status")?;
    let new: String = r.try_get("new_status")?;
    let cause: String = r.try_get("cause")?;
    let bad = |what: &str| sqlx::Error::Decode(format!("bad {what}").into());
    Ok(Change {
        id: id(r, "id")?,
        service_id: id(r, "service_id")?,
        old_status: old
            .as_deref()
            .map(|s| ServiceStatus::parse(s).ok_or_else(|| bad("old_status")))
            .transpose()?,
        new_status: ServiceStatus::parse(&new).ok_or_else(|| bad("new_status"))?,
        at: time(r, "at")?,
        cause: Cause::parse(&cause).ok_or_else(|| bad("cause"))?,
        cause_id: opt_id(r, "cause_id")?,
        actor: r.try_get("actor")?,
    })
}

/// Appends a change. Changes of one service made within the same second keep their order: one
/// that would not sort after the service's latest change is placed a microsecond after it (a
/// back-dated change, such as a backfilled incident's, keeps its time).
pub async fn insert(c: &mut AnyConnection, org_id: &Id, change: &Change) -> Result<()> {
    let latest: Option<i64> =
        sqlx::query("SELECT MAX(at) FROM status_history WHERE org_id = $1 AND service_id = $2")
            .bind(org_id.as_str())
            .bind(change.service_id.as_str())
            .fetch_one(&mut *c)
            .await?
            .try_get(0)?;
    let mut at = change.at.micros();
    if let Some(latest) = latest {
        if at <= latest && latest - at < 1_000_000 {
            at = latest + 1;
        }
    }
    sqlx::query(
        "INSERT INTO status_history (id, org_id, service_id, old_status, new_status, at, cause, cause_id, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(change.id.as_str())
    .bind(org_id.as_str())
    .bind(change.service_id.as_str())
    .bind(change.old_status.map(|s| s.as_str().to_owned()))
    .bind(change.new_status.as_str())
    .bind(at)
    .bind(change.cause.as_str())
    .bind(change.cause_id.as_ref().map(|i| i.to_string()))
    .bind(&change.actor)
    .execute(c)
    .await?;
    Ok(())
}

/// What to read from the history.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub service_id: Option<Id>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Entries strictly after (at, id), for paging.
    pub after: Option<(i64, String)>,
}

/// Changes in time order (oldest first), at most `limit`, and whether more follow.
pub async fn list(
    c: &mut AnyConnection,
    org_id: &Id,
    f: &Filter,
    limit: i64,
) -> Result<(Vec<Change>, bool)> {
    let (after_at, after_id) = f.after.clone().unwrap_or((i64::MIN, String::new()));
    let rows = sqlx::query(
        "SELECT * FROM status_history WHERE org_id = $1 AND ($2 = '' OR service_id = $2) AND at >= $3 AND at < $4 \
         AND (at > $5 OR (at = $5 AND id > $6)) ORDER BY at, id LIMIT $7",
    )
    .bind(org_id.as_str())
    .bind(f.service_id.as_ref().map(|s| s.to_string()).unwrap_or_default())
    .bind(f.from.map_or(i64::MIN, |t| t.micros()))
    .bind(f.to.map_or(i64::MAX, |t| t.micros()))
    .bind(after_at)
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(c)
    .await?;
    let mut changes = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let more = changes.len() as i64 > limit;
    changes.truncate(limit as usize);
    Ok((changes, more))
}

/// The status a service had just before `at` (its latest change earlier than `at`), if any.
pub async fn status_before(
    c: &mut AnyConnection,
    org_id: &Id,
    service_id: &Id,
    at: Timestamp,
) -> Result<Option<ServiceStatus>> {
    let row = sqlx::query("SELECT new_status FROM status_history WHERE org_id = $1 AND service_id = $2 AND at < $3 ORDER BY at DESC, id DESC LIMIT 1")
        .bind(org_id.as_str())
        .bind(service_id.as_str())
        .bind(at.micros())
        .fetch_optional(c)
        .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>("new_status"))
        .transpose()?
        .as_deref()
        .and_then(ServiceStatus::parse))
}
