//! Server-side sessions, keyed by the hash of the cookie's secret.

use super::{AnyConnection, Result};
use crate::db::users::User;
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// Opens a session for a user.
pub async fn insert(
    c: &mut AnyConnection,
    now: Timestamp,
    token_hash: &str,
    user_id: &Id,
    expires_at: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id.as_str())
        .bind(now.micros())
        .bind(expires_at.micros())
        .execute(c)
        .await?;
    Ok(())
}

/// The user of a live session.
pub async fn find_user(
    c: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<User>> {
    let row = sqlx::query(
        "SELECT u.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now.micros())
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => {
            let id = Id::from_stored(r.try_get("id")?);
            Ok(Some(super::users::get(c, &id).await?))
        }
        None => Ok(None),
    }
}

/// Ends one session.
pub async fn delete(c: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change or reset).
pub async fn delete_all_of_user(
    c: &mut AnyConnection,
    user_id: &Id,
    keep: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id.as_str())
        .bind(keep.unwrap_or(""))
        .execute(c)
        .await?;
    Ok(())
}

/// Removes expired sessions and used or expired email links.
pub async fn purge_expired(c: &mut AnyConnection, now: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now.micros())
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM email_links WHERE expires_at <= $1")
        .bind(now.micros())
        .execute(c)
        .await?;
    Ok(())
}
