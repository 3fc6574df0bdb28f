//! The application: built from a configuration, bound to a port, served until told to stop.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;
use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A built, bound, not yet serving Beacon.
pub struct App {
    listener: TcpListener,
    state: AppState,
    setup_url: Option<String>,
    /// With PostgreSQL: the connection hearing other instances' changes, open before the first
    /// snapshot build so no change falls in between.
    events: Option<sqlx::postgres::PgListener>,
}

impl App {
    /// Connects and migrates the database, binds the listener (port 0 picks a free port), listens
    /// for other instances' changes (PostgreSQL), and opens the one-time setup link when no
    /// account exists.
    pub async fn build(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        let db = Db::connect(&config.database_url).await.with_context(|| {
            format!(
                "connecting to the database at {}",
                crate::config::redact_url(&config.database_url)
            )
        })?;
        db.migrate().await.context("migrating the database")?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {} (--bind / BEACON_BIND)", config.bind))?;
        let addr = listener.local_addr()?;
        if config.base_url.is_none() {
            config.base_url = Some(format!("http://{addr}"));
        }
        let events = match db.backend() {
            crate::db::Backend::Postgres => Some(
                crate::worker::listener::connect(&config.database_url)
                    .await
                    .context("listening for other instances' changes")?,
            ),
            crate::db::Backend::Sqlite => None,
        };
        let state = AppState::new(db, config, clock);
        crate::public::snapshot::rebuild_all(&state)
            .await
            .context("building the public pages")?;
        let no_users = crate::db::users::count(&mut *state.db.conn().await?).await? == 0;
        let setup_url = if no_users {
            let token = crate::domain::ids::random_string(32);
            *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
            Some(state.url(&format!("/setup?token={token}")))
        } else {
            None
        };
        Ok(App {
            listener,
            state,
            setup_url,
            events,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state (database, clock, settings).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The one-time setup URL, while no account exists.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and returns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let _workers = AbortOnDrop(crate::worker::spawn_all(&self.state, self.events));
        let router = crate::web::router(self.state.clone());
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        // Live streams never finish on their own: end them when shutdown starts.
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            state.live.close();
        };
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        served.context("serving HTTP")
    }
}

/// Stops the workers when serving ends, however it ends (even if the serving future is dropped).
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for w in &self.0 {
            w.abort();
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
