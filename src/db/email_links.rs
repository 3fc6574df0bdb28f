//! Single-use links sent by email: finishing a sign-up, resetting a password.

use super::{AnyConnection, Result};
use crate::domain::Timestamp;
use sqlx::Row as _;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Signup,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Signup => "signup",
            Purpose::Reset => "reset",
        }
    }
}

/// Stores a link by the hash of its secret.
pub async fn insert(
    c: &mut AnyConnection,
    now: Timestamp,
    purpose: Purpose,
    email: &str,
    token_hash: &str,
    expires_at: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO email_links (token_hash, purpose, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(email)
        .bind(now.micros())
        .bind(expires_at.micros())
        .execute(c)
        .await?;
    Ok(())
}

/// The email of a usable link, without using it.
pub async fn peek(
    c: &mut AnyConnection,
    now: Timestamp,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT email FROM email_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now.micros())
    .fetch_optional(c)
    .await?;
    Ok(row.map(|r| r.try_get("email")).transpose()?)
}

/// Uses a link once and returns its email; `None` if it is unknown, used or expired.
pub async fn consume(
    c: &mut AnyConnection,
    now: Timestamp,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "UPDATE email_links SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING email",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now.micros())
    .fetch_optional(c)
    .await?;
    Ok(row.map(|r| r.try_get("email")).transpose()?)
}
