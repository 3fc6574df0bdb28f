//! Invitations to join an org, redeemed by a single-use emailed link.

use super::{id, opt_time, role, time, AnyConnection, Result, Row};
use crate::domain::{Id, Role, Timestamp};
use sqlx::Row as _;

/// An invitation (pending, accepted, revoked or expired).
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: Id,
    pub org_id: Id,
    pub email: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl Invitation {
    /// Whether the link can still be used at `now`.
    pub fn is_pending(&self, now: Timestamp) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }
}

fn from_row(r: &Row) -> sqlx::Result<Invitation> {
    Ok(Invitation {
        id: id(r, "id")?,
        org_id: id(r, "org_id")?,
        email: r.try_get("email")?,
        role: role(r, "role")?,
        created_at: time(r, "created_at")?,
        expires_at: time(r, "expires_at")?,
        accepted_at: opt_time(r, "accepted_at")?,
        revoked_at: opt_time(r, "revoked_at")?,
    })
}

/// Records a new invitation; the link's secret is stored only as its hash.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    email: &str,
    role: Role,
    token_hash: &str,
    invited_by: Option<&Id>,
    expires_at: Timestamp,
) -> Result<Invitation> {
    let row = sqlx::query(
        "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
    )
    .bind(Id::new().as_str())
    .bind(org_id.as_str())
    .bind(email)
    .bind(role.as_str())
    .bind(token_hash)
    .bind(invited_by.map(|i| i.as_str().to_owned()))
    .bind(now.micros())
    .bind(expires_at.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// The org's invitations that can still be accepted, newest first.
pub async fn list_pending(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<Invitation>> {
    let rows = sqlx::query(
        "SELECT * FROM invitations WHERE org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY created_at DESC, id LIMIT $3",
    )
    .bind(org_id.as_str())
    .bind(now.micros())
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// One invitation of the org.
pub async fn get(c: &mut AnyConnection, org_id: &Id, invitation_id: &Id) -> Result<Invitation> {
    let row = sqlx::query("SELECT * FROM invitations WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(invitation_id.as_str())
        .fetch_one(c)
        .await?;
    Ok(from_row(&row)?)
}

/// The invitation a link's secret belongs to, across tenants (the link names no org).
pub async fn find_by_token_hash(
    c: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<Invitation>> {
    let row = sqlx::query("SELECT * FROM invitations WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(c)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Revokes pending invitations of `email` to the org (superseded by a new one).
pub async fn revoke_pending_for_email(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    email: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE invitations SET revoked_at = $3 WHERE org_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(email)
    .bind(now.micros())
    .execute(c)
    .await?;
    Ok(())
}

/// Revokes one pending invitation; `NotFound` if it is not pending.
pub async fn revoke(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    invitation_id: &Id,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(invitation_id.as_str())
    .bind(now.micros())
    .execute(c)
    .await?;
    super::one(done)
}

/// Marks an invitation used, once: `NotFound` if someone used or revoked it first.
pub async fn mark_accepted(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    invitation_id: &Id,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = $3 WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(org_id.as_str())
    .bind(invitation_id.as_str())
    .bind(now.micros())
    .execute(c)
    .await?;
    super::one(done)
}
