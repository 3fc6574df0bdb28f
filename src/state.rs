//! What every request and operation shares: the database, the clock, the settings, the limiters.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::domain::ratelimit::AttemptLimiter;
use crate::domain::Timestamp;
use std::sync::{Arc, Mutex};

/// Cheap to clone; everything inside is shared.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts of [`AppState`].
pub struct Inner {
    pub db: Db,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub login_limits: Mutex<LoginLimits>,
    pub setup_token: Mutex<Option<String>>,
    pub metrics: crate::web::metrics::Metrics,
    pub snapshots: crate::public::snapshot::Store,
    /// Live updates: notices after commits, open streams, the shutdown switch.
    pub live: crate::events::Hub,
    /// This process's random id, carried by its notices to other instances so it skips its own.
    pub instance_id: String,
}

/// Failed sign-in attempts, counted per client address and per account.
pub struct LoginLimits {
    pub per_ip: AttemptLimiter,
    pub per_account: AttemptLimiter,
    /// Emails asked for (reset and sign-up links), counted per client address.
    pub emails_per_ip: AttemptLimiter,
}

impl AppState {
    /// Assembles the shared state.
    pub fn new(db: Db, config: Config, clock: Arc<dyn Clock>) -> Self {
        AppState(Arc::new(Inner {
            db,
            config,
            clock,
            login_limits: Mutex::new(LoginLimits {
                per_ip: AttemptLimiter::new(30, 15 * 60),
                per_account: AttemptLimiter::new(10, 15 * 60),
                emails_per_ip: AttemptLimiter::new(20, 15 * 60),
            }),
            setup_token: Mutex::new(None),
            metrics: crate::web::metrics::Metrics::default(),
            snapshots: crate::public::snapshot::Store::default(),
            live: crate::events::Hub::default(),
            instance_id: crate::domain::ids::random_string(12),
        }))
    }

    /// The current instant from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }

    /// Tells this instance's open streams that the org has new events (call after a commit and
    /// the snapshot rebuild), then the other instances sharing the database (PostgreSQL only).
    pub async fn announce(&self, org_id: &crate::domain::Id) {
        let Some(last) = self.tell_streams(org_id).await else {
            return;
        };
        let backend = self.db.backend();
        if backend != crate::db::Backend::Postgres {
            return; // One SQLite file has one instance: nobody else to tell.
        }
        let notice = crate::events::Notice {
            org_id: org_id.clone(),
            last_id: last,
            batch: None,
        };
        let payload = notice.to_wire(&self.instance_id);
        let notified = match self.db.conn().await {
            Ok(mut c) => crate::db::dialect::notify_instances(&mut c, backend, &payload)
                .await
                .map_err(crate::db::Error::from),
            Err(e) => Err(e),
        };
        if let Err(e) = notified {
            // Other instances catch up when their listener reconnects or the next change comes.
            tracing::warn!(error = %e, "other instances not told about new events");
        }
    }

    /// Tells this instance's open streams of the org where its log now stands, with the events
    /// since the last announcement read and rendered once for all of them (this instance's
    /// writes, and other instances' as their notices arrive). Returns the last id, or `None`
    /// when the store could not be read (streams then learn of the events with the next one).
    pub async fn tell_streams(&self, org_id: &crate::domain::Id) -> Option<i64> {
        let failed = |e: crate::db::Error| {
            tracing::warn!(error = %e, "live streams not told about new events");
        };
        let announced = self.live.announced(org_id);
        let mut announced = announced.lock().await;
        let mut c = self.db.conn().await.map_err(failed).ok()?;
        let last = crate::db::events::latest_id(&mut c, org_id)
            .await
            .map_err(failed)
            .ok()?;
        if *announced == Some(last) {
            return Some(last);
        }
        // Read and render the new events once here, rather than once per open stream.
        let after = announced
            .filter(|a| *a < last && last - *a <= 500)
            .unwrap_or(last - 1);
        let batch = match (
            crate::db::orgs::get(&mut c, org_id).await,
            crate::db::events::since(&mut c, org_id, after, Timestamp::from_micros(0), 500).await,
        ) {
            (Ok(org), Ok(events)) if events.first().map(|e| e.id) == Some(after + 1) => {
                Some(crate::events::render(&org.slug, after, &events))
            }
            _ => None,
        };
        match batch {
            Some(b) => self.live.publish_batch(org_id, b),
            None => self.live.publish(org_id, last),
        }
        *announced = Some(last);
        Some(last)
    }

    /// An absolute URL for a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0.config.base_url())
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
