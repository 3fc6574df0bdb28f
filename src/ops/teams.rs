//! Teams inside an org: named groups of members.

use super::OrgAccess;
use crate::db::{self, teams::Team};
use crate::domain::{text::name, FieldError, Id, Permission};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// The org's teams (any member may look).
pub async fn list(state: &AppState, access: &OrgAccess, limit: i64) -> Result<Vec<Team>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::teams::list(&mut *state.db.conn().await?, access.org_id(), limit).await?)
}

/// One team.
pub async fn get(state: &AppState, access: &OrgAccess, team_id: &Id) -> Result<Team> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::teams::get(&mut *state.db.conn().await?, access.org_id(), team_id).await?)
}

/// Creates a team.
pub async fn create(state: &AppState, access: &OrgAccess, team_name: &str) -> Result<Team> {
    access.require(Permission::ManageMembers)?;
    let team_name = name("name", team_name)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let team = db::teams::insert(&mut tx, access.org_id(), now, &team_name).await?;
    access
        .audit(
            &mut tx,
            now,
            "team.create",
            "team",
            team.id.as_str(),
            json!({"name": team_name}),
        )
        .await?;
    tx.commit().await?;
    Ok(team)
}

/// Renames a team.
pub async fn rename(
    state: &AppState,
    access: &OrgAccess,
    team_id: &Id,
    team_name: &str,
) -> Result<Team> {
    access.require(Permission::ManageMembers)?;
    let team_name = name("name", team_name)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let before = db::teams::get(&mut tx, access.org_id(), team_id).await?;
    db::teams::rename(&mut tx, access.org_id(), team_id, &team_name).await?;
    access
        .audit(
            &mut tx,
            now,
            "team.rename",
            "team",
            team_id.as_str(),
            json!({"from": before.name, "to": team_name}),
        )
        .await?;
    let team = db::teams::get(&mut tx, access.org_id(), team_id).await?;
    tx.commit().await?;
    Ok(team)
}

/// Deletes a team.
pub async fn delete(state: &AppState, access: &OrgAccess, team_id: &Id) -> Result<()> {
    access.require(Permission::ManageMembers)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let team = db::teams::get(&mut tx, access.org_id(), team_id).await?;
    db::teams::delete(&mut tx, access.org_id(), team_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "team.delete",
            "team",
            team_id.as_str(),
            json!({"name": team.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds one of the org's members to a team.
pub async fn add_member(
    state: &AppState,
    access: &OrgAccess,
    team_id: &Id,
    user_id: &Id,
) -> Result<()> {
    access.require(Permission::ManageMembers)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let team = db::teams::get(&mut tx, access.org_id(), team_id).await?;
    if db::members::role_of(&mut tx, access.org_id(), user_id)
        .await?
        .is_none()
    {
        return Err(Error::Invalid(vec![FieldError::new(
            "user_id",
            "is not a member of this organization",
        )]));
    }
    db::teams::add_member(&mut tx, access.org_id(), now, team_id, user_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "team.member_add",
            "team",
            team_id.as_str(),
            json!({"team": team.name, "user_id": user_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member from a team.
pub async fn remove_member(
    state: &AppState,
    access: &OrgAccess,
    team_id: &Id,
    user_id: &Id,
) -> Result<()> {
    access.require(Permission::ManageMembers)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let team = db::teams::get(&mut tx, access.org_id(), team_id).await?;
    db::teams::remove_member(&mut tx, access.org_id(), team_id, user_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "team.member_remove",
            "team",
            team_id.as_str(),
            json!({"team": team.name, "user_id": user_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
