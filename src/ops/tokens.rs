//! API tokens: created with a role, shown once, stored hashed, revocable.

use super::{Actor, OrgAccess};
use crate::db::{self, tokens::Token};
use crate::domain::ids::{hash_secret, new_secret};
use crate::domain::{text::name, Id, Permission, Role};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// The org's live tokens (those who manage tokens may look).
pub async fn list(state: &AppState, access: &OrgAccess, limit: i64) -> Result<Vec<Token>> {
    access.require(Permission::ManageTokens)?;
    Ok(db::tokens::list(&mut *state.db.conn().await?, access.org_id(), limit).await?)
}

/// Creates a token no stronger than the caller's role; returns the record and the secret, once.
pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    token_name: &str,
    role: Role,
) -> Result<(Token, String)> {
    access.require(Permission::ManageTokens)?;
    let token_name = name("name", token_name)?;
    if !access.role.may_grant(role) {
        return Err(Error::Forbidden(format!(
            "your role ({}) cannot create a {role} token",
            access.role
        )));
    }
    let secret = new_secret("bcn");
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let token = db::tokens::insert(
        &mut tx,
        access.org_id(),
        now,
        &token_name,
        role,
        &hash_secret(&secret),
        access.actor.user_id.as_ref(),
    )
    .await?;
    access
        .audit(
            &mut tx,
            now,
            "token.create",
            "token",
            token.id.as_str(),
            json!({"name": token_name, "role": role}),
        )
        .await?;
    tx.commit().await?;
    Ok((token, secret))
}

/// Revokes a token.
pub async fn revoke(state: &AppState, access: &OrgAccess, token_id: &Id) -> Result<()> {
    access.require(Permission::ManageTokens)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let token = db::tokens::revoke(&mut tx, access.org_id(), now, token_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "token.revoke",
            "token",
            token_id.as_str(),
            json!({"name": token.name, "role": token.role}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The access a Bearer secret grants: its org, its role, the token as actor.
pub async fn authenticate(state: &AppState, secret: &str) -> Result<Option<OrgAccess>> {
    let now = state.now();
    let mut c = state.db.conn().await?;
    let Some(token) = db::tokens::find_live_by_hash(&mut c, &hash_secret(secret)).await? else {
        return Ok(None);
    };
    let org = db::orgs::get(&mut c, &token.org_id).await?;
    drop(c);
    if token.last_used_at.is_none_or(|t| t < now.plus_seconds(-60)) {
        let mut tx = state.db.begin().await?;
        db::tokens::touch(&mut tx, &org.id, &token.id, now).await?;
        tx.commit().await?;
    }
    Ok(Some(OrgAccess {
        org,
        role: token.role,
        actor: Actor::token(&token.name),
    }))
}
