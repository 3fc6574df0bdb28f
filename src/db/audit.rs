//! The audit log: who did what to which object of an org, and when.

use super::{id, time, AnyConnection, Result, Row};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// One audit entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: Id,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: serde_json::Value,
}

fn from_row(r: &Row) -> sqlx::Result<Entry> {
    let details: String = r.try_get("details")?;
    Ok(Entry {
        id: id(r, "id")?,
        at: time(r, "at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
    })
}

/// What happened, ready to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub details: serde_json::Value,
}

/// Appends an entry (in the transaction of the change it records).
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    e: NewEntry<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, org_id, at, actor, action, object_type, object_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Id::new().as_str())
    .bind(org_id.as_str())
    .bind(now.micros())
    .bind(e.actor)
    .bind(e.action)
    .bind(e.object_type)
    .bind(e.object_id)
    .bind(e.details.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// A position in the log: entries strictly older than (at, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: i64,
    pub id: String,
}

impl Cursor {
    /// Opaque text form, `<micros>-<id>`.
    pub fn encode(&self) -> String {
        format!("{}-{}", self.at, self.id)
    }

    /// Parses the text form; `None` if malformed.
    pub fn decode(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once('-')?;
        let at = at.parse().ok()?;
        Id::parse(id)?;
        Some(Cursor {
            at,
            id: id.to_owned(),
        })
    }
}

/// A page of the org's log, newest first, with the cursor of the next page if there is one.
pub async fn list(
    c: &mut AnyConnection,
    org_id: &Id,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<Entry>, Option<Cursor>)> {
    let (at, after_id) = match cursor {
        Some(k) => (k.at, k.id.clone()),
        None => (i64::MAX, String::from("~")),
    };
    let rows = sqlx::query(
        "SELECT * FROM audit_log WHERE org_id = $1 AND (at < $2 OR (at = $2 AND id < $3)) ORDER BY at DESC, id DESC LIMIT $4",
    )
    .bind(org_id.as_str())
    .bind(at)
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(c)
    .await?;
    let mut entries = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| Cursor {
            at: e.at.micros(),
            id: e.id.as_str().to_owned(),
        })
    } else {
        None
    };
    Ok((entries, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            at: 1_700_000_000_000_000,
            id: "abcdefghijkl".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "x-abcdefghijkl", "12-short", "12", "-5-abcdefghijkl"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
