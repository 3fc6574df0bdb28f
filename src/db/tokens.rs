//! API tokens: per org, with a role, stored as a hash, revocable.

use super::{id, opt_time, role, time, AnyConnection, Result, Row};
use crate::domain::{Id, Role, Timestamp};
use sqlx::Row as _;

/// An API token's record (never the secret itself).
#[derive(Debug, Clone)]
pub struct Token {
    pub id: Id,
    pub org_id: Id,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

fn from_row(r: &Row) -> sqlx::Result<Token> {
    Ok(Token {
        id: id(r, "id")?,
        org_id: id(r, "org_id")?,
        name: r.try_get("name")?,
        role: role(r, "role")?,
        created_at: time(r, "created_at")?,
        last_used_at: opt_time(r, "last_used_at")?,
    })
}

const COLUMNS: &str = "id, org_id, name, role, created_at, last_used_at";

/// Records a new token by the hash of its secret.
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    name: &str,
    role: Role,
    token_hash: &str,
    created_by: Option<&Id>,
) -> Result<Token> {
    let row = sqlx::query(&format!(
        "INSERT INTO api_tokens (id, org_id, name, role, token_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(Id::new().as_str())
    .bind(org_id.as_str())
    .bind(name)
    .bind(role.as_str())
    .bind(token_hash)
    .bind(created_by.map(|i| i.as_str().to_owned()))
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// The org's live tokens, newest first.
pub async fn list(c: &mut AnyConnection, org_id: &Id, limit: i64) -> Result<Vec<Token>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE org_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id LIMIT $2"
    ))
    .bind(org_id.as_str())
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// The live token with this secret hash, across tenants: how a Bearer request finds its org.
pub async fn find_live_by_hash(c: &mut AnyConnection, token_hash: &str) -> Result<Option<Token>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(c)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Records a use, at most once a minute per token so reads do not become writes.
pub async fn touch(
    c: &mut AnyConnection,
    org_id: &Id,
    token_id: &Id,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $3 WHERE org_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $4)",
    )
    .bind(org_id.as_str())
    .bind(token_id.as_str())
    .bind(now.micros())
    .bind(now.plus_seconds(-60).micros())
    .execute(c)
    .await?;
    Ok(())
}

/// Revokes a token; `NotFound` if it is not live.
pub async fn revoke(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    token_id: &Id,
) -> Result<Token> {
    let row = sqlx::query(&format!(
        "UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(org_id.as_str())
    .bind(token_id.as_str())
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// Revokes every live token of the org that a user created (when the user leaves the org).
pub async fn revoke_created_by(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    user_id: &Id,
) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND created_by = $2 AND revoked_at IS NULL")
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .bind(now.micros())
        .execute(c)
        .await?;
    Ok(())
}
