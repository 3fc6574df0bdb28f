//! Configuration: one typed struct, from flags with `BEACON_*` environment fallbacks.

use clap::{Args, ValueEnum};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Who may create an account from the sign-up page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignupMode {
    /// Anyone with an email address.
    Open,
    /// Only people holding an invitation.
    Invite,
    /// Nobody: accounts are made with `beacon user create`.
    Closed,
}

/// Settings shared by every subcommand.
#[derive(Clone, Args)]
pub struct Config {
    /// Database URL: sqlite:PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "BEACON_DATABASE_URL", default_value = "sqlite:beacon.db", global = true, value_parser = parse_database_url)]
    pub database_url: String,

    /// Address to listen on, host:port.
    #[arg(long, env = "BEACON_BIND", default_value = "127.0.0.1:8080", global = true, value_parser = parse_bind)]
    pub bind: SocketAddr,

    /// Public URL of this server, used in links and emails (default: http://BIND).
    #[arg(long, env = "BEACON_BASE_URL", global = true, value_parser = parse_base_url)]
    pub base_url: Option<String>,

    /// Who may sign up: open, invite (only with an invitation) or closed.
    #[arg(long, env = "BEACON_SIGNUP", default_value = "invite", global = true)]
    pub signup: SignupMode,

    /// How far back live streams replay missed events on resume (e.g. 90s, 15m, 1h, 2d); older
    /// gaps get a `resync` event instead.
    #[arg(long, env = "BEACON_EVENT_REPLAY_WINDOW", default_value = "1h", global = true, value_parser = parse_replay_window)]
    pub event_replay_window: Duration,

    /// Most live streams (SSE or WebSocket) one client address may hold open at once.
    #[arg(long, env = "BEACON_MAX_STREAMS_PER_IP", default_value_t = 100, global = true, value_parser = parse_max_streams)]
    pub max_streams_per_ip: usize,

    /// Reverse proxies whose X-Forwarded-For is believed, as comma-separated IP addresses
    /// (default: none; the client address is the socket's peer).
    #[arg(long, env = "BEACON_TRUSTED_PROXIES", global = true, value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpAddr>,

    /// How often every live stream gets a keep-alive (an SSE comment, a WebSocket ping). Not a
    /// flag: 15 s suits proxies; tests shorten it.
    #[arg(skip = Duration::from_secs(15))]
    pub live_heartbeat: Duration,

    /// How long a connection may wait for its next request head (idle between kept-alive
    /// requests, or slow to send one) before it is closed. Not a flag: 30 s, hyper's default;
    /// tests shorten it.
    #[arg(skip = Duration::from_secs(30))]
    pub idle_timeout: Duration,
}

impl Config {
    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(u) => u.clone(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Whether cookies must be `Secure` (the base URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.base_url().starts_with("https://")
    }

    /// A configuration for tests and embedding: the given database, port 0, open sign-up.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            database_url: parse_database_url(database_url)
                .unwrap_or_else(|_| database_url.to_owned()),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            base_url: None,
            signup: SignupMode::Open,
            event_replay_window: Duration::from_secs(3600),
            max_streams_per_ip: 100,
            trusted_proxies: Vec::new(),
            live_heartbeat: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field("signup", &self.signup)
            .field("event_replay_window", &self.event_replay_window)
            .field("max_streams_per_ip", &self.max_streams_per_ip)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// The URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn parse_database_url(s: &str) -> Result<String, String> {
    if let Some(path) = s.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        if path.is_empty() || path.starts_with('?') {
            return Err("sqlite URL needs a file path, e.g. sqlite:beacon.db (setting --database-url / BEACON_DATABASE_URL)".into());
        }
        if path.contains("mode=") {
            return Ok(format!("sqlite://{path}"));
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        return Ok(format!("sqlite://{path}{sep}mode=rwc"));
    }
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        return Ok(s.to_owned());
    }
    Err("expected sqlite:PATH or postgres://USER@HOST/DB (setting --database-url / BEACON_DATABASE_URL)".into())
}

fn parse_bind(s: &str) -> Result<SocketAddr, String> {
    s.parse().map_err(|_| {
        format!(
            "expected host:port such as 127.0.0.1:8080 (setting --bind / BEACON_BIND), got {s:?}"
        )
    })
}

fn parse_base_url(s: &str) -> Result<String, String> {
    let trimmed = s.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && !host.contains(char::is_whitespace)
                && !host.contains(['?', '#']) =>
        {
            Ok(trimmed.to_owned())
        }
        _ => Err(format!(
            "expected an http:// or https:// URL (setting --base-url / BEACON_BASE_URL), got {s:?}"
        )),
    }
}

/// Parses a duration such as `90s`, `15m`, `1h` or `2d` (a bare number is seconds).
fn parse_replay_window(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "expected a duration such as 90s, 15m, 1h or 2d (setting --event-replay-window / BEACON_EVENT_REPLAY_WINDOW), got {s:?}"
        )
    };
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(scale)
        .filter(|secs| *secs > 0 && *secs <= 366 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

fn parse_max_streams(s: &str) -> Result<usize, String> {
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            format!(
                "expected a positive whole number (setting --max-streams-per-ip / BEACON_MAX_STREAMS_PER_IP), got {s:?}"
            )
        })
}

fn parse_proxy(s: &str) -> Result<IpAddr, String> {
    s.trim().parse().map_err(|_| {
        format!("expected IP addresses separated by commas (setting --trusted-proxies / BEACON_TRUSTED_PROXIES), got {s:?}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(
            parse_database_url("sqlite:beacon.db").unwrap(),
            "sqlite://beacon.db?mode=rwc"
        );
        assert_eq!(
            parse_database_url("sqlite:///tmp/x.db").unwrap(),
            "sqlite:///tmp/x.db?mode=rwc"
        );
        assert!(parse_database_url("mysql://x")
            .unwrap_err()
            .contains("BEACON_DATABASE_URL"));
    }

    #[test]
    fn bad_values_name_their_setting() {
        assert!(parse_bind("nope")
            .unwrap_err()
            .contains("--bind / BEACON_BIND"));
        assert!(parse_base_url("ftp://x")
            .unwrap_err()
            .contains("BEACON_BASE_URL"));
        assert_eq!(
            parse_base_url("https://status.example.com/").unwrap(),
            "https://status.example.com"
        );
    }

    #[test]
    fn replay_windows_parse_with_units_and_name_their_setting() {
        assert_eq!(parse_replay_window("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_replay_window("1h").unwrap(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            parse_replay_window("2d").unwrap(),
            Duration::from_secs(172_800)
        );
        assert_eq!(parse_replay_window("30").unwrap(), Duration::from_secs(30));
        for bad in ["", "h", "1w", "0s", "-1h", "1.5h"] {
            let e = parse_replay_window(bad).unwrap_err();
            assert!(
                e.contains("--event-replay-window / BEACON_EVENT_REPLAY_WINDOW"),
                "{bad}"
            );
        }
        assert!(parse_max_streams("0")
            .unwrap_err()
            .contains("--max-streams-per-ip"));
        assert!(parse_proxy("x")
            .unwrap_err()
            .contains("BEACON_TRUSTED_PROXIES"));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
