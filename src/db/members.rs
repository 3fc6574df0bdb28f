//! Memberships: which users belong to which org, with which role.

use super::{id, role, time, AnyConnection, Result, Row};
use crate::domain::{Id, Role, Timestamp};
use sqlx::Row as _;

/// A user's membership of one org, with the user's public details.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Id,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub joined_at: Timestamp,
}

fn from_row(r: &Row) -> sqlx::Result<Member> {
    Ok(Member {
        user_id: id(r, "user_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: role(r, "role")?,
        joined_at: time(r, "joined_at")?,
    })
}

const SELECT: &str = "SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id";

/// Adds a user to an org.
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    user_id: &Id,
    role: Role,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id.as_str())
    .bind(user_id.as_str())
    .bind(role.as_str())
    .bind(now.micros())
    .execute(c)
    .await?;
    Ok(())
}

/// The org's members, oldest first.
pub async fn list(c: &mut AnyConnection, org_id: &Id, limit: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE m.org_id = $1 ORDER BY m.joined_at, m.user_id LIMIT $2"
    ))
    .bind(org_id.as_str())
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// One member of the org.
pub async fn get(c: &mut AnyConnection, org_id: &Id, user_id: &Id) -> Result<Member> {
    let row = sqlx::query(&format!("{SELECT} WHERE m.org_id = $1 AND m.user_id = $2"))
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .fetch_one(c)
        .await?;
    Ok(from_row(&row)?)
}

/// The user's role in the org, if a member.
pub async fn role_of(c: &mut AnyConnection, org_id: &Id, user_id: &Id) -> Result<Option<Role>> {
    match get(c, org_id, user_id).await {
        Ok(m) => Ok(Some(m.role)),
        Err(super::Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// How many owners the org has.
pub async fn count_owners(c: &mut AnyConnection, org_id: &Id) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'")
            .bind(org_id.as_str())
            .fetch_one(c)
            .await?
            .try_get(0)?,
    )
}

/// Changes a member's role.
pub async fn update_role(
    c: &mut AnyConnection,
    org_id: &Id,
    user_id: &Id,
    role: Role,
) -> Result<()> {
    let done = sqlx::query("UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .bind(role.as_str())
        .execute(c)
        .await?;
    super::one(done)
}

/// Removes a member from the org and from its teams.
pub async fn delete(c: &mut AnyConnection, org_id: &Id, user_id: &Id) -> Result<()> {
    sqlx::query("DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE org_id = $1)")
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .execute(&mut *c)
        .await?;
    let done = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .execute(c)
        .await?;
    super::one(done)
}

/// An org a user belongs to, with the user's role there.
#[derive(Debug, Clone)]
pub struct Membership {
    pub org: super::orgs::Org,
    pub role: Role,
}

/// Every org the user belongs to, by name: the user's own view across tenants.
pub async fn orgs_of_user(c: &mut AnyConnection, user_id: &Id) -> Result<Vec<Membership>> {
    let rows = sqlx::query(
        "SELECT o.*, m.role FROM orgs o JOIN memberships m ON m.org_id = o.id WHERE m.user_id = $1 ORDER BY o.name, o.slug",
    )
    .bind(user_id.as_str())
    .fetch_all(c)
    .await?;
    let memberships = rows
        .iter()
        .map(|r| {
            Ok(Membership {
                org: super::orgs::from_row(r)?,
                role: role(r, "role")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
    Ok(memberships)
}
