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
            let rebuilt = crate::public::snapshot::rebuild(state, org_id).await;
            state.announce(org_id).await;
            rebuilt?;
        }
    }
    Ok(orgs.len())
}
