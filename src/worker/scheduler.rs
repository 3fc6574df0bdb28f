//! The maintenance scheduler: starts and completes windows at their edges. It works from the
//! database, not from timers, so it survives restarts; each transition is claimed in the database,
//! so it never runs twice, even with several instances.

use crate::state::AppState;

/// Runs the transitions due now; returns how many ran.
pub async fn step(state: &AppState) -> crate::error::Result<usize> {
    let ran = crate::ops::maintenances::run_due(state).await?;
    if ran > 0 {
        tracing::info!(transitions = ran, "maintenance windows moved");
    }
    Ok(ran)
}
