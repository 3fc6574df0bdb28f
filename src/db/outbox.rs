//! The durable outbox: messages written in the same transaction as the change that causes them.

use super::{id, time, AnyConnection, Result};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// A queued email.
#[derive(Debug, Clone)]
pub struct Email {
    pub id: Id,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// Queues an email.
pub async fn insert_email(
    c: &mut AnyConnection,
    now: Timestamp,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<Id> {
    let id = Id::new();
    sqlx::query(
        "INSERT INTO outbox (id, kind, recipient, subject, body, created_at, attempts) VALUES ($1, 'email', $2, $3, $4, $5, 0)",
    )
    .bind(id.as_str())
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(now.micros())
    .execute(c)
    .await?;
    Ok(id)
}

/// Queued emails to one recipient, oldest first (what an operator or a test reads back).
pub async fn emails_to(c: &mut AnyConnection, recipient: &str) -> Result<Vec<Email>> {
    let rows = sqlx::query(
        "SELECT id, recipient, subject, body, created_at FROM outbox WHERE kind = 'email' AND recipient = $1 ORDER BY created_at, id",
    )
    .bind(recipient)
    .fetch_all(c)
    .await?;
    let emails = rows
        .iter()
        .map(|r| {
            Ok(Email {
                id: id(r, "id")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                created_at: time(r, "created_at")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
    Ok(emails)
}
