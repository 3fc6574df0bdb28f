//! The incident lifecycle: which status an update may set.

use serde::{Deserialize, Serialize};

/// An incident's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Postmortem,
}

impl IncidentStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Investigating => "investigating",
            IncidentStatus::Identified => "identified",
            IncidentStatus::Monitoring => "monitoring",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Postmortem => "postmortem",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<IncidentStatus> {
        use IncidentStatus::*;
        [Investigating, Identified, Monitoring, Resolved, Postmortem]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            IncidentStatus::Investigating => "Investigating",
            IncidentStatus::Identified => "Identified",
            IncidentStatus::Monitoring => "Monitoring",
            IncidentStatus::Resolved => "Resolved",
            IncidentStatus::Postmortem => "Postmortem",
        }
    }

    /// Whether the incident is over (resolved, or resolved with a published postmortem).
    pub fn is_closed(self) -> bool {
        matches!(self, IncidentStatus::Resolved | IncidentStatus::Postmortem)
    }
}

impl std::fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an update may move an incident from `current` to `next`.
///
/// Open incidents move freely among investigating, identified and monitoring, or resolve. A
/// closed incident takes further updates only while staying resolved; it reopens through the
/// reopen action alone. `postmortem` comes from publishing a postmortem, never from an update.
pub fn check_update(current: IncidentStatus, next: IncidentStatus) -> Result<(), &'static str> {
    use IncidentStatus::*;
    match (current, next) {
        // A note on an incident with a published postmortem keeps it as it is.
        (Postmortem, Postmortem) => Ok(()),
        (_, Postmortem) => Err("is set by publishing a postmortem, not by an update"),
        (Resolved | Postmortem, Resolved) => Ok(()),
        (Resolved | Postmortem, _) => {
            Err("cannot leave resolved through an update; reopen the incident instead")
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::IncidentStatus::*;
    use super::*;

    #[test]
    fn open_incidents_move_freely_and_may_resolve() {
        for from in [Investigating, Identified, Monitoring] {
            for to in [Investigating, Identified, Monitoring, Resolved] {
                assert!(check_update(from, to).is_ok(), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn resolved_incidents_only_leave_by_reopening() {
        for from in [Resolved, Postmortem] {
            for to in [Investigating, Identified, Monitoring] {
                assert!(check_update(from, to).is_err(), "{from} -> {to}");
            }
            assert!(check_update(from, Resolved).is_ok());
        }
    }

    #[test]
    fn no_update_sets_postmortem() {
        for from in [Investigating, Monitoring, Resolved] {
            assert!(check_update(from, Postmortem).is_err());
        }
        assert!(
            check_update(Postmortem, Postmortem).is_ok(),
            "a note keeps the postmortem status"
        );
    }
}
