//! Background work: each worker is a loop around one step function that tests can call directly.

pub mod listener;
pub mod scheduler;

/// Rebuilds every public snapshot whose last rebuild failed, and every one whose day has changed
/// in its page's time zone (the uptime bars move at midnight); returns how many were rebuilt.
pub async fn roll_days(state: &AppState) -> crate::error::Result<usize> {
    let now = state.now();
    let mut n = 0;
    let mut failed = None;
    for (org_id, own) in state.snapshots.take_stale() {
        // Keep going on a failure: it marks its org stale again, and the orgs after it were
        // already taken from the stale set.
        let rebuilt = if own {
            crate::public::snapshot::rebuild(state, &org_id).await
        } else {
            crate::public::snapshot::mirror(state, &org_id).await
        };
        match rebuilt {
            Ok(()) => n += 1,
            Err(e) => failed = Some(e),
        }
    }
    if let Some(e) = failed {
        return Err(e.into());
    }
    for pages in state.snapshots.all() {
        if crate::public::snapshot::today(now, &pages.time_zone) != pages.day {
            crate::public::snapshot::rebuild(state, &pages.org_id).await?;
            n += 1;
        }
    }
    Ok(n)
}

use crate::state::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Starts every worker (the listener when there is one); abort the handles to stop them.
pub fn spawn_all(
    state: &AppState,
    events: Option<sqlx::postgres::PgListener>,
) -> Vec<JoinHandle<()>> {
    let mut workers = vec![
        tokio::spawn(every(
            Duration::from_secs(2),
            state.clone(),
            "maintenance scheduler",
            |s| Box::pin(async move { scheduler::step(&s).await.map(|_| ()) }),
        )),
        tokio::spawn(every(
            Duration::from_secs(30),
            state.clone(),
            "midnight page rebuild",
            |s| Box::pin(async move { roll_days(&s).await.map(|_| ()) }),
        )),
        tokio::spawn(every(
            Duration::from_secs(3600),
            state.clone(),
            "housekeeping",
            |s| {
                Box::pin(async move {
                    let mut tx = s.db.begin().await?;
                    crate::db::sessions::purge_expired(&mut tx, s.now()).await?;
                    tx.commit().await?;
                    Ok(())
                })
            },
        )),
    ];
    if let Some(l) = events {
        workers.push(tokio::spawn(listener::run(state.clone(), l)));
    }
    workers
}

type Step = fn(
    AppState,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = crate::error::Result<()>> + Send>,
>;

async fn every(period: Duration, state: AppState, name: &'static str, step: Step) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = step(state.clone()).await {
            tracing::warn!(worker = name, error = %e, "worker step failed; will retry");
        }
    }
}
