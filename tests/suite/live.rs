//! Live updates: real SSE and WebSocket clients over real HTTP, reading what the server sends.

use crate::common::{spawn_app, TestApp, TestDb};
use beacon::domain::Role;
use futures_util::{Stream, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::pin::Pin;
use std::time::Duration;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

const WAIT: Duration = Duration::from_secs(10);

/// One SSE frame.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) id: i64,
    pub(crate) event: String,
    pub(crate) data: Value,
}

/// A Server-Sent Events client over reqwest's byte stream.
pub(crate) struct Sse {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buf: String,
}

impl Sse {
    pub(crate) async fn open(
        app: &TestApp,
        path: &str,
        token: Option<&str>,
        last: Option<i64>,
    ) -> Sse {
        let res = Self::request(app, path, token, last).await;
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers();
        assert_eq!(h["content-type"], "text/event-stream");
        assert_eq!(h["cache-control"], "no-cache");
        assert_eq!(h["x-accel-buffering"], "no");
        Sse {
            body: Box::pin(res.bytes_stream().map(|b| b.map(|b| b.to_vec()))),
            buf: String::new(),
        }
    }

    async fn request(
        app: &TestApp,
        path: &str,
        token: Option<&str>,
        last: Option<i64>,
    ) -> reqwest::Response {
        let mut req = app.http.get(app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(id) = last {
            req = req.header("Last-Event-ID", id.to_string());
        }
        timeout(WAIT, req.send()).await.unwrap().unwrap()
    }

    /// The next event (heartbeat comments skipped); fails after 10 s instead of hanging.
    pub(crate) async fn next(&mut self) -> Frame {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    let field = |p: &str| line.strip_prefix(p).map(|v| v.trim_start().to_owned());
                    if let Some(v) = field("id:") {
                        id = v.parse().ok();
                    } else if let Some(v) = field("event:") {
                        event = v;
                    } else if let Some(v) = field("data:") {
                        data.push_str(&v);
                    }
                }
                if data.is_empty() {
                    continue;
                }
                let data: Value = serde_json::from_str(&data).unwrap();
                return Frame {
                    id: id.expect("every event has an id"),
                    event,
                    data,
                };
            }
            let chunk = timeout(WAIT, self.body.next())
                .await
                .expect("an event within 10 s")
                .expect("the stream is open")
                .unwrap();
            self.buf.push_str(&String::from_utf8(chunk).unwrap());
        }
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws(app: &TestApp, path: &str, token: Option<&str>) -> Ws {
    let mut req = format!("ws://{}{path}", app.addr)
        .into_client_request()
        .unwrap();
    if let Some(t) = token {
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .unwrap()
        .unwrap()
        .0
}

async fn ws_next(ws: &mut Ws) -> Value {
    loop {
        let msg = timeout(WAIT, ws.next())
            .await
            .expect("a message within 10 s");
        if let Message::Text(t) = msg.unwrap().unwrap() {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn post(app: &TestApp, t: &str, path: &str, body: Value) -> Value {
    let (status, v) = app.api("POST", path, Some(t), Some(body)).await;
    assert!(status.is_success(), "{status} {v}");
    v
}

async fn service(app: &TestApp, t: &str, org: &str, body: Value) -> String {
    let path = format!("/api/v1/orgs/{org}/services");
    post(app, t, &path, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_dashboard_stream_carries_every_kind_of_event_numbered_one_apart() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let mut sse = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), None).await;

    let api = service(&app, &t, "acme", json!({"name": "API"})).await;
    let db = service(&app, &t, "acme", json!({"name": "DB"})).await;
    let path = format!("/api/v1/orgs/acme/services/{api}");
    app.api(
        "PATCH",
        &path,
        Some(&t),
        Some(json!({"name": "Public API"})),
    )
    .await;
    app.api(
        "PATCH",
        &path,
        Some(&t),
        Some(json!({"status": "degraded_performance"})),
    )
    .await;
    let incident = post(
        &app,
        &t,
        "/api/v1/orgs/acme/incidents",
        json!({"name": "Errors", "message": "Looking.",
        "services": [{"id": db, "status": "major_outage"}]}),
    )
    .await;
    let updates = format!(
        "/api/v1/orgs/acme/incidents/{}/updates",
        incident["id"].as_str().unwrap()
    );
    post(&app, &t, &updates, json!({"status": "resolved", "message": "Fixed.", "services": [{"id": db, "status": "operational"}]})).await;
    let now = app.state.now();
    post(&app, &t, "/api/v1/orgs/acme/maintenances", json!({"name": "Upgrade", "services": [api],
        "starts_at": now.plus_seconds(60).to_rfc3339(), "ends_at": now.plus_seconds(120).to_rfc3339()})).await;
    app.clock.advance(61);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    app.clock.advance(60);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    app.api("DELETE", &path, Some(&t), None).await;

    let mut seen = Vec::new();
    let mut last = 0;
    while !seen.contains(&"service.deleted".to_owned()) {
        let f = sse.next().await;
        assert_eq!(
            f.id,
            last + 1,
            "ids go up by one: {seen:?} then {}",
            f.event
        );
        assert_eq!(f.data["id"], f.id);
        assert_eq!(f.data["type"], f.event.as_str());
        assert_eq!(f.data["org"], "acme");
        last = f.id;
        seen.push(f.event);
    }
    for kind in [
        "service.created",
        "service.updated",
        "service.status_changed",
        "incident.created",
        "incident_update.created",
        "incident.resolved",
        "maintenance.created",
        "maintenance.started",
        "maintenance.completed",
        "page.status_changed",
        "service.deleted",
    ] {
        assert!(
            seen.iter().any(|s| s == kind),
            "{kind} missing from {seen:?}"
        );
    }
}

#[tokio::test]
async fn resuming_replays_exactly_the_missed_events_and_resyncs_beyond_the_window() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    for name in ["A", "B", "C", "D"] {
        service(&app, &t, "acme", json!({"name": name})).await;
    }
    // Missed 3 and 4: SSE with Last-Event-ID and WebSocket with ?since= both replay exactly them.
    let mut sse = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), Some(2)).await;
    let mut socket = ws(&app, "/api/v1/orgs/acme/ws?since=2", Some(&t)).await;
    for id in [3, 4] {
        let f = sse.next().await;
        assert_eq!(
            (f.id, f.data["data"]["component"]["name"].clone()),
            (id, json!(["", "", "", "C", "D"][id as usize]))
        );
        assert_eq!(ws_next(&mut socket).await["id"], id);
    }
    service(&app, &t, "acme", json!({"name": "E"})).await;
    assert_eq!(sse.next().await.id, 5);
    assert_eq!(ws_next(&mut socket).await["id"], 5);

    // Two hours later, a gap from id 2 is older than the one-hour window: one resync, then live.
    app.clock.advance(2 * 3600);
    let mut late = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), Some(2)).await;
    let f = late.next().await;
    assert_eq!((f.event.as_str(), f.id), ("resync", 5));
    let mut late_ws = ws(&app, "/api/v1/orgs/acme/ws?since=2", Some(&t)).await;
    assert_eq!(ws_next(&mut late_ws).await["type"], "resync");
    // An id the org never reached is also a resync.
    let mut odd = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), Some(99)).await;
    assert_eq!(odd.next().await.event, "resync");
    service(&app, &t, "acme", json!({"name": "F"})).await;
    assert_eq!(late.next().await.id, 6);
    assert_eq!(ws_next(&mut late_ws).await["id"], 6);
    socket.close(None).await.unwrap();
}

#[tokio::test]
async fn streams_never_cross_orgs_and_public_streams_never_name_private_services() {
    let app = spawn_app().await;
    app.org("acme").await;
    app.org("other").await;
    let a = app.token("acme", Role::Editor).await;
    let b = app.token("other", Role::Editor).await;
    let res = Sse::request(&app, "/api/v1/orgs/acme/events", Some(&b), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = Sse::request(&app, "/api/v1/orgs/acme/events", None, None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let mut dash = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&a), None).await;
    let mut public = Sse::open(&app, "/status/acme/events", None, None).await;
    let mut public_ws = ws(&app, "/status/acme/ws", None).await;
    service(&app, &b, "other", json!({"name": "Other's service"})).await;
    let secret = service(
        &app,
        &a,
        "acme",
        json!({"name": "Secret backend", "visibility": "private"}),
    )
    .await;
    post(
        &app,
        &a,
        "/api/v1/orgs/acme/incidents",
        json!({"name": "Backend trouble", "message": "x",
        "services": [{"id": secret, "status": "major_outage"}]}),
    )
    .await;
    service(&app, &a, "acme", json!({"name": "Website"})).await;

    let mut dash_names = Vec::new();
    loop {
        let f = dash.next().await;
        assert_eq!(f.data["org"], "acme");
        dash_names.push(f.data.to_string());
        if f.data.to_string().contains("Website") {
            break;
        }
    }
    assert!(dash_names.iter().any(|d| d.contains("Secret backend")));
    assert!(!dash_names.iter().any(|d| d.contains("Other's service")));
    // The public stream's first event is the public service: nothing private came before it.
    let f = public.next().await;
    assert_eq!(f.event, "service.created");
    assert_eq!(f.data["data"]["component"]["name"], "Website");
    let w = ws_next(&mut public_ws).await;
    assert_eq!(w["data"]["component"]["name"], "Website");
    assert!(!w.to_string().contains("Secret"));
}

#[tokio::test]
async fn a_rolled_back_write_publishes_nothing_and_events_survive_a_restart() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let mut sse = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), None).await;
    let api = service(&app, &t, "acme", json!({"name": "API"})).await;
    assert_eq!(sse.next().await.id, 1);
    // The transaction starts, then a listed service turns out not to exist: all of it rolls back.
    let (status, _) = app
        .api("POST", "/api/v1/orgs/acme/incidents", Some(&t), Some(json!({"name": "x", "message": "y",
            "services": [{"id": api, "status": "major_outage"}, {"id": "zzzzzzzzzzzz", "status": "major_outage"}]})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    service(&app, &t, "acme", json!({"name": "DB"})).await;
    let f = sse.next().await;
    assert_eq!((f.id, f.event.as_str()), (2, "service.created"));
    assert_eq!(f.data["data"]["component"]["name"], "DB");
    drop(sse);

    let app = app.restart().await;
    let t = app.token("acme", Role::Editor).await;
    let mut sse = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), Some(1)).await;
    let f = sse.next().await;
    assert_eq!(
        (f.id, f.data["data"]["component"]["name"].clone()),
        (2, json!("DB"))
    );
    service(&app, &t, "acme", json!({"name": "Cache"})).await;
    assert_eq!(sse.next().await.id, 3);
}

/// The metrics text of the app.
async fn metrics(app: &TestApp) -> String {
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_change_is_read_and_rendered_once_for_every_stream_even_the_first_after_a_start() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "acme", json!({"name": "API"})).await;
    // A new process has announced nothing yet: its first change must still start where the
    // streams stand, though it records two events (the service's and the page's status).
    let app = app.restart().await;
    let t = app.token("acme", Role::Editor).await;
    let mut public = Sse::open(&app, "/status/acme/events", None, None).await;
    let mut dashboard = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), None).await;
    let path = format!("/api/v1/orgs/acme/services/{api}");
    let body = json!({"status": "major_outage"});
    let (status, _) = app.api("PATCH", &path, Some(&t), Some(body)).await;
    assert!(status.is_success());
    for sse in [&mut public, &mut dashboard] {
        let (a, b) = (sse.next().await, sse.next().await);
        assert_eq!(
            (a.id, a.event.as_str(), b.id, b.event.as_str()),
            (2, "service.status_changed", 3, "page.status_changed")
        );
    }
    let text = metrics(&app).await;
    assert!(text.contains("\nbeacon_live_streams 2\n"), "{text}");
    assert!(
        text.contains("\nbeacon_live_store_reads_total 0\n"),
        "{text}"
    );

    // A client resuming from an older id is the case that does read the store.
    let mut resumed = Sse::open(&app, "/status/acme/events", None, Some(1)).await;
    assert_eq!(resumed.next().await.id, 2);
    let text = metrics(&app).await;
    assert!(
        text.contains("\nbeacon_live_store_reads_total 1\n"),
        "{text}"
    );
    drop((public, dashboard, resumed));
}

#[tokio::test]
async fn a_client_that_stops_reading_delays_no_one_and_one_stream_too_many_is_refused() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let mut open = Vec::new();
    // 99 more streams that are never read, plus the one that is: 100 from this address.
    for _ in 0..99 {
        open.push(Sse::request(&app, "/status/acme/events", None, None).await);
    }
    let mut reader = Sse::open(&app, "/api/v1/orgs/acme/events", Some(&t), None).await;
    for i in 0..20 {
        service(&app, &t, "acme", json!({"name": format!("S{i}")})).await;
        assert_eq!(reader.next().await.id, i + 1);
    }
    let res = Sse::request(&app, "/status/acme/events", None, None).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    drop(open.pop());
    // The freed slot is released when the server notices the connection closed.
    let mut tries = 0;
    loop {
        let res = Sse::request(&app, "/status/acme/events", None, None).await;
        if res.status() == StatusCode::OK {
            break;
        }
        tries += 1;
        assert!(tries < 200, "the slot was never freed");
        service(&app, &t, "acme", json!({"name": format!("N{tries}")})).await;
    }
}

#[tokio::test]
async fn a_stream_that_falls_too_far_behind_gets_a_resync() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    service(&app, &t, "acme", json!({"name": "API"})).await;
    let org_id = app.state.snapshots.by_slug("acme").unwrap().org_id.clone();
    let mut sse = Sse::open(&app, "/status/acme/events", None, None).await;
    // More notices than the channel keeps, published without yielding (this test's runtime has
    // one thread): the stream cannot read any of them before the oldest are overwritten.
    for n in 0..beacon::events::CAPACITY as i64 + 10 {
        app.state.live.publish(&org_id, 2 + n);
    }
    let frame = sse.next().await;
    assert_eq!(frame.event, "resync", "{frame:?}");
    assert_eq!(frame.data["type"], "resync");
    assert_eq!(frame.id, 1, "a resync carries where the log stands");
    // And the stream goes on: the next real change arrives after it.
    service(&app, &t, "acme", json!({"name": "Web"})).await;
    let next = sse.next().await;
    assert_eq!((next.id, next.event.as_str()), (2, "service.created"));
}

#[tokio::test]
async fn the_per_address_cap_believes_x_forwarded_for_only_from_trusted_proxies() {
    let open = |app: &TestApp, forwarded_for: &'static str| {
        let req = app
            .http
            .get(app.url("/status/acme/events"))
            .header("x-forwarded-for", forwarded_for);
        async move { timeout(WAIT, req.send()).await.unwrap().unwrap() }
    };
    // Behind a trusted proxy (this test's loopback address), each forwarded client has its own cap.
    let app = crate::common::spawn_app_configured(|c| {
        c.max_streams_per_ip = 1;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    app.org("acme").await;
    let a = open(&app, "10.0.0.1").await;
    assert_eq!(a.status(), StatusCode::OK);
    let a_again = open(&app, "192.0.2.9, 10.0.0.1").await;
    assert_eq!(
        a_again.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the nearest untrusted address counts"
    );
    let b = open(&app, "10.0.0.2").await;
    assert_eq!(
        b.status(),
        StatusCode::OK,
        "another client behind the proxy"
    );
    // Without trusted proxies the header is the client's own claim: the peer address counts.
    let app = crate::common::spawn_app_configured(|c| c.max_streams_per_ip = 1).await;
    app.org("acme").await;
    let first = open(&app, "10.0.0.1").await;
    assert_eq!(first.status(), StatusCode::OK);
    let spoofed = open(&app, "10.0.0.2").await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
    drop((a, b, first));
}

#[tokio::test]
async fn shutdown_ends_open_streams_so_the_server_stops_promptly() {
    let db = TestDb::new().await;
    use beacon::clock::Clock as _;
    let clock = beacon::clock::ManualClock::new(beacon::clock::SystemClock.now());
    let config = beacon::config::Config::for_database(&db.url);
    let app = beacon::app::App::build(config, std::sync::Arc::new(clock))
        .await
        .unwrap();
    let state = app.state().clone();
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let user = beacon::ops::accounts::create_user(
        &state,
        beacon::ops::accounts::NewAccount::parse("o@acme.test", "o", crate::common::PASSWORD)
            .unwrap(),
    )
    .await
    .unwrap();
    beacon::ops::orgs::create(&state, &user, "acme", "Acme")
        .await
        .unwrap();
    beacon::public::snapshot::rebuild_all(&state).await.unwrap();
    let res = reqwest::get(format!("http://{addr}/status/acme/events"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.bytes_stream();
    let mut socket = {
        let req = format!("ws://{addr}/status/acme/ws")
            .into_client_request()
            .unwrap();
        tokio_tungstenite::connect_async(req).await.unwrap().0
    };
    stop.send(()).unwrap();
    // The SSE body ends, the WebSocket gets a close frame, and serving returns.
    loop {
        match timeout(WAIT, body.next()).await.expect("the SSE body ends") {
            None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    loop {
        match timeout(WAIT, socket.next())
            .await
            .expect("the socket closes")
        {
            Some(Ok(Message::Close(frame))) => {
                assert_eq!(u16::from(frame.unwrap().code), 1001);
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    timeout(WAIT, server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn quiet_streams_get_keep_alives_sse_comments_and_websocket_pings() {
    let app = crate::common::spawn_app_configured(|c| {
        c.live_heartbeat = Duration::from_millis(50);
    })
    .await;
    app.org("acme").await;
    let mut sse = Sse::open(&app, "/status/acme/events", None, None).await;
    let mut seen = String::new();
    while !seen.contains(":\n\n") {
        let chunk = timeout(WAIT, sse.body.next())
            .await
            .expect("a keep-alive within 10 s")
            .expect("the stream is open")
            .unwrap();
        seen.push_str(&String::from_utf8(chunk).unwrap());
    }
    assert!(
        seen.starts_with(':'),
        "only comments on a quiet stream: {seen:?}"
    );
    let mut socket = ws(&app, "/status/acme/ws", None).await;
    let msg = timeout(WAIT, socket.next())
        .await
        .expect("a ping within 10 s")
        .unwrap()
        .unwrap();
    assert!(
        matches!(msg, Message::Ping(_)),
        "a quiet WebSocket sends only pings, got {msg:?}"
    );
}

#[tokio::test]
async fn a_websocket_answers_a_ping_with_its_pong_and_a_close_with_a_close() {
    use futures_util::SinkExt;
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let mut socket = ws(&app, "/status/acme/ws", None).await;
    socket
        .send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .unwrap();
    let pong = timeout(WAIT, socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(pong, Message::Pong(b"still there?".to_vec().into()));
    // Messages from the client are read and dropped; events keep coming.
    socket.send(Message::Text("hello".into())).await.unwrap();
    service(&app, &t, "acme", json!({"name": "API"})).await;
    assert_eq!(ws_next(&mut socket).await["type"], "service.created");
    socket.send(Message::Close(None)).await.unwrap();
    let reply = timeout(WAIT, socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(reply, Message::Close(_)), "got {reply:?}");
    let after = timeout(WAIT, socket.next()).await.unwrap();
    assert!(
        after.is_none() || after.unwrap().is_err(),
        "nothing after the close"
    );
}
