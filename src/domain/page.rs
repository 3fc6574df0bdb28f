//! What the public page says: the overall status (Statuspage's indicator and words) and the
//! uptime arithmetic behind the 90-day bars.

use super::{Impact, ServiceStatus, Timestamp};

/// The page's overall status, as Statuspage's `status.indicator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Indicator {
    None,
    Maintenance,
    Minor,
    Major,
    Critical,
}

impl Indicator {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::None => "none",
            Indicator::Maintenance => "maintenance",
            Indicator::Minor => "minor",
            Indicator::Major => "major",
            Indicator::Critical => "critical",
        }
    }
}

/// The overall status: indicator and the sentence Statuspage shows with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overall {
    pub indicator: Indicator,
    pub description: &'static str,
}

/// Rolls the page up from its public services' statuses and its unresolved incidents' impacts.
///
/// The worst of both wins: a degraded service is `minor` ("Partially Degraded Service"), a partial
/// outage `minor` ("Minor Service Outage"), a major outage `major` ("Partial System Outage"); an
/// incident's impact counts as itself (`critical`: "Major System Outage"). With nothing worse, a
/// service under maintenance makes it `maintenance` ("Service Under Maintenance").
pub fn overall(
    services: impl IntoIterator<Item = ServiceStatus>,
    incident_impacts: impl IntoIterator<Item = Impact>,
) -> Overall {
    let statuses: Vec<ServiceStatus> = services.into_iter().collect();
    let worst = super::status::worst(statuses.iter().copied());
    let from_services = match worst {
        ServiceStatus::MajorOutage => Indicator::Major,
        ServiceStatus::PartialOutage | ServiceStatus::DegradedPerformance => Indicator::Minor,
        _ => Indicator::None,
    };
    let from_incidents = incident_impacts
        .into_iter()
        .map(|i| match i {
            Impact::None => Indicator::None,
            Impact::Minor => Indicator::Minor,
            Impact::Major => Indicator::Major,
            Impact::Critical => Indicator::Critical,
        })
        .max()
        .unwrap_or(Indicator::None);
    let indicator = from_services.max(from_incidents);
    let (indicator, description) = match indicator {
        Indicator::Critical => (indicator, "Major System Outage"),
        Indicator::Major => (indicator, "Partial System Outage"),
        Indicator::Minor if worst == ServiceStatus::DegradedPerformance => {
            (indicator, "Partially Degraded Service")
        }
        Indicator::Minor => (indicator, "Minor Service Outage"),
        _ if statuses.contains(&ServiceStatus::UnderMaintenance) => {
            (Indicator::Maintenance, "Service Under Maintenance")
        }
        _ => (Indicator::None, "All Systems Operational"),
    };
    Overall {
        indicator,
        description,
    }
}

/// How much of a second in this status counts as downtime: a major outage fully, a partial
/// outage 30%, degraded performance and maintenance not at all.
pub fn downtime_weight(status: ServiceStatus) -> f64 {
    match status {
        ServiceStatus::MajorOutage => 1.0,
        ServiceStatus::PartialOutage => 0.3,
        _ => 0.0,
    }
}

/// Weighted downtime seconds in `[from, to)` of a service whose status was `initial` at `from`
/// and then changed at the given instants (sorted, all within or before the window).
pub fn weighted_downtime(
    initial: ServiceStatus,
    changes: &[(Timestamp, ServiceStatus)],
    from: Timestamp,
    to: Timestamp,
) -> f64 {
    if to <= from {
        return 0.0;
    }
    let mut status = initial;
    let mut cursor = from;
    let mut total = 0.0;
    for (at, next) in changes {
        if *at <= from {
            status = *next;
            continue;
        }
        if *at >= to {
            break;
        }
        total += downtime_weight(status) * (at.micros() - cursor.micros()) as f64 / 1e6;
        cursor = *at;
        status = *next;
    }
    total + downtime_weight(status) * (to.micros() - cursor.micros()) as f64 / 1e6
}

/// Uptime as a percentage of a window, from its weighted downtime.
pub fn uptime_percent(downtime_seconds: f64, window_seconds: f64) -> f64 {
    if window_seconds <= 0.0 {
        return 100.0;
    }
    (100.0 * (1.0 - downtime_seconds / window_seconds)).clamp(0.0, 100.0)
}

/// The last `n` calendar days in `zone` ending with the day of `now`, oldest first, each as
/// (date `YYYY-MM-DD`, start, end). The last day ends at `now`; DST days are 23 or 25 hours long.
pub fn days(now: Timestamp, zone: &str, n: usize) -> Vec<(String, Timestamp, Timestamp)> {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(now_ts) = jiff::Timestamp::from_microsecond(now.micros()) else {
        return Vec::new();
    };
    let today = now_ts.to_zoned(tz.clone()).date();
    let start_of = |d: jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .map(|z| Timestamp::from_micros(z.timestamp().as_microsecond()))
            .unwrap_or(now)
    };
    (0..n)
        .rev()
        .filter_map(|back| {
            let day = today
                .checked_sub(jiff::Span::new().days(back as i64))
                .ok()?;
            let next = day.tomorrow().ok()?;
            let end = if back == 0 { now } else { start_of(next) };
            Some((day.to_string(), start_of(day), end))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ServiceStatus::*;
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_micros(s * 1_000_000)
    }

    #[test]
    fn the_rollup_matches_statuspage_words() {
        assert_eq!(
            overall([Operational, Operational], []).description,
            "All Systems Operational"
        );
        assert_eq!(
            overall([Operational, DegradedPerformance], []),
            Overall {
                indicator: Indicator::Minor,
                description: "Partially Degraded Service"
            }
        );
        assert_eq!(
            overall([PartialOutage, DegradedPerformance], []),
            Overall {
                indicator: Indicator::Minor,
                description: "Minor Service Outage"
            }
        );
        assert_eq!(
            overall([MajorOutage], []),
            Overall {
                indicator: Indicator::Major,
                description: "Partial System Outage"
            }
        );
        assert_eq!(
            overall([Operational], [Impact::Critical]),
            Overall {
                indicator: Indicator::Critical,
                description: "Major System Outage"
            }
        );
        assert_eq!(
            overall([UnderMaintenance, Operational], []),
            Overall {
                indicator: Indicator::Maintenance,
                description: "Service Under Maintenance"
            }
        );
        assert_eq!(
            overall([UnderMaintenance, DegradedPerformance], []).indicator,
            Indicator::Minor
        );
        assert_eq!(
            overall([Operational], [Impact::None]).indicator,
            Indicator::None
        );
        assert_eq!(overall([], []).indicator, Indicator::None);
    }

    #[test]
    fn downtime_weighs_major_fully_partial_at_30_percent_and_the_rest_not() {
        // 0-100 operational, 100-200 major, 200-300 partial, 300-400 degraded, 400-500 maintenance.
        let changes = [
            (t(100), MajorOutage),
            (t(200), PartialOutage),
            (t(300), DegradedPerformance),
            (t(400), UnderMaintenance),
        ];
        let d = weighted_downtime(Operational, &changes, t(0), t(500));
        assert!((d - 130.0).abs() < 1e-9, "{d}");
        // A window starting inside the outage counts from the window start.
        let d = weighted_downtime(Operational, &changes, t(150), t(250));
        assert!((d - (50.0 + 15.0)).abs() < 1e-9, "{d}");
        // Changes before the window set the starting status.
        let d = weighted_downtime(Operational, &[(t(-10), MajorOutage)], t(0), t(60));
        assert!((d - 60.0).abs() < 1e-9, "{d}");
        assert_eq!(weighted_downtime(MajorOutage, &[], t(5), t(5)), 0.0);
    }

    #[test]
    fn uptime_percent_is_bounded() {
        assert_eq!(uptime_percent(0.0, 86_400.0), 100.0);
        assert!((uptime_percent(864.0, 86_400.0) - 99.0).abs() < 1e-9);
        assert_eq!(uptime_percent(1e9, 86_400.0), 0.0);
    }

    #[test]
    fn days_follow_the_zone_and_dst() {
        // 2026-03-09 12:00 UTC; in New York the 8th was 23 hours long (DST began).
        let now = Timestamp::from_micros(1_773_057_600 * 1_000_000);
        let ds = days(now, "America/New_York", 3);
        assert_eq!(
            ds.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
            ["2026-03-07", "2026-03-08", "2026-03-09"]
        );
        assert_eq!(ds[0].2.micros() - ds[0].1.micros(), 24 * 3600 * 1_000_000);
        assert_eq!(ds[1].2.micros() - ds[1].1.micros(), 23 * 3600 * 1_000_000);
        assert_eq!(ds[2].2, now, "today ends now");
        assert_eq!(ds[1].1.to_rfc3339(), "2026-03-08T05:00:00.000Z");
        // In UTC the day starts at midnight.
        let utc = days(now, "UTC", 1);
        assert_eq!(utc[0].1.to_rfc3339(), "2026-03-09T00:00:00.000Z");
    }
}
