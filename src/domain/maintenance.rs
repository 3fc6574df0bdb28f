//! Scheduled maintenance: its lifecycle, the automatic transitions at the window's edges, and
//! reading a window's times as the user typed them.

use super::Timestamp;
use serde::{Deserialize, Serialize};

/// A maintenance's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceStatus {
    Scheduled,
    InProgress,
    Verifying,
    Completed,
    Cancelled,
}

impl MaintenanceStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => "scheduled",
            MaintenanceStatus::InProgress => "in_progress",
            MaintenanceStatus::Verifying => "verifying",
            MaintenanceStatus::Completed => "completed",
            MaintenanceStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<MaintenanceStatus> {
        use MaintenanceStatus::*;
        [Scheduled, InProgress, Verifying, Completed, Cancelled]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => "Scheduled",
            MaintenanceStatus::InProgress => "In progress",
            MaintenanceStatus::Verifying => "Verifying",
            MaintenanceStatus::Completed => "Completed",
            MaintenanceStatus::Cancelled => "Cancelled",
        }
    }

    /// Whether the window is running (its services are under maintenance).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            MaintenanceStatus::InProgress | MaintenanceStatus::Verifying
        )
    }

    /// Whether nothing more can happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MaintenanceStatus::Completed | MaintenanceStatus::Cancelled
        )
    }
}

impl std::fmt::Display for MaintenanceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an update may move a maintenance from `current` to `next`: forward only (verifying may
/// go back to in progress), cancellation any time before completion, nothing after the end.
pub fn check_transition(
    current: MaintenanceStatus,
    next: MaintenanceStatus,
) -> Result<(), &'static str> {
    use MaintenanceStatus::*;
    match (current, next) {
        (Completed, Cancelled) => Err("a completed maintenance cannot be cancelled"),
        (Completed | Cancelled, _) if current != next => Err("is final; the maintenance is over"),
        (Completed | Cancelled, _) => Ok(()),
        (_, Scheduled) if current != Scheduled => Err("cannot go back to scheduled once started"),
        (Verifying, InProgress) => Ok(()),
        _ => Ok(()),
    }
}

/// What the scheduler should do to a maintenance at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Start,
    Complete,
    Nothing,
}

/// The automatic transition due at `now`, if any.
pub fn due(
    status: MaintenanceStatus,
    starts_at: Timestamp,
    ends_at: Timestamp,
    auto_start: bool,
    auto_complete: bool,
    now: Timestamp,
) -> Due {
    match status {
        MaintenanceStatus::Scheduled if auto_complete && now >= ends_at => Due::Complete,
        MaintenanceStatus::Scheduled if auto_start && now >= starts_at => Due::Start,
        s if s.is_active() && auto_complete && now >= ends_at => Due::Complete,
        _ => Due::Nothing,
    }
}

/// Reads a window time: RFC 3339 with an offset, or a local date-time (`2026-03-08T02:30:00`)
/// in `zone`. A local time that does not exist (skipped by a DST change) is refused; an
/// ambiguous one (repeated) takes the earlier instant.
pub fn parse_instant(input: &str, zone: &str) -> Result<Timestamp, String> {
    let input = input.trim();
    if let Ok(ts) = input.parse::<jiff::Timestamp>() {
        return Ok(Timestamp::from_micros(ts.as_microsecond()));
    }
    let civil: jiff::civil::DateTime =
        input.parse().map_err(|_| "is not a date-time: use RFC 3339 (2026-03-08T02:30:00Z) or a local time (2026-03-08T02:30)".to_owned())?;
    let tz = jiff::tz::TimeZone::get(zone)
        .map_err(|_| format!("cannot be read in unknown time zone {zone}"))?;
    let ambiguous = tz.to_ambiguous_zoned(civil);
    if matches!(ambiguous.offset(), jiff::tz::AmbiguousOffset::Gap { .. }) {
        return Err(format!(
            "{civil} does not exist in {zone} (the clocks skip it for daylight saving time)"
        ));
    }
    let zoned = ambiguous.earlier().map_err(|e| e.to_string())?;
    Ok(Timestamp::from_micros(zoned.timestamp().as_microsecond()))
}

#[cfg(test)]
mod tests {
    use super::MaintenanceStatus::*;
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_micros(s * 1_000_000)
    }

    #[test]
    fn transitions_go_forward_and_completed_is_never_cancelled() {
        assert!(check_transition(Scheduled, InProgress).is_ok());
        assert!(check_transition(Scheduled, Cancelled).is_ok());
        assert!(check_transition(InProgress, Verifying).is_ok());
        assert!(check_transition(Verifying, InProgress).is_ok());
        assert!(check_transition(Verifying, Completed).is_ok());
        assert!(check_transition(InProgress, Cancelled).is_ok());
        assert!(check_transition(Completed, Cancelled).is_err());
        assert!(check_transition(Cancelled, InProgress).is_err());
        assert!(check_transition(InProgress, Scheduled).is_err());
    }

    #[test]
    fn the_window_edges_start_and_complete_when_allowed() {
        assert_eq!(
            due(Scheduled, t(100), t(200), true, true, t(99)),
            Due::Nothing
        );
        assert_eq!(
            due(Scheduled, t(100), t(200), true, true, t(100)),
            Due::Start
        );
        assert_eq!(
            due(Scheduled, t(100), t(200), false, true, t(150)),
            Due::Nothing
        );
        assert_eq!(
            due(InProgress, t(100), t(200), true, true, t(199)),
            Due::Nothing
        );
        assert_eq!(
            due(InProgress, t(100), t(200), true, true, t(200)),
            Due::Complete
        );
        assert_eq!(
            due(Verifying, t(100), t(200), true, true, t(300)),
            Due::Complete
        );
        assert_eq!(
            due(InProgress, t(100), t(200), true, false, t(300)),
            Due::Nothing
        );
        assert_eq!(
            due(Scheduled, t(100), t(200), true, true, t(250)),
            Due::Complete,
            "a window missed entirely completes"
        );
        assert_eq!(
            due(Completed, t(100), t(200), true, true, t(250)),
            Due::Nothing
        );
        assert_eq!(
            due(Cancelled, t(100), t(200), true, true, t(150)),
            Due::Nothing
        );
    }

    #[test]
    fn local_times_are_read_in_the_zone_and_dst_is_handled() {
        // 2026-03-08 02:30 does not exist in New York (clocks jump from 02:00 to 03:00).
        assert!(parse_instant("2026-03-08T02:30:00", "America/New_York")
            .unwrap_err()
            .contains("does not exist"));
        // 2026-11-01 01:30 happens twice in New York; the earlier is EDT (UTC-4).
        let earlier = parse_instant("2026-11-01T01:30:00", "America/New_York").unwrap();
        assert_eq!(earlier.to_rfc3339(), "2026-11-01T05:30:00.000Z");
        // An explicit offset picks the later one.
        let later = parse_instant("2026-11-01T01:30:00-05:00", "America/New_York").unwrap();
        assert_eq!(later.to_rfc3339(), "2026-11-01T06:30:00.000Z");
        assert_eq!(
            parse_instant("2026-06-01T12:00", "Europe/Paris")
                .unwrap()
                .to_rfc3339(),
            "2026-06-01T10:00:00.000Z"
        );
        assert!(parse_instant("tomorrow", "UTC").is_err());
    }
}
