//! Teams: named groups of an org's members.

use super::{id, AnyConnection, Result, Row};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// A team with its members' ids.
#[derive(Debug, Clone)]
pub struct Team {
    pub id: Id,
    pub name: String,
    pub member_ids: Vec<Id>,
}

fn from_row(r: &Row) -> sqlx::Result<Team> {
    Ok(Team {
        id: id(r, "id")?,
        name: r.try_get("name")?,
        member_ids: Vec::new(),
    })
}

/// Creates a team.
pub async fn insert(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    name: &str,
) -> Result<Team> {
    let row = sqlx::query("INSERT INTO teams (id, org_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id, name")
        .bind(Id::new().as_str())
        .bind(org_id.as_str())
        .bind(name)
        .bind(now.micros())
        .fetch_one(c)
        .await?;
    Ok(from_row(&row)?)
}

/// The org's teams by name, each with its members.
pub async fn list(c: &mut AnyConnection, org_id: &Id, limit: i64) -> Result<Vec<Team>> {
    let rows =
        sqlx::query("SELECT id, name FROM teams WHERE org_id = $1 ORDER BY name, id LIMIT $2")
            .bind(org_id.as_str())
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
    let mut teams = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let members = sqlx::query(
        "SELECT tm.team_id, tm.user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id \
         WHERE t.org_id = $1 ORDER BY tm.added_at, tm.user_id",
    )
    .bind(org_id.as_str())
    .fetch_all(c)
    .await?;
    for m in &members {
        let team_id: String = m.try_get("team_id")?;
        if let Some(t) = teams.iter_mut().find(|t| t.id.as_str() == team_id) {
            t.member_ids.push(id(m, "user_id")?);
        }
    }
    Ok(teams)
}

/// One team of the org, with its members.
pub async fn get(c: &mut AnyConnection, org_id: &Id, team_id: &Id) -> Result<Team> {
    let row = sqlx::query("SELECT id, name FROM teams WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(team_id.as_str())
        .fetch_one(&mut *c)
        .await?;
    let mut team = from_row(&row)?;
    let rows = sqlx::query(
        "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY added_at, user_id",
    )
    .bind(team_id.as_str())
    .fetch_all(c)
    .await?;
    team.member_ids = rows
        .iter()
        .map(|r| id(r, "user_id"))
        .collect::<sqlx::Result<_>>()?;
    Ok(team)
}

/// Renames a team.
pub async fn rename(c: &mut AnyConnection, org_id: &Id, team_id: &Id, name: &str) -> Result<()> {
    let done = sqlx::query("UPDATE teams SET name = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(team_id.as_str())
        .bind(name)
        .execute(c)
        .await?;
    super::one(done)
}

/// Deletes a team (its memberships go with it).
pub async fn delete(c: &mut AnyConnection, org_id: &Id, team_id: &Id) -> Result<()> {
    let done = sqlx::query("DELETE FROM teams WHERE org_id = $1 AND id = $2")
        .bind(org_id.as_str())
        .bind(team_id.as_str())
        .execute(c)
        .await?;
    super::one(done)
}

/// Adds a member to a team; the caller has checked both belong to the org.
pub async fn add_member(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    team_id: &Id,
    user_id: &Id,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, added_at) SELECT id, $3, $4 FROM teams WHERE org_id = $1 AND id = $2 \
         ON CONFLICT (team_id, user_id) DO NOTHING",
    )
    .bind(org_id.as_str())
    .bind(team_id.as_str())
    .bind(user_id.as_str())
    .bind(now.micros())
    .execute(c)
    .await?;
    Ok(())
}

/// Removes a member from a team; `NotFound` if they were not in it.
pub async fn remove_member(
    c: &mut AnyConnection,
    org_id: &Id,
    team_id: &Id,
    user_id: &Id,
) -> Result<()> {
    let done = sqlx::query(
        "DELETE FROM team_members WHERE user_id = $3 AND team_id IN (SELECT id FROM teams WHERE org_id = $1 AND id = $2)",
    )
    .bind(org_id.as_str())
    .bind(team_id.as_str())
    .bind(user_id.as_str())
    .execute(c)
    .await?;
    super::one(done)
}
