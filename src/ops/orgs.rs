//! Organizations: create, update, delete.

use super::{Actor, OrgAccess};
use crate::db::{self, orgs::Org, users::User, AnyConnection};
use crate::domain::{text::name, Permission, Role, Slug, TimeZoneName, Timestamp};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// Validates a new org's slug and name together.
pub fn parse_new(slug: &str, org_name: &str) -> Result<(Slug, String)> {
    let slug = Slug::parse(slug);
    let org_name = name("name", org_name);
    match (slug, org_name) {
        (Ok(s), Ok(n)) => Ok((s, n)),
        (s, n) => Err(Error::Invalid(s.err().into_iter().chain(n.err()).collect())),
    }
}

/// Inserts an org with `owner` as its first owner, and audits it.
pub async fn insert_with_owner(
    c: &mut AnyConnection,
    now: Timestamp,
    owner: &User,
    slug: &Slug,
    org_name: &str,
) -> Result<Org> {
    let org = db::orgs::insert(c, now, slug.as_str(), org_name, "UTC").await?;
    db::members::insert(c, &org.id, now, &owner.id, Role::Owner).await?;
    let access = OrgAccess {
        org: org.clone(),
        role: Role::Owner,
        actor: Actor::user(&owner.id, &owner.email),
    };
    access
        .audit(
            c,
            now,
            "org.create",
            "org",
            org.id.as_str(),
            json!({"slug": org.slug, "name": org.name}),
        )
        .await?;
    Ok(org)
}

/// Creates an org owned by `user`.
pub async fn create(state: &AppState, user: &User, slug: &str, org_name: &str) -> Result<Org> {
    let (slug, org_name) = parse_new(slug, org_name)?;
    let mut tx = state.db.begin().await?;
    let org = insert_with_owner(&mut tx, state.now(), user, &slug, &org_name).await?;
    tx.commit().await?;
    crate::public::snapshot::rebuild(state, &org.id).await?;
    Ok(org)
}

/// A partial update of an org's settings; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct OrgChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
}

/// Applies setting changes (admins and owners).
pub async fn update(state: &AppState, access: &OrgAccess, changes: OrgChanges) -> Result<Org> {
    access.require(Permission::ManageSettings)?;
    let org = &access.org;
    let mut errors = Vec::new();
    let slug = match &changes.slug {
        Some(s) => Slug::parse(s)
            .map(|s| s.as_str().to_owned())
            .map_err(|e| errors.push(e))
            .ok(),
        None => Some(org.slug.clone()),
    };
    let org_name = match &changes.name {
        Some(n) => name("name", n).map_err(|e| errors.push(e)).ok(),
        None => Some(org.name.clone()),
    };
    let zone = match &changes.time_zone {
        Some(z) => TimeZoneName::parse(z)
            .map(|z| z.as_str().to_owned())
            .map_err(|e| errors.push(e))
            .ok(),
        None => Some(org.time_zone.clone()),
    };
    let (Some(slug), Some(org_name), Some(zone)) = (slug, org_name, zone) else {
        return Err(Error::Invalid(errors));
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let updated = db::orgs::update(&mut tx, &org.id, &slug, &org_name, &zone).await?;
    let mut diff = serde_json::Map::new();
    for (field, before, after) in [
        ("slug", &org.slug, &slug),
        ("name", &org.name, &org_name),
        ("time_zone", &org.time_zone, &zone),
    ] {
        if before != after {
            diff.insert(field.into(), json!({"from": before, "to": after}));
        }
    }
    access
        .audit(
            &mut tx,
            now,
            "org.update",
            "org",
            org.id.as_str(),
            diff.into(),
        )
        .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes an org and everything in it (owners only).
pub async fn delete(state: &AppState, access: &OrgAccess) -> Result<()> {
    access.require(Permission::ManageOwnership)?;
    let mut tx = state.db.begin().await?;
    db::orgs::delete(&mut tx, &access.org.id).await?;
    tx.commit().await?;
    tracing::info!(org = %access.org.slug, actor = %access.actor.label, "organization deleted");
    Ok(())
}

/// The caller's standing in the org with this slug; `NotFound` unless they are a member.
pub async fn access_for_user(state: &AppState, user: &User, slug: &str) -> Result<OrgAccess> {
    let mut c = state.db.conn().await?;
    let org = db::orgs::find_by_slug(&mut c, slug)
        .await?
        .ok_or(Error::NotFound)?;
    let role = db::members::role_of(&mut c, &org.id, &user.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(OrgAccess {
        org,
        role,
        actor: Actor::user(&user.id, &user.email),
    })
}

/// A page of the org's audit log, newest first (admins and owners).
pub async fn audit_log(
    state: &AppState,
    access: &OrgAccess,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<db::audit::Entry>, Option<String>)> {
    access.require(Permission::ReadAudit)?;
    let cursor = match cursor {
        Some(s) => Some(
            db::audit::Cursor::decode(s)
                .ok_or_else(|| Error::invalid("cursor", "is not a cursor from this log"))?,
        ),
        None => None,
    };
    let (entries, next) = db::audit::list(
        &mut *state.db.conn().await?,
        access.org_id(),
        cursor.as_ref(),
        limit,
    )
    .await?;
    Ok((entries, next.map(|c| c.encode())))
}
