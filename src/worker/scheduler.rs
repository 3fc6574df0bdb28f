//! The maintenance scheduler: starts and completes windows at their edges. It works from the
//! database, not from timers, so it survives restarts; each transition is claimed in the database,
//! so it never runs twice, even with several instances.

use crate::state::AppState;

/// Runs the transitions due now; returns how many ran.
pub async fn step(state: &AppState) -> crate::error::Result<usize> {
    let orgs = crate::ops::maintenances::run_due(state).await?;
    if !orgs.is_empty() {
        tracing::info!(transitions = orgs.len(), "maintenance windows moved");
    }
    let mut seen: Vec<&crate::domain::Id> = Vec::new();
    for org_id in &orgs {
        if !seen.contains(&org_id) {
            seen.push(org_id);
            // A failed rebuild is marked stale and retried by the page worker.
            if let Err(e) = crate::public::snapshot::rebuild(state, org_id).await {
                tracing::warn!(error = %e, "public page not rebuilt after a maintenance transition");
            }
            state.announce(org_id).await;
        }
    }
    Ok(orgs.len())
}
