//! Members and invitations: who belongs to an org and with which role.

use super::accounts::{NewAccount, NewSession};
use super::{hash_password, Actor, OrgAccess, QueuedEmail};
use crate::config::SignupMode;
use crate::db::{self, invitations::Invitation, members::Member, orgs::Org, users::User};
use crate::domain::ids::{hash_secret, new_secret};
use crate::domain::{Email, FieldError, Id, Permission, Role};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// How long an invitation link stays valid.
pub const INVITATION_SECONDS: i64 = 7 * 24 * 3600;

/// The org's members (any member may look).
pub async fn list(state: &AppState, access: &OrgAccess, limit: i64) -> Result<Vec<Member>> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::members::list(&mut *state.db.conn().await?, access.org_id(), limit).await?)
}

/// One member of the org.
pub async fn get(state: &AppState, access: &OrgAccess, user_id: &Id) -> Result<Member> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::members::get(&mut *state.db.conn().await?, access.org_id(), user_id).await?)
}

fn last_owner() -> Error {
    Error::Conflict(FieldError::new(
        "role",
        "the organization's last owner cannot leave or be demoted",
    ))
}

/// Changes a member's role. Owners alone grant or take ownership; the last owner stays one.
pub async fn change_role(
    state: &AppState,
    access: &OrgAccess,
    user_id: &Id,
    role: Role,
) -> Result<Member> {
    access.require(Permission::ManageMembers)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let member = db::members::get(&mut tx, access.org_id(), user_id).await?;
    if !access.role.may_grant(role)
        || (member.role == Role::Owner && !access.role.can(Permission::ManageOwnership))
    {
        return Err(Error::Forbidden(format!(
            "your role ({}) cannot make this change",
            access.role
        )));
    }
    if member.role == Role::Owner
        && role != Role::Owner
        && db::members::count_owners(&mut tx, access.org_id()).await? <= 1
    {
        return Err(last_owner());
    }
    db::members::update_role(&mut tx, access.org_id(), user_id, role).await?;
    let details = json!({"email": member.email, "from": member.role, "to": role});
    access
        .audit(
            &mut tx,
            now,
            "member.role_change",
            "member",
            user_id.as_str(),
            details,
        )
        .await?;
    let updated = db::members::get(&mut tx, access.org_id(), user_id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Removes a member; anyone may leave, admins remove others, only owners remove owners.
pub async fn remove(state: &AppState, access: &OrgAccess, user_id: &Id) -> Result<()> {
    let leaving = access.actor.user_id.as_ref() == Some(user_id);
    if !leaving {
        access.require(Permission::ManageMembers)?;
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let member = db::members::get(&mut tx, access.org_id(), user_id).await?;
    if member.role == Role::Owner {
        if !leaving && !access.role.can(Permission::ManageOwnership) {
            return Err(Error::Forbidden("only owners can remove an owner".into()));
        }
        if db::members::count_owners(&mut tx, access.org_id()).await? <= 1 {
            return Err(last_owner());
        }
    }
    db::members::delete(&mut tx, access.org_id(), user_id).await?;
    // Tokens they made leave with them: an API token must not outlive its maker's access.
    db::tokens::revoke_created_by(&mut tx, access.org_id(), now, user_id).await?;
    let action = if leaving {
        "member.leave"
    } else {
        "member.remove"
    };
    access
        .audit(
            &mut tx,
            now,
            action,
            "member",
            user_id.as_str(),
            json!({"email": member.email, "role": member.role}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The org's pending invitations (those who manage members may look).
pub async fn list_invitations(
    state: &AppState,
    access: &OrgAccess,
    limit: i64,
) -> Result<Vec<Invitation>> {
    access.require(Permission::ManageMembers)?;
    Ok(db::invitations::list_pending(
        &mut *state.db.conn().await?,
        access.org_id(),
        state.now(),
        limit,
    )
    .await?)
}

/// Invites an address with a role; a newer invitation replaces a pending one to the same address.
pub async fn invite(
    state: &AppState,
    access: &OrgAccess,
    email: &str,
    role: Role,
) -> Result<Invitation> {
    access.require(Permission::ManageMembers)?;
    let email = Email::parse(email)?;
    if !access.role.may_grant(role) {
        return Err(Error::Forbidden(format!(
            "your role ({}) cannot invite as {role}",
            access.role
        )));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if let Some(user) = db::users::find_by_email(&mut tx, email.as_str()).await? {
        if db::members::role_of(&mut tx, access.org_id(), &user.id)
            .await?
            .is_some()
        {
            return Err(Error::Conflict(FieldError::new(
                "email",
                "is already a member",
            )));
        }
    }
    db::invitations::revoke_pending_for_email(&mut tx, access.org_id(), now, email.as_str())
        .await?;
    let secret = new_secret("binv");
    let expires = now.plus_seconds(INVITATION_SECONDS);
    let inviter = access.actor.user_id.as_ref();
    let invitation = db::invitations::insert(
        &mut tx,
        access.org_id(),
        now,
        email.as_str(),
        role,
        &hash_secret(&secret),
        inviter,
        expires,
    )
    .await?;
    let body = format!(
        "{} invited you to join {} on Beacon as {role}.\n\nAccept within 7 days: {}\n\nIf you did not expect this, ignore this email.",
        access.actor.label,
        access.org.name,
        state.url(&format!("/invitations/{secret}"))
    );
    let subject = format!("You are invited to {} on Beacon", access.org.name);
    let mail = QueuedEmail::queue(&mut tx, now, email.as_str(), &subject, body).await?;
    access
        .audit(
            &mut tx,
            now,
            "invitation.create",
            "invitation",
            invitation.id.as_str(),
            json!({"email": email.as_str(), "role": role}),
        )
        .await?;
    tx.commit().await?;
    mail.log();
    Ok(invitation)
}

/// Revokes a pending invitation.
pub async fn revoke_invitation(
    state: &AppState,
    access: &OrgAccess,
    invitation_id: &Id,
) -> Result<()> {
    access.require(Permission::ManageMembers)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let invitation = db::invitations::get(&mut tx, access.org_id(), invitation_id).await?;
    db::invitations::revoke(&mut tx, access.org_id(), now, invitation_id).await?;
    access
        .audit(
            &mut tx,
            now,
            "invitation.revoke",
            "invitation",
            invitation_id.as_str(),
            json!({"email": invitation.email}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A pending invitation and its org, found by the link's secret.
pub async fn pending_by_secret(state: &AppState, secret: &str) -> Result<(Invitation, Org)> {
    let mut c = state.db.conn().await?;
    let invitation = db::invitations::find_by_token_hash(&mut c, &hash_secret(secret))
        .await?
        .ok_or(Error::NotFound)?;
    if !invitation.is_pending(state.now()) {
        return Err(Error::NotFound);
    }
    let org = db::orgs::get(&mut c, &invitation.org_id).await?;
    Ok((invitation, org))
}

/// Accepts an invitation as a signed-in user whose email it was sent to.
pub async fn accept(state: &AppState, secret: &str, user: &User) -> Result<Org> {
    let (invitation, org) = pending_by_secret(state, secret).await?;
    if invitation.email != user.email {
        return Err(Error::Forbidden(format!(
            "this invitation was sent to {}; sign in with that address to accept it",
            invitation.email
        )));
    }
    let mut tx = state.db.begin().await?;
    join(&mut tx, state, &invitation, &org, user).await?;
    tx.commit().await?;
    Ok(org)
}

/// Accepts an invitation by creating the account it was sent to (unless sign-up is closed).
pub async fn accept_with_new_account(
    state: &AppState,
    secret: &str,
    name: &str,
    password: &str,
) -> Result<(NewSession, Org)> {
    if state.config.signup == SignupMode::Closed {
        return Err(Error::Forbidden(
            "new accounts are created by an administrator; ask them for one".into(),
        ));
    }
    let (invitation, org) = pending_by_secret(state, secret).await?;
    let account = NewAccount::parse(&invitation.email, name, password)?;
    let hash = hash_password(account.password).await?;
    let mut tx = state.db.begin().await?;
    if db::users::find_by_email(&mut tx, &invitation.email)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(FieldError::new(
            "email",
            "already has an account; sign in to accept",
        )));
    }
    let user = db::users::insert(
        &mut tx,
        state.now(),
        &invitation.email,
        &account.name,
        &hash,
    )
    .await?;
    join(&mut tx, state, &invitation, &org, &user).await?;
    tx.commit().await?;
    Ok((super::accounts::open_session(state, user).await?, org))
}

async fn join(
    c: &mut db::AnyConnection,
    state: &AppState,
    invitation: &Invitation,
    org: &Org,
    user: &User,
) -> Result<()> {
    let now = state.now();
    db::invitations::mark_accepted(c, &org.id, now, &invitation.id).await?;
    if db::members::role_of(c, &org.id, &user.id).await?.is_some() {
        return Err(Error::Conflict(FieldError::new(
            "email",
            "is already a member",
        )));
    }
    db::members::insert(c, &org.id, now, &user.id, invitation.role).await?;
    let access = OrgAccess {
        org: org.clone(),
        role: invitation.role,
        actor: Actor::user(&user.id, &user.email),
    };
    let details =
        json!({"email": user.email, "role": invitation.role, "invitation_id": invitation.id});
    access
        .audit(c, now, "member.join", "member", user.id.as_str(), details)
        .await?;
    Ok(())
}
