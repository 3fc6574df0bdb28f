//! The few places where SQLite and PostgreSQL differ: connection set-up, write transactions,
//! how a constraint violation names its constraint, and telling other instances of a change.

use super::Backend;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::{AnyConnection, Executor};

/// Per-connection SQLite settings: WAL, a busy timeout, and enforced foreign keys.
pub async fn prepare_sqlite(conn: &mut AnyConnection) -> sqlx::Result<()> {
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA busy_timeout = 5000").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA synchronous = NORMAL").await?;
    Ok(())
}

/// The statement that opens a write transaction.
pub fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// The PostgreSQL channel on which instances sharing a database tell each other of new events.
pub const EVENTS_CHANNEL: &str = "beacon_events";

/// Sends `payload` on the events channel to every instance listening (PostgreSQL `NOTIFY`, sent
/// when the statement runs, so call it after the commit). SQLite has one instance: nothing to do.
pub async fn notify_instances(
    conn: &mut AnyConnection,
    backend: Backend,
    payload: &str,
) -> sqlx::Result<()> {
    if backend == Backend::Postgres {
        // `pg_notify` returns `void`, a type the Any driver cannot carry: count the call instead.
        sqlx::query("SELECT COUNT(*) FROM (SELECT pg_notify($1, $2)) AS sent")
            .bind(EVENTS_CHANNEL)
            .bind(payload)
            .fetch_one(conn)
            .await?;
    }
    Ok(())
}

/// Constraint (PostgreSQL name, SQLite message fragment) to the field it protects.
const CONSTRAINTS: &[(&str, &str, &str)] = &[
    ("users_email_key", "users.email", "email"),
    ("orgs_slug_key", "orgs.slug", "slug"),
    (
        "pages_custom_domain_key",
        "pages.custom_domain",
        "custom_domain",
    ),
    ("teams_org_id_name_key", "teams.org_id, teams.name", "name"),
    (
        "memberships_pkey",
        "memberships.org_id, memberships.user_id",
        "user_id",
    ),
    (
        "team_members_pkey",
        "team_members.team_id, team_members.user_id",
        "user_id",
    ),
];

/// The field a unique or foreign-key violation is about, if it is one we know.
pub fn conflict_field(err: &dyn DatabaseError) -> Option<&'static str> {
    match err.kind() {
        ErrorKind::UniqueViolation => {
            let (name, message) = (err.constraint().unwrap_or(""), err.message());
            CONSTRAINTS
                .iter()
                .find(|(pg, lite, _)| name == *pg || message.ends_with(lite))
                .map(|(_, _, field)| *field)
                .or(Some("id"))
        }
        ErrorKind::ForeignKeyViolation => Some("reference"),
        _ => None,
    }
}
