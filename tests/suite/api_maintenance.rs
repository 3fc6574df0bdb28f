//! Scheduled maintenance through the API, and the scheduler moving windows as the clock moves.

use crate::api_services::service;
use crate::common::{spawn_app, TestApp};
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn service_status(app: &TestApp, t: &str, id: &str) -> String {
    let (_, s) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(t),
            None,
        )
        .await;
    s["status"].as_str().unwrap().to_owned()
}

async fn schedule(app: &TestApp, t: &str, services: Value, start_in: i64, length: i64) -> Value {
    let now = app.state.now();
    let body = json!({"name": "DB upgrade", "description": "Upgrading the database.", "services": services,
        "starts_at": now.plus_seconds(start_in).to_rfc3339(), "ends_at": now.plus_seconds(start_in + length).to_rfc3339()});
    let (status, m) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/maintenances",
            Some(t),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    m
}

async fn maintenance(app: &TestApp, t: &str, id: &str) -> Value {
    app.api(
        "GET",
        &format!("/api/v1/orgs/acme/maintenances/{id}"),
        Some(t),
        None,
    )
    .await
    .1
}

#[tokio::test]
async fn maintenance_puts_its_services_under_maintenance_when_the_window_opens_and_back_when_it_closes(
) {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    app.api(
        "PATCH",
        &format!("/api/v1/orgs/acme/services/{api}"),
        Some(&t),
        Some(json!({"status": "degraded_performance"})),
    )
    .await;
    let m = schedule(&app, &t, json!([api]), 3600, 7200).await;
    let id = m["id"].as_str().unwrap();
    for key in [
        "id",
        "name",
        "description",
        "status",
        "starts_at",
        "ends_at",
        "time_zone",
        "services",
        "auto_start",
        "auto_complete",
        "started_at",
        "completed_at",
        "created_at",
        "updated_at",
    ] {
        assert!(m.get(key).is_some(), "{key}");
    }
    assert_eq!(m["status"], "scheduled");
    assert_eq!(m["time_zone"], "UTC");

    app.clock.advance(3599);
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        0
    );
    assert_eq!(service_status(&app, &t, &api).await, "degraded_performance");

    app.clock.advance(1);
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        1
    );
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        0,
        "never twice"
    );
    let m = maintenance(&app, &t, id).await;
    assert_eq!(m["status"], "in_progress");
    assert!(m["started_at"].is_string());
    assert_eq!(service_status(&app, &t, &api).await, "under_maintenance");

    app.clock.advance(7200);
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        1
    );
    let m = maintenance(&app, &t, id).await;
    assert_eq!(m["status"], "completed");
    assert_eq!(
        service_status(&app, &t, &api).await,
        "degraded_performance",
        "back to the status it had before"
    );
    let (_, h) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={api}"),
            Some(&t),
            None,
        )
        .await;
    let last = h["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["cause"], "maintenance");
    assert_eq!(last["cause_id"], id);
    assert_eq!(last["actor"], "scheduler");
}

#[tokio::test]
async fn a_status_changed_during_the_window_stands_when_it_ends() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    schedule(&app, &t, json!([api]), 60, 600).await;
    app.clock.advance(60);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    app.api(
        "PATCH",
        &format!("/api/v1/orgs/acme/services/{api}"),
        Some(&t),
        Some(json!({"status": "major_outage"})),
    )
    .await;
    app.clock.advance(600);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    assert_eq!(service_status(&app, &t, &api).await, "major_outage");
}

#[tokio::test]
async fn overlapping_windows_return_a_service_when_the_last_one_ends() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    schedule(&app, &t, json!([api]), 60, 600).await; // 60..660
    schedule(&app, &t, json!([api]), 300, 900).await; // 300..1200
    app.clock.advance(300);
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        2
    );
    app.clock.advance(400); // 700: the first has ended
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    assert_eq!(service_status(&app, &t, &api).await, "under_maintenance");
    app.clock.advance(500); // 1200: the second ends
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    assert_eq!(service_status(&app, &t, &api).await, "operational");
}

#[tokio::test]
async fn the_scheduler_finishes_a_window_after_a_restart_in_the_middle_of_it() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let m = schedule(&app, &t, json!([api]), 60, 600).await;
    let id = m["id"].as_str().unwrap().to_owned();
    app.clock.advance(120);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    assert_eq!(service_status(&app, &t, &api).await, "under_maintenance");

    let app = app.restart().await;
    app.clock.advance(600);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    assert_eq!(maintenance(&app, &t, &id).await["status"], "completed");
    assert_eq!(service_status(&app, &t, &api).await, "operational");
    let updates = maintenance(&app, &t, &id).await["updates"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(updates, 3, "scheduled, started, completed: each once");
}

#[tokio::test]
async fn updates_move_the_lifecycle_and_a_completed_window_cannot_be_cancelled() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let m = schedule(&app, &t, json!([api]), 3600, 3600).await;
    let id = m["id"].as_str().unwrap();
    let path = format!("/api/v1/orgs/acme/maintenances/{id}/updates");
    let (status, m) = app
        .api(
            "POST",
            &path,
            Some(&t),
            Some(json!({"status": "in_progress", "message": "Starting early."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(m["status"], "in_progress");
    assert_eq!(service_status(&app, &t, &api).await, "under_maintenance");
    let (_, m) = app
        .api(
            "POST",
            &path,
            Some(&t),
            Some(json!({"status": "verifying", "message": "Checking."})),
        )
        .await;
    assert_eq!(m["status"], "verifying");
    let (_, m) = app
        .api(
            "POST",
            &path,
            Some(&t),
            Some(json!({"status": "completed", "message": "Done."})),
        )
        .await;
    assert_eq!(m["status"], "completed");
    assert_eq!(service_status(&app, &t, &api).await, "operational");
    let (status, body) = app
        .api(
            "POST",
            &path,
            Some(&t),
            Some(json!({"status": "cancelled", "message": "Oops."})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["status"]
        .as_str()
        .unwrap()
        .contains("cannot be cancelled"));
}

#[tokio::test]
async fn a_cancelled_window_never_starts() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let m = schedule(&app, &t, json!([api]), 60, 600).await;
    let id = m["id"].as_str().unwrap();
    let (_, m) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/maintenances/{id}/updates"),
            Some(&t),
            Some(json!({"status": "cancelled", "message": "Postponed."})),
        )
        .await;
    assert_eq!(m["status"], "cancelled");
    app.clock.advance(120);
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        0
    );
    assert_eq!(service_status(&app, &t, &api).await, "operational");
}

#[tokio::test]
async fn automatic_transitions_can_be_turned_off() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let m = schedule(&app, &t, json!([api]), 60, 600).await;
    let id = m["id"].as_str().unwrap();
    let (_, m) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/maintenances/{id}"),
            Some(&t),
            Some(json!({"auto_start": false})),
        )
        .await;
    assert_eq!(m["auto_start"], false);
    app.clock.advance(120);
    assert_eq!(
        beacon::worker::scheduler::step(&app.state).await.unwrap(),
        0
    );
    assert_eq!(maintenance(&app, &t, id).await["status"], "scheduled");
}

#[tokio::test]
async fn local_window_times_follow_the_time_zone_and_dst() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let ny = |s: &str, e: &str| json!({"name": "Window", "starts_at": s, "ends_at": e, "time_zone": "America/New_York"});
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/maintenances",
            Some(&t),
            Some(ny("2030-03-10T02:30:00", "2030-03-10T04:00:00")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["starts_at"]
        .as_str()
        .unwrap()
        .contains("does not exist"));
    let (status, m) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/maintenances",
            Some(&t),
            Some(ny("2030-11-03T01:30:00", "2030-11-03T03:00:00")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(
        m["starts_at"], "2030-11-03T05:30:00.000Z",
        "the earlier of the two 01:30s"
    );
    assert_eq!(m["time_zone"], "America/New_York");
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/maintenances",
            Some(&t),
            Some(ny("2030-06-01T10:00:00", "2030-06-01T09:00:00")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["ends_at"].is_string());
}

#[tokio::test]
async fn a_running_window_cannot_be_deleted_and_its_services_are_fixed() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let web = service(&app, &t, "Web").await;
    let m = schedule(&app, &t, json!([api]), 60, 600).await;
    let id = m["id"].as_str().unwrap();
    app.clock.advance(60);
    beacon::worker::scheduler::step(&app.state).await.unwrap();
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/maintenances/{id}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/maintenances/{id}"),
            Some(&t),
            Some(json!({"services": [api, web]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, m) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/maintenances/{id}"),
            Some(&t),
            Some(json!({"ends_at": app.state.now().plus_seconds(3600).to_rfc3339()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a running window can be extended");
    assert_eq!(m["status"], "in_progress");
}
