//! Storage: one SQL text for SQLite and PostgreSQL through `sqlx::AnyPool`.
//!
//! Every function over tenant data takes the org id first and filters by it. Instants are BIGINT
//! microseconds, booleans BIGINT 0/1, ids TEXT (see ../shared/STYLE.md).

pub mod audit;
pub mod dialect;
pub mod email_links;
pub mod events;
pub mod history;
pub mod incidents;
pub mod invitations;
pub mod maintenances;
pub mod members;
pub mod orgs;
pub mod outbox;
pub mod pages;
pub mod services;
pub mod sessions;
pub mod teams;
pub mod templates;
pub mod tokens;
pub mod users;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

pub use sqlx::AnyConnection;
use std::str::FromStr;
use std::time::Duration;

pub use sqlx::any::AnyRow as Row;
use sqlx::Row as _;

/// A transaction on the shared pool.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
/// A connection checked out of the pool.
pub type Conn = sqlx::pool::PoolConnection<sqlx::Any>;

/// The closed set of storage failures that callers act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No row matched.
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write; `field` names the offending field.
    #[error("conflict on {field}")]
    Conflict { field: &'static str },
    /// Anything else: the database is down, a bug, a timeout.
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(ref d) => match dialect::conflict_field(d.as_ref()) {
                Some(field) => Error::Conflict { field },
                None => Error::Other(e),
            },
            other => Error::Other(other),
        }
    }
}

/// Result of a storage call.
pub type Result<T> = std::result::Result<T, Error>;

/// Which database the URL named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite:` or `postgres://`), applying the SQLite settings on each connection.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        dialect::prepare_sqlite(conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying pool (for metrics and readiness).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection for reads.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so two writers never deadlock).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self
            .pool
            .begin_with(dialect::begin_write(self.backend))
            .await?)
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> bool {
        match self.pool.acquire().await {
            Ok(mut c) => c.ping().await.is_ok(),
            Err(_) => false,
        }
    }

    /// Applies the embedded migrations that have not run yet, in order.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        for (version, name, sql) in MIGRATIONS {
            let done: i64 =
                sqlx::query("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
            if done > 0 {
                continue;
            }
            let mut tx = conn.begin().await?;
            for statement in statements(sql) {
                tx.execute(statement.as_str())
                    .await
                    .map_err(|e| anyhow::anyhow!("migration {name}: {e}"))?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(*version)
            .bind(*name)
            .bind(crate::clock::Clock::now(&crate::clock::SystemClock).micros())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(migration = name, "applied migration");
        }
        Ok(())
    }
}

/// The migrations, embedded at build time: append-only, never edit one that has landed.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_foundation",
        include_str!("../../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "0002_status_model",
        include_str!("../../migrations/0002_status_model.sql"),
    ),
    (
        3,
        "0003_public_page",
        include_str!("../../migrations/0003_public_page.sql"),
    ),
    (
        4,
        "0004_events",
        include_str!("../../migrations/0004_events.sql"),
    ),
];

/// Splits a migration file into statements, dropping comment lines.
fn statements(sql: &str) -> impl Iterator<Item = String> + '_ {
    sql.split(";\n")
        .map(|chunk| {
            chunk
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| !s.trim().is_empty())
}

/// `NotFound` unless the statement touched a row.
pub(crate) fn one(done: sqlx::any::AnyQueryResult) -> Result<()> {
    if done.rows_affected() == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

/// Reads an optional instant column.
pub(crate) fn opt_time(row: &Row, col: &str) -> sqlx::Result<Option<crate::domain::Timestamp>> {
    Ok(row
        .try_get::<Option<i64>, _>(col)?
        .map(crate::domain::Timestamp::from_micros))
}

/// Reads an instant column.
pub(crate) fn time(row: &Row, col: &str) -> sqlx::Result<crate::domain::Timestamp> {
    Ok(crate::domain::Timestamp::from_micros(
        row.try_get::<i64, _>(col)?,
    ))
}

/// Reads an id column.
pub(crate) fn id(row: &Row, col: &str) -> sqlx::Result<crate::domain::Id> {
    Ok(crate::domain::Id::from_stored(
        row.try_get::<String, _>(col)?,
    ))
}

/// Reads an optional id column.
pub(crate) fn opt_id(row: &Row, col: &str) -> sqlx::Result<Option<crate::domain::Id>> {
    Ok(row
        .try_get::<Option<String>, _>(col)?
        .map(crate::domain::Id::from_stored))
}

/// Reads a role column.
pub(crate) fn role(row: &Row, col: &str) -> sqlx::Result<crate::domain::Role> {
    let s: String = row.try_get(col)?;
    crate::domain::Role::parse(&s)
        .ok_or_else(|| sqlx::Error::Decode(format!("bad role {s:?}").into()))
}
