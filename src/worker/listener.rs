//! Several instances on one PostgreSQL database: each listens on the events channel, and when
//! another instance announces new events of an org, rebuilds that org's snapshot and then tells
//! its own streams, which read the events from the database. When the listening connection is
//! lost it reconnects and resyncs every org, so nothing published meanwhile is missed.

use crate::db::dialect::EVENTS_CHANNEL;
use crate::domain::Id;
use crate::events::Notice;
use crate::state::AppState;
use sqlx::postgres::PgListener;
use std::time::Duration;

/// The first wait before reconnecting; it doubles on each failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Opens a connection listening on the events channel.
pub async fn connect(database_url: &str) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// A notice of another instance was applied here.
    Applied,
    /// A notice of this instance, or one that could not be read, was skipped.
    Skipped,
    /// The connection was lost; the caller reconnects.
    Lost,
}

/// Waits for the next notification and applies it.
pub async fn step(state: &AppState, listener: &mut PgListener) -> Step {
    match listener.try_recv().await {
        Ok(Some(n)) => match Notice::from_wire(n.payload()) {
            Some((notice, sender)) if sender != state.instance_id => {
                apply(state, &notice.org_id, notice.last_id).await;
                Step::Applied
            }
            Some(_) => Step::Skipped,
            None => {
                tracing::warn!(
                    payload = n.payload(),
                    "unreadable notice on the events channel"
                );
                Step::Skipped
            }
        },
        Ok(None) => Step::Lost,
        Err(e) => {
            tracing::warn!(error = %e, "events channel connection failed");
            Step::Lost
        }
    }
}

/// Rebuilds the org's snapshot, then tells this instance's streams: when a client sees the
/// event, this instance's page already shows the change.
async fn apply(state: &AppState, org_id: &Id, last_id: i64) {
    // A failed rebuild is marked stale and retried by the page worker; the streams go on.
    if let Err(e) = crate::public::snapshot::mirror(state, org_id).await {
        tracing::warn!(error = %e, "public page not rebuilt after another instance's change");
    }
    // The events are read and rendered once for every stream here, as for this instance's own
    // writes; if the store cannot be read now, the bare notice sends each stream to read it.
    if state.tell_streams(org_id).await.is_none() {
        state.live.publish(org_id, last_id);
    }
}

/// After a reconnection: rebuilds every org's snapshot (dropping those of deleted orgs) and
/// tells every stream where its org's log stands, so each reads what it missed by id.
pub async fn resync(state: &AppState) -> crate::db::Result<()> {
    let mut c = state.db.conn().await?;
    let ids = crate::db::pages::all_org_ids(&mut c).await?;
    let mut latest = Vec::with_capacity(ids.len());
    for id in &ids {
        latest.push(crate::db::events::latest_id(&mut c, id).await?);
    }
    drop(c);
    for gone in state.snapshots.all() {
        if !ids.contains(&gone.org_id) {
            state.snapshots.remove(&gone.org_id);
        }
    }
    for (id, last) in ids.iter().zip(latest) {
        apply(state, id, last).await;
    }
    Ok(())
}

/// The worker: applies notices until the connection is lost, then reconnects with backoff and
/// resyncs. Stopped by aborting its task.
pub async fn run(state: AppState, mut listener: PgListener) {
    loop {
        while step(&state, &mut listener).await != Step::Lost {}
        drop(listener);
        listener = reconnect(&state).await;
        if let Err(e) = resync(&state).await {
            tracing::warn!(error = %e, "resync after reconnecting failed; pages may lag until the next change");
        }
    }
}

async fn reconnect(state: &AppState) -> PgListener {
    let mut wait = FIRST_BACKOFF;
    loop {
        tokio::time::sleep(wait).await;
        match connect(&state.config.database_url).await {
            Ok(l) => {
                tracing::info!("events channel reconnected");
                return l;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?wait, "events channel not reconnected");
                wait = (wait * 2).min(MAX_BACKOFF);
            }
        }
    }
}
