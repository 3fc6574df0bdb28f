//! The yardstick of `bench/live-load/run --reference`: a bare axum server that fans events out
//! from one Tokio broadcast channel to Server-Sent Events and WebSocket subscribers, with nothing
//! else (no store, no per-org filtering, no resume, no caps). It answers the few requests the
//! load run makes of Beacon at the same paths, so one run measures both on the same machine:
//!
//! - `GET /healthz`: 200;
//! - `GET /status/acme/events` (SSE) and `GET /status/acme/ws` (WebSocket): every event;
//! - `PATCH /api/v1/orgs/acme/services/{id}` `{"status": ...}`: publishes what Beacon publishes on
//!   its public page for that change (`service.status_changed`, and `page.status_changed` when
//!   the overall status moves), with envelopes of the same shape and size.
//!
//! Usage: `reference --bind 127.0.0.1:PORT`.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::{get, patch};
use axum::Router;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// One event: its id, type and JSON envelope.
type Published = Arc<(i64, &'static str, String)>;

#[derive(Clone)]
struct Hub {
    tx: broadcast::Sender<Published>,
    next: Arc<AtomicI64>,
    statuses: Arc<Mutex<HashMap<String, String>>>,
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut bind = "127.0.0.1:0".to_string();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bind" => bind = args.next().expect("--bind ADDR"),
            other => panic!("unknown argument {other}"),
        }
    }
    let hub = Hub {
        tx: broadcast::channel(1024).0,
        next: Arc::new(AtomicI64::new(1)),
        statuses: Arc::default(),
    };
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/status/acme/events", get(sse))
        .route("/status/acme/ws", get(ws))
        .route("/api/v1/orgs/acme/services/{id}", patch(change))
        .with_state(hub);
    let listener = tokio::net::TcpListener::bind(&bind).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}

async fn sse(State(hub): State<Hub>) -> impl IntoResponse {
    let rx = hub.tx.subscribe();
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    let event = Event::default().id(e.0.to_string()).event(e.1).data(&e.2);
                    return Some((Ok::<_, Infallible>(event), rx));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn ws(State(hub): State<Hub>, upgrade: WebSocketUpgrade) -> impl IntoResponse {
    let rx = hub.tx.subscribe();
    upgrade.on_upgrade(move |socket| feed(socket, rx))
}

async fn feed(mut socket: WebSocket, mut rx: broadcast::Receiver<Published>) {
    loop {
        tokio::select! {
            e = rx.recv() => match e {
                Ok(e) => {
                    if socket.send(Message::Text(e.2.clone().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// What a Beacon page publishes when a service changes status: `service.status_changed`, and
/// `page.status_changed` when the page's overall indicator moves, with envelopes of the same shape
/// and size (keys sorted, as Beacon's are).
async fn change(
    State(hub): State<Hub>,
    Path(service): Path<String>,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> impl IntoResponse {
    let status = body["status"].as_str().unwrap_or("operational").to_string();
    let at = "2026-12-02T12:00:00.000Z";
    let mut events: Vec<(&'static str, String)> = Vec::new();
    {
        let mut statuses = hub.statuses.lock().unwrap();
        let before = indicator(&statuses);
        let old = statuses.insert(service.clone(), status.clone());
        let old = old.unwrap_or_else(|| "operational".into());
        if old != status {
            let component = format!(
                r#"{{"created_at":"2026-12-02T11:00:00.000Z","description":"Load-test service","group_id":null,"id":"{service}","name":"Service 00","only_show_if_degraded":false,"position":0,"showcase":true,"start_date":null,"status":"{status}","updated_at":"{at}","visibility":"public"}}"#
            );
            events.push((
                "service.status_changed",
                format!(
                    r#"{{"cause":"manual","component":{component},"new_status":"{status}","old_status":"{old}"}}"#
                ),
            ));
        }
        let after = indicator(&statuses);
        if before != after {
            events.push((
                "page.status_changed",
                format!(
                    r#"{{"old_status":{{"description":"{}","indicator":"{}"}},"status":{{"description":"{}","indicator":"{}"}}}}"#,
                    before.1, before.0, after.1, after.0
                ),
            ));
        }
    }
    for (kind, data) in events {
        let id = hub.next.fetch_add(1, Ordering::Relaxed);
        let envelope =
            format!(r#"{{"at":"{at}","data":{data},"id":{id},"org":"acme","type":"{kind}"}}"#);
        let _ = hub.tx.send(Arc::new((id, kind, envelope)));
    }
    axum::Json(serde_json::json!({ "id": service, "status": status }))
}

/// The page's overall indicator and description from its services' statuses.
fn indicator(statuses: &HashMap<String, String>) -> (&'static str, &'static str) {
    let worst = |s: &str| statuses.values().any(|v| v == s);
    if worst("major_outage") {
        ("major", "Major System Outage")
    } else if worst("partial_outage") || worst("degraded_performance") {
        ("minor", "Minor Service Outage")
    } else {
        ("none", "All Systems Operational")
    }
}
