//! The public page: what it shows, how it is cached, who may see it, where it answers, and that
//! it keeps serving from memory when the database is gone.

use crate::common::{spawn_app, TestApp};
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

/// What [`seed`] made.
pub struct Seeded {
    pub token: String,
    pub api: String,
    pub web: String,
    pub private_service: String,
    pub incident: String,
    pub past_incident: String,
    pub maintenance: String,
}

/// An org `acme` with a group, public and private services, an open incident, a past one, an
/// upcoming maintenance and a cancelled one.
pub async fn seed(app: &TestApp) -> Seeded {
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    let post = |path: &'static str, body: serde_json::Value| {
        let t = t.clone();
        async move {
            let (status, v) = app
                .api(
                    "POST",
                    &format!("/api/v1/orgs/acme/{path}"),
                    Some(&t),
                    Some(body),
                )
                .await;
            assert!(status.is_success(), "{path}: {v}");
            v["id"].as_str().unwrap().to_owned()
        }
    };
    let group = post("groups", json!({"name": "Core"})).await;
    let api = post(
        "services",
        json!({"name": "API", "group_id": group, "description": "The REST API"}),
    )
    .await;
    let web = post("services", json!({"name": "Website"})).await;
    let private_service = post(
        "services",
        json!({"name": "Internal admin", "visibility": "private"}),
    )
    .await;
    app.clock.advance(3 * 24 * 3600);
    let now = app.state.now();
    let past_incident = post(
        "incidents",
        json!({"name": "Website outage", "message": "It was down.", "backfilled": true, "started_at": now.plus_seconds(-2 * 24 * 3600).to_rfc3339(),
               "resolved_at": now.plus_seconds(-2 * 24 * 3600 + 7200).to_rfc3339(), "services": [{"id": web, "status": "major_outage"}]}),
    )
    .await;
    post("incidents", json!({"name": "Private trouble", "message": "Only internal.", "services": [{"id": private_service, "status": "major_outage"}]})).await;
    let incident = post("incidents", json!({"name": "Elevated API errors", "message": "We are **investigating**.", "services": [{"id": api, "status": "partial_outage"}]})).await;
    let maintenance = post(
        "maintenances",
        json!({"name": "Database upgrade", "description": "Faster queries.", "starts_at": now.plus_seconds(86_400).to_rfc3339(), "ends_at": now.plus_seconds(90_000).to_rfc3339(), "services": [web]}),
    )
    .await;
    let cancelled = post(
        "maintenances",
        json!({"name": "Cancelled work", "starts_at": now.plus_seconds(86_400).to_rfc3339(), "ends_at": now.plus_seconds(90_000).to_rfc3339(), "services": [web]}),
    )
    .await;
    let (s, _) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/maintenances/{cancelled}/updates"),
            Some(&t),
            Some(json!({"status": "cancelled", "message": "Not needed."})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    Seeded {
        token: t,
        api,
        web,
        private_service,
        incident,
        past_incident,
        maintenance,
    }
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn the_page_shows_status_incidents_maintenance_services_and_history() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let res = get(&app, "/status/acme").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("stale-while-revalidate"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Partial System Outage"), "the banner");
    assert!(
        html.contains("Elevated API errors") && html.contains("<strong>investigating</strong>"),
        "the active incident with its Markdown rendered"
    );
    assert!(html.contains("Database upgrade"), "upcoming maintenance");
    assert!(
        !html.contains("Cancelled work"),
        "cancelled maintenance is not public"
    );
    assert!(html.contains("Core") && html.contains("API") && html.contains("Website"));
    assert!(html.contains("Partial outage"), "status in words");
    assert!(
        !html.contains("Internal admin")
            && !html.contains(&s.private_service)
            && !html.contains("Private trouble"),
        "nothing private"
    );
    assert_eq!(
        html.split("<ol class=\"bars\"")
            .skip(1)
            .map(|bars| bars[..bars.find("</ol>").unwrap()].matches("<li ").count())
            .sum::<usize>(),
        2 * 90,
        "90 day bars per public service"
    );
    assert!(html.contains("Website outage"), "past incidents");
    assert!(html.contains("No incidents reported"), "quiet days say so");
    assert!(
        html.contains("<time datetime="),
        "times are machine-readable"
    );
    assert!(html.contains("<main") && html.contains("<header") && html.contains("<footer"));
}

#[tokio::test]
async fn uptime_counts_major_outages_fully_and_partial_ones_at_30_percent() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let (_, svc) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(&t),
            Some(json!({"name": "API"})),
        )
        .await;
    let id = svc["id"].as_str().unwrap();
    let path = format!("/api/v1/orgs/acme/services/{id}");
    let set =
        |status: &'static str| app.api("PATCH", &path, Some(&t), Some(json!({"status": status})));
    app.clock.advance(10 * 3600);
    set("major_outage").await;
    app.clock.advance(3600);
    set("partial_outage").await;
    app.clock.advance(1000);
    set("degraded_performance").await;
    app.clock.advance(3600);
    set("operational").await;
    app.clock.advance(7 * 3600 + 3600 - 1000);
    // 20 hours since creation, down 3600 (major) + 1000 * 30% (partial) weighted seconds; the
    // degraded hour does not count.
    app.api(
        "PATCH",
        &format!("/api/v1/orgs/acme/services/{id}"),
        Some(&t),
        Some(json!({"name": "API "})),
    )
    .await;
    let html = get(&app, "/status/acme").await.text().await.unwrap();
    let expected = (100.0_f64 * (1.0 - 3900.0 / 72_000.0) * 100.0).floor() / 100.0;
    assert!(
        html.contains(&format!("{expected:.2}% uptime")),
        "expected {expected:.2}% in the page"
    );
}

#[tokio::test]
async fn a_change_is_visible_on_the_next_request() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let before = get(&app, "/status/acme/api/v2/components.json")
        .await
        .text()
        .await
        .unwrap();
    assert!(!before.contains("major_outage"));
    app.api(
        "PATCH",
        &format!("/api/v1/orgs/acme/services/{}", s.web),
        Some(&s.token),
        Some(json!({"status": "major_outage"})),
    )
    .await;
    let after: serde_json::Value = get(&app, "/status/acme/api/v2/components.json")
        .await
        .json()
        .await
        .unwrap();
    let web = after["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == s.web.as_str())
        .unwrap()
        .clone();
    assert_eq!(web["status"], "major_outage");
    // A resolved incident leaves the active list at once.
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/incidents/{}/updates", s.incident),
        Some(&s.token),
        Some(json!({"status": "resolved", "message": "Fixed."})),
    )
    .await;
    let unresolved: serde_json::Value = get(&app, "/status/acme/api/v2/incidents/unresolved.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unresolved["incidents"], json!([]));
    // A page settings change too.
    app.api(
        "PATCH",
        "/api/v1/orgs/acme/page",
        Some(&s.token),
        Some(json!({"title": "Acme Status"})),
    )
    .await;
    let html = get(&app, "/status/acme").await.text().await.unwrap();
    assert!(html.contains("Acme Status"));
}

#[tokio::test]
async fn etags_answer_304_and_compressed_bodies_are_precomputed() {
    let app = spawn_app().await;
    seed(&app).await;
    for (encoding, expected) in [
        ("identity", None),
        ("gzip", Some("gzip")),
        ("br", Some("br")),
        ("gzip, deflate, br", Some("br")),
    ] {
        let res = app
            .http
            .get(app.url("/status/acme"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            expected,
            "{encoding}"
        );
        assert_eq!(res.headers()["vary"], "Accept-Encoding");
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong: {etag}"
        );
        let again = app
            .http
            .get(app.url("/status/acme"))
            .header("accept-encoding", encoding)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{encoding}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let plain = app
        .http
        .get(app.url("/status/acme/api/v2/summary.json"))
        .send()
        .await
        .unwrap();
    let gz = app
        .http
        .get(app.url("/status/acme/api/v2/summary.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_ne!(
        plain.headers()["etag"],
        gz.headers()["etag"],
        "one ETag per encoding"
    );
    let plain = plain.bytes().await.unwrap();
    let gz = gz.bytes().await.unwrap();
    let mut d = flate2_decode(&gz);
    assert!(gz.len() < plain.len());
    assert_eq!(std::mem::take(&mut d), plain.to_vec());
}

#[tokio::test]
async fn a_large_page_is_sent_from_its_file_byte_for_byte() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    for i in 0..12 {
        let (status, v) = app
            .api(
                "POST",
                "/api/v1/orgs/acme/services",
                Some(&t),
                Some(json!({"name": format!("Service {i}")})),
            )
            .await;
        assert!(status.is_success(), "{v}");
    }
    let pages = app.state.snapshots.by_slug("acme").unwrap();
    let kept = pages.get("", false).unwrap().identity().clone();
    assert!(
        kept.len() >= beacon::web::zerocopy::MIN_LEN,
        "large enough to be sent from a file: {} bytes",
        kept.len()
    );
    if cfg!(target_os = "linux") {
        assert!(beacon::web::zerocopy::is_promoted(&kept));
    }
    // Several requests on one kept-alive connection: each body whole, nothing left over between.
    for _ in 0..3 {
        let res = get(&app, "/status/acme").await;
        assert_eq!(res.status(), StatusCode::OK);
        let len: usize = res.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body = res.bytes().await.unwrap();
        assert_eq!(len, kept.len());
        assert!(body == kept, "the bytes served are the snapshot's bytes");
    }
    let gz = app
        .http
        .get(app.url("/status/acme"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(flate2_decode(&gz), kept.to_vec());
}

fn flate2_decode(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn incident_maintenance_and_history_pages_are_served() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let html = get(&app, &format!("/status/acme/incidents/{}", s.incident))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Elevated API errors")
            && html.contains("Affected: API")
            && html.contains("Investigating")
    );
    let html = get(
        &app,
        &format!("/status/acme/maintenances/{}", s.maintenance),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(html.contains("Database upgrade") && html.contains("Scheduled"));
    let html = get(&app, "/status/acme/history")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Incident history"));
    let month = app.state.now().plus_seconds(-2 * 24 * 3600).to_rfc3339()[..7].to_owned();
    let html = get(&app, &format!("/status/acme/history?month={month}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Website outage"),
        "the past incident in its month"
    );
    assert_eq!(
        get(&app, &format!("/status/acme/incidents/{}", "zzzzzzzzzzzz"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/status/nobody").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &format!("/status/acme/incidents/{}", s.past_incident))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn badges_and_the_embed_script_tell_the_status() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let res = get(&app, "/status/acme/badge.svg").await;
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().await.unwrap().contains("Partial System Outage"));
    let svg = get(&app, &format!("/status/acme/services/{}/badge.svg", s.api))
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.contains("API") && svg.contains("Partial outage"));
    assert_eq!(
        get(
            &app,
            &format!("/status/acme/services/{}/badge.svg", s.private_service)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let res = get(&app, "/status/acme/embed.js").await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let js = res.text().await.unwrap();
    assert!(
        js.contains("Elevated API errors")
            && js.contains("Dismiss")
            && !js.contains("Private trouble")
    );
}

#[tokio::test]
async fn the_feeds_are_well_formed_atom_and_rss() {
    let app = spawn_app().await;
    seed(&app).await;
    let atom = get(&app, "/status/acme/history.atom")
        .await
        .text()
        .await
        .unwrap();
    let doc = roxmltree::Document::parse(&atom).expect("well-formed Atom");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    for required in ["id", "title", "updated", "author"] {
        assert!(
            feed.children().any(|c| c.tag_name().name() == required),
            "feed has {required}"
        );
    }
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert!(entries.len() >= 3, "incidents and the maintenance");
    for e in &entries {
        for required in ["id", "title", "updated", "published", "link", "content"] {
            assert!(
                e.children().any(|c| c.tag_name().name() == required),
                "entry has {required}"
            );
        }
    }
    let titles: Vec<&str> = entries
        .iter()
        .filter_map(|e| {
            e.children()
                .find(|c| c.tag_name().name() == "title")
                .and_then(|t| t.text())
        })
        .collect();
    assert!(
        titles.contains(&"Elevated API errors")
            && !titles.contains(&"Private trouble")
            && !titles.contains(&"Cancelled work")
    );
    let content = entries[0]
        .children()
        .find(|c| c.tag_name().name() == "content")
        .unwrap()
        .text()
        .unwrap();
    assert!(content.contains("<p><small>"), "escaped HTML paragraphs");

    let rss = get(&app, "/status/acme/history.rss")
        .await
        .text()
        .await
        .unwrap();
    let doc = roxmltree::Document::parse(&rss).expect("well-formed RSS");
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    let channel = doc
        .root_element()
        .children()
        .find(|c| c.tag_name().name() == "channel")
        .unwrap();
    assert_eq!(
        channel
            .children()
            .find(|c| c.tag_name().name() == "description")
            .and_then(|d| d.text()),
        Some("Statuspage")
    );
    let items: Vec<_> = channel
        .children()
        .filter(|c| c.tag_name().name() == "item")
        .collect();
    assert!(items.len() >= 3);
    for i in &items {
        let link = i
            .children()
            .find(|c| c.tag_name().name() == "link")
            .unwrap()
            .text()
            .unwrap();
        let guid = i
            .children()
            .find(|c| c.tag_name().name() == "guid")
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(link, guid);
        assert!(i.children().any(|c| c.tag_name().name() == "pubDate"));
    }
}

#[tokio::test]
async fn a_private_page_is_for_members_only_and_never_cached_publicly() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    app.api(
        "PATCH",
        "/api/v1/orgs/acme/page",
        Some(&s.token),
        Some(json!({"private": true})),
    )
    .await;
    for path in [
        "/status/acme",
        "/status/acme/api/v2/summary.json",
        "/status/acme/history.atom",
        "/status/acme/badge.svg",
        "/status/acme/nothing",
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            res.headers()["cache-control"],
            "private, no-store",
            "{path}"
        );
        assert!(res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=/status/acme"));
    }
    let owner = crate::common::TestUser {
        id: beacon::domain::Id::new(),
        email: "owner@acme.test".into(),
        password: crate::common::PASSWORD.into(),
    };
    let browser = app.signed_in(&owner).await;
    let res = browser
        .client
        .get(app.url("/status/acme"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let outsider = app.user("outsider@example.com").await;
    let other = app.signed_in(&outsider).await;
    assert_eq!(
        other
            .client
            .get(app.url("/status/acme"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_custom_domain_serves_the_page_at_its_root() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let (status, page) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme/page",
            Some(&s.token),
            Some(json!({"custom_domain": "Status.Acme.test"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["custom_domain"], "status.acme.test");
    let res = app
        .http
        .get(app.url("/"))
        .header("host", "status.acme.test")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Elevated API errors") && html.contains("href=\"/history\""),
        "links without the /status prefix"
    );
    let summary: serde_json::Value = app
        .http
        .get(app.url("/api/v2/summary.json"))
        .header("host", "status.acme.test:443")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["page"]["url"], "http://status.acme.test");
    // The Beacon host still answers at /status/acme, with working links.
    let html = get(&app, "/status/acme").await.text().await.unwrap();
    assert!(html.contains("href=\"/status/acme/history\""));
    // A second org cannot take the same domain.
    app.org("other").await;
    let t2 = app.token("other", Role::Owner).await;
    let (status, body) = app
        .api(
            "PATCH",
            "/api/v1/orgs/other/page",
            Some(&t2),
            Some(json!({"custom_domain": "status.acme.test"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // Private on a custom domain: visitors are sent to sign in on the Beacon host.
    app.api(
        "PATCH",
        "/api/v1/orgs/acme/page",
        Some(&s.token),
        Some(json!({"private": true})),
    )
    .await;
    let res = app
        .http
        .get(app.url("/"))
        .header("host", "status.acme.test")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{}/login?next=/status/acme", app.base)));
}

#[tokio::test]
async fn the_page_keeps_serving_when_the_database_is_gone() {
    let app = spawn_app().await;
    seed(&app).await;
    app.state.db.pool().close().await;
    assert_eq!(
        get(&app, "/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    for path in [
        "/status/acme",
        "/status/acme/api/v2/summary.json",
        "/status/acme/history.rss",
    ] {
        assert_eq!(get(&app, path).await.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn logos_are_checked_by_content_and_served_with_the_page() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let put = |body: Vec<u8>, ct: &'static str| {
        app.http
            .put(app.url("/api/v1/orgs/acme/page/logo"))
            .bearer_auth(&s.token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let png = [b"\x89PNG\r\n\x1a\n".to_vec(), vec![0u8; 100]].concat();
    let res = put(png.clone(), "application/octet-stream").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let logo = get(&app, "/status/acme/logo").await;
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.bytes().await.unwrap().to_vec(), png);
    assert!(get(&app, "/status/acme")
        .await
        .text()
        .await
        .unwrap()
        .contains("/status/acme/logo"));
    let res = put(
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        "image/png",
    )
    .await
    .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an SVG named PNG is refused"
    );
    let big = [b"\x89PNG\r\n\x1a\n".to_vec(), vec![0u8; 600 * 1024]].concat();
    let res = put(big, "image/png").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme/page",
            Some(&s.token),
            Some(json!({"accent_color": "red"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["accent_color"].is_string());
}

#[tokio::test]
async fn a_custom_domain_never_takes_the_shared_paths_and_is_never_an_ip_address() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let (status, body) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme/page",
            Some(&s.token),
            Some(json!({"custom_domain": "127.0.0.1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    app.api(
        "PATCH",
        "/api/v1/orgs/acme/page",
        Some(&s.token),
        Some(json!({"custom_domain": "status.acme.test"})),
    )
    .await;
    for (path, want) in [("/healthz", "ok"), ("/static/public.css", "--accent")] {
        let res = app
            .http
            .get(app.url(path))
            .header("host", "status.acme.test")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.text().await.unwrap().contains(want), "{path}");
    }
}
