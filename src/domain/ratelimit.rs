//! Fixed-window attempt counting, used to slow down password guessing.

use super::Timestamp;
use std::collections::HashMap;

/// Counts failures per key within a window and refuses once a key reaches its limit.
#[derive(Debug)]
pub struct AttemptLimiter {
    limit: u32,
    window_seconds: i64,
    windows: HashMap<String, (Timestamp, u32)>,
}

impl AttemptLimiter {
    /// Allows `limit` failures per key in any `window_seconds` window.
    pub fn new(limit: u32, window_seconds: i64) -> Self {
        AttemptLimiter {
            limit,
            window_seconds,
            windows: HashMap::new(),
        }
    }

    /// `Err(seconds to wait)` if `key` has used up its attempts at `now`.
    pub fn check(&mut self, key: &str, now: Timestamp) -> Result<(), i64> {
        match self.windows.get(key) {
            Some((start, count)) if *count >= self.limit => {
                let reopens = start.plus_seconds(self.window_seconds);
                if now < reopens {
                    Err(now.seconds_until(reopens).max(1))
                } else {
                    self.windows.remove(key);
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// Records a failed attempt by `key`.
    pub fn fail(&mut self, key: &str, now: Timestamp) {
        if self.windows.len() > 100_000 {
            let window = self.window_seconds;
            self.windows
                .retain(|_, (start, _)| start.plus_seconds(window) > now);
        }
        let entry = self.windows.entry(key.to_owned()).or_insert((now, 0));
        if entry.0.plus_seconds(self.window_seconds) <= now {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Forgets `key`'s failures (after a success).
    pub fn reset(&mut self, key: &str) {
        self.windows.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_until_the_window_ends() {
        let mut l = AttemptLimiter::new(3, 60);
        let t0 = Timestamp::from_micros(0);
        for _ in 0..3 {
            assert!(l.check("k", t0).is_ok());
            l.fail("k", t0);
        }
        assert_eq!(l.check("k", t0.plus_seconds(10)), Err(50));
        assert!(l.check("other", t0).is_ok());
        assert!(l.check("k", t0.plus_seconds(60)).is_ok());
    }

    #[test]
    fn a_success_clears_the_count() {
        let mut l = AttemptLimiter::new(2, 60);
        let t0 = Timestamp::from_micros(0);
        l.fail("k", t0);
        l.reset("k");
        l.fail("k", t0);
        assert!(l.check("k", t0).is_ok());
    }
}
