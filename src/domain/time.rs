//! Instants as microseconds since the Unix epoch, UTC: the storage form of every time.

use serde::{Serialize, Serializer};

/// A point in time, microsecond precision, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From microseconds since the epoch (the stored form).
    pub fn from_micros(us: i64) -> Self {
        Timestamp(us)
    }

    /// Microseconds since the epoch (the stored form).
    pub fn micros(self) -> i64 {
        self.0
    }

    /// This instant moved by `seconds` (negative moves back).
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Timestamp(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    /// Whole seconds from `self` until `later` (0 if `later` is not later).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        ((later.0 - self.0).max(0) + 999_999) / 1_000_000
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-12-02T05:44:49.123Z`.
    pub fn to_rfc3339(self) -> String {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            Err(_) => String::from("1970-01-01T00:00:00.000Z"),
        }
    }

    /// A short human form in the given zone, e.g. `2 Dec 2026, 05:44 UTC`.
    pub fn display_in(self, zone: &str) -> String {
        let Ok(ts) = jiff::Timestamp::from_microsecond(self.0) else {
            return self.to_rfc3339();
        };
        match ts.in_tz(zone) {
            Ok(zoned) => zoned.strftime("%-d %b %Y, %H:%M %Z").to_string(),
            Err(_) => ts.strftime("%-d %b %Y, %H:%M UTC").to_string(),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_rfc3339_with_milliseconds() {
        let t = Timestamp::from_micros(1_764_654_289_123_456);
        assert_eq!(t.to_rfc3339(), "2025-12-02T05:44:49.123Z");
    }

    #[test]
    fn seconds_until_rounds_up_and_never_goes_negative() {
        let t = Timestamp::from_micros(0);
        assert_eq!(t.seconds_until(Timestamp::from_micros(1)), 1);
        assert_eq!(t.seconds_until(t.plus_seconds(60)), 60);
        assert_eq!(t.plus_seconds(5).seconds_until(t), 0);
    }

    #[test]
    fn displays_in_a_zone() {
        let t = Timestamp::from_micros(1_764_654_289_000_000);
        assert_eq!(t.display_in("Europe/Paris"), "2 Dec 2025, 06:44 CET");
    }
}
