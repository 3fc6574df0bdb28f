//! Operations: each user-visible action once, shared by the API, the dashboard and the CLI.
//!
//! An operation checks the caller's permission, validates its input, and commits its change
//! together with its audit entry and outbox rows in one transaction.

pub mod accounts;
pub mod events;
pub mod incidents;
pub mod maintenances;
pub mod members;
pub mod orgs;
pub mod pages;
pub mod services;
pub mod teams;
pub mod templates;
pub mod tokens;

use crate::db::{self, orgs::Org, AnyConnection};
use crate::domain::{Id, Permission, Role, Timestamp};
use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Who is acting: a signed-in user or an API token.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user behind the action (a token's creator is not the actor; the token is).
    pub user_id: Option<Id>,
    /// How the audit log names the actor, e.g. `ann@example.com` or `token:deploy`.
    pub label: String,
}

impl Actor {
    /// A signed-in user.
    pub fn user(id: &Id, email: &str) -> Self {
        Actor {
            user_id: Some(id.clone()),
            label: email.to_owned(),
        }
    }

    /// An API token.
    pub fn token(name: &str) -> Self {
        Actor {
            user_id: None,
            label: format!("token:{name}"),
        }
    }
}

/// A caller's standing in one org: resolved once per request, checked by every operation.
#[derive(Debug, Clone)]
pub struct OrgAccess {
    pub org: Org,
    pub role: Role,
    pub actor: Actor,
}

impl OrgAccess {
    /// `Forbidden` unless the caller's role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "your role ({}) does not allow this",
                self.role
            )))
        }
    }

    /// The org's id.
    pub fn org_id(&self) -> &Id {
        &self.org.id
    }

    /// Appends an audit entry for this caller in the org.
    pub async fn audit(
        &self,
        c: &mut AnyConnection,
        now: Timestamp,
        action: &str,
        object_type: &str,
        object_id: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let entry = db::audit::NewEntry {
            actor: &self.actor.label,
            action,
            object_type,
            object_id,
            details,
        };
        Ok(db::audit::insert(c, &self.org.id, now, entry).await?)
    }
}

/// Hashes a password with argon2id (off the async runtime: it is deliberately slow).
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

/// A valid argon2id hash of no one's password, so unknown accounts cost as much as known ones.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let secret = crate::domain::ids::random_string(32);
        Argon2::default()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks a password against a stored hash (or against a decoy when there is no account).
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let known = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| decoy_hash().to_owned());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// An email queued in the outbox, to be logged once its transaction has committed.
#[must_use]
pub struct QueuedEmail {
    to: String,
    subject: String,
    body: String,
}

impl QueuedEmail {
    /// Writes the email to the outbox in the caller's transaction.
    pub async fn queue(
        c: &mut AnyConnection,
        now: Timestamp,
        to: &str,
        subject: &str,
        body: String,
    ) -> Result<Self> {
        db::outbox::insert_email(c, now, to, subject, &body).await?;
        Ok(QueuedEmail {
            to: to.to_owned(),
            subject: subject.to_owned(),
            body,
        })
    }

    /// Prints the email to the log: the delivery channel until SMTP arrives.
    pub fn log(self) {
        tracing::info!(to = %self.to, subject = %self.subject, "email queued:\n{}", self.body);
    }
}

/// Clamps a `?limit=` value to 1..=max (default `default`).
pub fn clamp_limit(limit: Option<i64>, default: i64, max: i64) -> i64 {
    limit.unwrap_or(default).clamp(1, max)
}
