//! The page that updates itself: its live sections are documents of their own, rendered from the
//! same partial templates as the page, cached by ETag, changed by every write, public only.

use crate::common::{spawn_app, TestApp};
use crate::public_page::{seed, Seeded};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

const WAIT: Duration = Duration::from_secs(10);

const PARTIALS: [&str; 5] = ["banner", "incidents", "maintenances", "services", "past"];

async fn get(app: &TestApp, path: &str, host: Option<&str>) -> reqwest::Response {
    let mut req = app.http.get(app.url(path));
    if let Some(h) = host {
        req = req.header("host", h);
    }
    req.send().await.unwrap()
}

/// PATCHes `path` under org `acme`'s API as its owner; the test fails unless it succeeds.
async fn patch(app: &TestApp, s: &Seeded, path: &str, body: serde_json::Value) {
    let (status, body) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/{path}"),
            Some(&s.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
}

async fn text(app: &TestApp, path: &str) -> String {
    get(app, path, None).await.text().await.unwrap()
}

#[tokio::test]
async fn each_live_partial_is_the_pages_own_section_with_an_etag_and_no_private_service() {
    let app = spawn_app().await;
    seed(&app).await;
    let page = text(&app, "/status/acme").await;
    for name in PARTIALS {
        let res = get(&app, &format!("/status/acme/partials/{name}"), None).await;
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "text/html; charset=utf-8");
        assert_eq!(
            h["cache-control"], "public, no-cache",
            "{name}: revalidated"
        );
        let etag = h["etag"].to_str().unwrap().to_owned();
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("data-live=\"{name}\"")),
            "{name}: one region"
        );
        assert!(
            page.contains(html.trim()),
            "{name}: the page embeds the partial verbatim"
        );
        assert!(!html.contains("Internal admin") && !html.contains("Private trouble"));
        let again = app
            .http
            .get(app.url(&format!("/status/acme/partials/{name}")))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{name}");
    }
    assert!(text(&app, "/status/acme/partials/banner")
        .await
        .contains("data-indicator=\"major\""));
}

#[tokio::test]
async fn a_write_changes_the_partials_and_the_tab_title_says_what_is_wrong() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let page = text(&app, "/status/acme").await;
    assert!(page.contains("<title>⚠ Partial System Outage · Org acme Status</title>"));
    let etag = |r: &reqwest::Response| r.headers()["etag"].clone();
    let before = etag(&get(&app, "/status/acme/partials/banner", None).await);
    // Everything fixed: the banner, the lists and the title say so.
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/incidents/{}/updates", s.incident),
        Some(&s.token),
        Some(json!({"status": "resolved", "message": "Fixed."})),
    )
    .await;
    patch(
        &app,
        &s,
        &format!("services/{}", s.api),
        json!({"status": "operational"}),
    )
    .await;
    let banner = get(&app, "/status/acme/partials/banner", None).await;
    assert_ne!(etag(&banner), before, "a new ETag");
    let banner = banner.text().await.unwrap();
    assert!(banner.contains("All Systems Operational"), "{banner}");
    assert!(banner.contains("data-title=\"Org acme Status\""));
    let page = text(&app, "/status/acme").await;
    assert!(page.contains("<title>Org acme Status</title>"));
    assert!(!text(&app, "/status/acme/partials/incidents")
        .await
        .contains("Elevated API errors"));
    assert!(text(&app, "/status/acme/partials/past")
        .await
        .contains("Elevated API errors"));
    // A service goes down.
    let services = text(&app, "/status/acme/partials/services").await;
    assert!(!services.contains("s-major_outage"));
    patch(
        &app,
        &s,
        &format!("services/{}", s.web),
        json!({"status": "major_outage"}),
    )
    .await;
    assert!(text(&app, "/status/acme/partials/services")
        .await
        .contains("status s-major_outage\">Major outage"));
    assert!(text(&app, "/status/acme/partials/banner")
        .await
        .contains("data-title=\"⚠ Partial System Outage · Org acme Status\""));
}

#[tokio::test]
async fn a_custom_domain_has_its_own_partials_and_its_own_stream() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    patch(
        &app,
        &s,
        "page",
        json!({"custom_domain": "status.acme.test"}),
    )
    .await;
    let host = Some("status.acme.test");
    let page = get(&app, "/", host).await.text().await.unwrap();
    assert!(
        page.contains("data-live-stream=\"/events\""),
        "the script's prefix"
    );
    let incidents = get(&app, "/partials/incidents", host).await;
    assert_eq!(incidents.status(), StatusCode::OK);
    let incidents = incidents.text().await.unwrap();
    assert!(incidents.contains(&format!("href=\"/incidents/{}\"", s.incident)));
    assert!(page.contains(incidents.trim()));
    let events = get(&app, "/events", host).await;
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    // Its WebSocket too, carrying the page's events.
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("host", "status.acme.test".parse().unwrap());
    let (mut socket, _) = timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .unwrap()
        .expect("a WebSocket on the custom domain");
    patch(
        &app,
        &s,
        &format!("services/{}", s.web),
        json!({"status": "major_outage"}),
    )
    .await;
    let event = loop {
        let msg = timeout(WAIT, socket.next())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            break serde_json::from_str::<serde_json::Value>(&t).unwrap();
        }
    };
    assert_eq!(event["type"], "service.status_changed");
    assert_eq!(event["org"], "acme");
    // A plain GET there is no upgrade.
    assert_eq!(
        get(&app, "/ws", host).await.status(),
        StatusCode::BAD_REQUEST
    );
    // The Beacon host's page knows its prefix too.
    assert!(text(&app, "/status/acme")
        .await
        .contains("data-live-stream=\"/status/acme/events\""));
}

#[tokio::test]
async fn a_private_pages_partials_are_for_members_only() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    patch(&app, &s, "page", json!({"private": true})).await;
    let res = get(&app, "/status/acme/partials/banner", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
}

#[tokio::test]
async fn only_the_overview_and_the_public_pages_load_the_live_script() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let res = get(&app, "/static/live.js", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(res.text().await.unwrap().contains("EventSource"));
    let browser = app.signed_in(&owner).await;
    let (status, overview) = browser.get("/orgs/acme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(overview.contains("<script src=\"/static/live.js\" defer></script>"));
    assert!(overview.contains("data-live-stream=\"/api/v1/orgs/acme/events\""));
    for region in ["overall", "incidents", "maintenances", "services"] {
        assert!(
            overview.contains(&format!("data-live=\"{region}\"")),
            "{region}"
        );
    }
    assert!(overview.contains("<title>Org acme · Beacon</title>"));
    let t = app.token("acme", beacon::domain::Role::Owner).await;
    let (_, svc) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(&t),
            Some(json!({"name": "API", "status": "partial_outage"})),
        )
        .await;
    assert!(svc["id"].is_string(), "{svc}");
    let (_, overview) = browser.get("/orgs/acme").await;
    assert!(
        overview.contains("<title>⚠ Partial outage · Org acme · Beacon</title>"),
        "the tab title says what is wrong"
    );
    let (_, services) = browser.get("/orgs/acme/services").await;
    assert!(!services.contains("live.js"));
    assert!(text(&app, "/status/acme")
        .await
        .contains("<script src=\"/static/live.js\" defer></script>"));
}
