//! Several instances on one PostgreSQL database: a change made through one reaches the streams
//! and the public page of another. Meaningful only on PostgreSQL (SQLite runs one instance).

use crate::common::{spawn_app, spawn_second, TestApp};
use crate::live::Sse;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn on_postgres() -> bool {
    let pg = std::env::var("BEACON_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    if !pg {
        eprintln!("note: several instances need PostgreSQL (BEACON_TEST_DATABASE_URL); skipped");
    }
    pg
}

async fn summary(app: &TestApp) -> Value {
    let (status, v) = app
        .api("GET", "/status/acme/api/v2/summary.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    v
}

fn component<'a>(summary: &'a Value, name: &str) -> Option<&'a Value> {
    summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
}

/// Reads frames until one of `kind`, skipping others (a status change is followed by the page's).
async fn until(sse: &mut Sse, kind: &str) -> crate::live::Frame {
    loop {
        let f = sse.next().await;
        if f.event == kind {
            return f;
        }
    }
}

#[tokio::test]
async fn a_change_through_one_instance_reaches_the_streams_and_page_of_another() {
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    a.org("acme").await;
    let t = a.token("acme", Role::Editor).await;
    let b = spawn_second(&a).await;
    let mut dashboard = Sse::open(&b, "/api/v1/orgs/acme/events", Some(&t), None).await;
    let mut public = Sse::open(&b, "/status/acme/events", None, None).await;

    let (status, service) = a
        .api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(&t),
            Some(json!({"name": "API"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{service}");
    let f = dashboard.next().await;
    assert_eq!(f.event, "service.created");
    assert_eq!(f.data["data"]["component"]["name"], "API");
    assert_eq!(public.next().await.id, f.id);
    // B rebuilds its snapshot before telling its streams: no waiting for the page.
    assert!(component(&summary(&b).await, "API").is_some());

    let path = format!(
        "/api/v1/orgs/acme/services/{}",
        service["id"].as_str().unwrap()
    );
    let (status, _) = a
        .api(
            "PATCH",
            &path,
            Some(&t),
            Some(json!({"status": "major_outage"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let changed = until(&mut dashboard, "page.status_changed").await;
    assert_eq!(changed.data["data"]["status"]["indicator"], "major");
    let page = summary(&b).await;
    assert_eq!(component(&page, "API").unwrap()["status"], "major_outage");
    assert_eq!(page["status"]["indicator"], "major");

    // Only the writing instance records the derived page event: B's rebuild did not repeat it.
    a.api(
        "PATCH",
        &path,
        Some(&t),
        Some(json!({"name": "Public API"})),
    )
    .await;
    let next = dashboard.next().await;
    assert_eq!(
        (next.id, next.event.as_str()),
        (changed.id + 1, "service.updated")
    );
}

#[tokio::test]
async fn an_instance_that_loses_its_listening_connection_catches_up_after_reconnecting() {
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    a.org("acme").await;
    let t = a.token("acme", Role::Editor).await;
    let b = spawn_second(&a).await;
    let mut sse = Sse::open(&b, "/status/acme/events", None, None).await;

    // A write whose notice never goes out (made beneath the web layer, which announces), as if
    // sent while B was not listening: only B's resync after reconnecting can bring it.
    let org = beacon::db::orgs::find_by_slug(&mut a.state.db.conn().await.unwrap(), "acme")
        .await
        .unwrap()
        .unwrap();
    let access = beacon::ops::OrgAccess {
        org,
        role: Role::Owner,
        actor: beacon::ops::Actor::token("test"),
    };
    let input = beacon::ops::services::ServiceInput {
        name: Some("Queue".into()),
        ..Default::default()
    };
    beacon::ops::services::create(&a.state, &access, input)
        .await
        .unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%') AS t",
    )
    .fetch_one(b.state.db.pool())
    .await
    .unwrap();
    assert_eq!(killed, 2, "each instance had one listening connection");

    let f = sse.next().await;
    assert_eq!(f.event, "service.created");
    assert_eq!(f.data["data"]["component"]["name"], "Queue");
    assert!(component(&summary(&b).await, "Queue").is_some());

    // And B hears of later changes on its new connection.
    a.api(
        "POST",
        "/api/v1/orgs/acme/services",
        Some(&t),
        Some(json!({"name": "Cache"})),
    )
    .await;
    assert_eq!(sse.next().await.data["data"]["component"]["name"], "Cache");
    assert!(component(&summary(&b).await, "Cache").is_some());
}
