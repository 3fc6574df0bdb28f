//! Prometheus metrics: requests by route and status, a latency histogram, the DB pool.
//!
//! Written by hand (a few counters behind a mutex) rather than pulling in a metrics stack.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counters and latency histograms, keyed by route.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Public page answers by status (200, 304, 303, 404, other): lock-free, for the hot path.
    public: [std::sync::atomic::AtomicU64; 5],
}

const PUBLIC_STATUSES: [&str; 5] = ["200", "304", "303", "404", "other"];

impl Metrics {
    /// Counts one public page answer (no lock, no allocation).
    pub fn public_hit(&self, status: u16) {
        let i = match status {
            200 => 0,
            304 => 1,
            303 => 2,
            404 => 3,
            _ => 4,
        };
        self.public[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        drop(requests);
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = latency.entry(route.to_owned()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// The Prometheus text exposition of everything recorded, plus pool gauges.
    pub fn render(&self, pool_size: u32, pool_idle: usize, live: &crate::events::Hub) -> String {
        let mut out = String::new();
        out.push_str("# HELP beacon_http_requests_total HTTP requests by method, route and status.\n# TYPE beacon_http_requests_total counter\n");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "beacon_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}", escape(route));
        }
        for (status, n) in PUBLIC_STATUSES.iter().zip(&self.public) {
            let n = n.load(std::sync::atomic::Ordering::Relaxed);
            if n > 0 {
                let _ = writeln!(out, "beacon_http_requests_total{{method=\"GET\",route=\"/status/{{slug}}\",status=\"{status}\"}} {n}");
            }
        }
        out.push_str("# HELP beacon_http_request_duration_seconds HTTP request latency by route.\n# TYPE beacon_http_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(out, "beacon_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(
                out,
                "beacon_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "beacon_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "beacon_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP beacon_db_pool_connections Open database connections.\n# TYPE beacon_db_pool_connections gauge\n");
        let _ = writeln!(out, "beacon_db_pool_connections {pool_size}");
        out.push_str("# HELP beacon_db_pool_idle_connections Idle database connections.\n# TYPE beacon_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "beacon_db_pool_idle_connections {pool_idle}");
        out.push_str("# HELP beacon_live_streams Open live streams (SSE and WebSocket).\n# TYPE beacon_live_streams gauge\n");
        let _ = writeln!(out, "beacon_live_streams {}", live.open_streams());
        out.push_str("# HELP beacon_live_store_reads_total Times a live stream read events from the database itself instead of sharing one rendering (resume, lag, another instance's change).\n# TYPE beacon_live_store_reads_total counter\n");
        let _ = writeln!(out, "beacon_live_store_reads_total {}", live.store_reads());
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Middleware that times every request and counts it by its route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.db.pool();
    let body = state
        .metrics
        .render(pool.size(), pool.num_idle(), &state.live);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record("GET", "/healthz", 200, 0.002);
        m.record("GET", "/healthz", 200, 0.2);
        let text = m.render(3, 1, &crate::events::Hub::default());
        assert!(text.contains(
            "beacon_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0025\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("beacon_db_pool_connections 3"));
        assert!(text.contains("beacon_live_streams 0\n"));
    }
}
