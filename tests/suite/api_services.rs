//! Services, groups and the status history through the API.

use crate::common::{spawn_app, TestApp};
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub async fn service(app: &TestApp, token: &str, name: &str) -> String {
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(token),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn history(app: &TestApp, token: &str, service_id: &str) -> Vec<Value> {
    let (status, page) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={service_id}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_service_is_created_with_defaults_and_its_first_history_entry() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let (status, s) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(&t),
            Some(json!({"name": "API", "description": "Public REST API"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s["status"], "operational");
    assert_eq!(s["visibility"], "public");
    assert_eq!(s["showcase"], true);
    assert_eq!(s["only_show_if_degraded"], false);
    assert!(s["group_id"].is_null() && s["team_id"].is_null() && s["start_date"].is_null());
    for key in [
        "id",
        "name",
        "description",
        "status",
        "group_id",
        "team_id",
        "position",
        "visibility",
        "showcase",
        "only_show_if_degraded",
        "start_date",
        "created_at",
        "updated_at",
    ] {
        assert!(s.get(key).is_some(), "{key}");
    }
    let h = history(&app, &t, s["id"].as_str().unwrap()).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["cause"], "created");
    assert!(h[0]["old_status"].is_null());
    assert_eq!(h[0]["new_status"], "operational");
}

#[tokio::test]
async fn a_manual_status_change_is_recorded_with_who_and_why() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let id = service(&app, &t, "API").await;
    app.clock.advance(10);
    let (status, s) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(json!({"status": "partial_outage"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["status"], "partial_outage");
    // Setting the same status again changes nothing.
    app.api(
        "PATCH",
        &format!("/api/v1/orgs/acme/services/{id}"),
        Some(&t),
        Some(json!({"status": "partial_outage"})),
    )
    .await;
    let h = history(&app, &t, &id).await;
    assert_eq!(h.len(), 2);
    assert_eq!(h[1]["old_status"], "operational");
    assert_eq!(h[1]["new_status"], "partial_outage");
    assert_eq!(h[1]["cause"], "manual");
    assert_eq!(h[1]["actor"], "token:editor token");
    let (_, log) = app
        .api(
            "GET",
            "/api/v1/orgs/acme/audit-log",
            Some(&app.token("acme", Role::Owner).await),
            None,
        )
        .await;
    assert!(log["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "service.status_change"));
}

#[tokio::test]
async fn unknown_statuses_and_foreign_groups_are_refused_by_field() {
    let app = spawn_app().await;
    app.org("acme").await;
    app.org("other").await;
    let t = app.token("acme", Role::Editor).await;
    let other = app.token("other", Role::Editor).await;
    let (_, g) = app
        .api(
            "POST",
            "/api/v1/orgs/other/groups",
            Some(&other),
            Some(json!({"name": "Theirs"})),
        )
        .await;
    let id = service(&app, &t, "API").await;
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(json!({"status": "on_fire"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(json!({"group_id": g["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["group_id"].is_string());
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(&t),
            Some(json!({"description": "no name"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["name"].is_string());
    let (status, body) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(json!({"start_date": "yesterday"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["start_date"].is_string());
}

#[tokio::test]
async fn services_join_groups_and_teams_and_fields_clear_with_null() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Admin).await;
    let (status, g) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/groups",
            Some(&t),
            Some(json!({"name": "Core", "collapsed": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(g["collapsed"], true);
    let (_, team) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&t),
            Some(json!({"name": "Platform"})),
        )
        .await;
    let id = service(&app, &t, "API").await;
    let body = json!({"group_id": g["id"], "team_id": team["id"], "visibility": "private", "start_date": "2026-01-31", "description": "x"});
    let (status, s) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["group_id"], g["id"]);
    assert_eq!(s["team_id"], team["id"]);
    assert_eq!(s["visibility"], "private");
    assert_eq!(s["start_date"], "2026-01-31");
    let (_, by_team) = app
        .api(
            "GET",
            &format!(
                "/api/v1/orgs/acme/services?team_id={}",
                team["id"].as_str().unwrap()
            ),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(by_team["data"].as_array().unwrap().len(), 1);
    let (_, s) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(json!({"description": null, "name": "API v2"})),
        )
        .await;
    assert!(s["description"].is_null());
    assert_eq!(s["name"], "API v2");
    assert_eq!(s["group_id"], g["id"], "absent fields stay");
    // Deleting the group ungroups its services.
    let gid = g["id"].as_str().unwrap();
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/groups/{gid}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, s) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            None,
        )
        .await;
    assert!(s["group_id"].is_null());
}

#[tokio::test]
async fn a_deleted_service_leaves_the_lists_but_its_history_stays() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let id = service(&app, &t, "Legacy").await;
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app
        .api("GET", "/api/v1/orgs/acme/services", Some(&t), None)
        .await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(history(&app, &t, &id).await.len(), 1);
}

#[tokio::test]
async fn the_history_filters_by_time_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let id = service(&app, &t, "API").await;
    let start = app.state.now();
    for status in [
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "operational",
    ] {
        app.clock.advance(60);
        app.api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&t),
            Some(json!({"status": status})),
        )
        .await;
    }
    let from = start.plus_seconds(90).to_rfc3339();
    let to = start.plus_seconds(200).to_rfc3339();
    let (_, page) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={id}&from={from}&to={to}"),
            Some(&t),
            None,
        )
        .await;
    let statuses: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["new_status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["partial_outage", "major_outage"]);
    let (_, first) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={id}&limit=2"),
            Some(&t),
            None,
        )
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={id}&limit=2&cursor={cursor}"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(second["data"][0]["new_status"], "partial_outage");
    let (status, _) = app
        .api(
            "GET",
            "/api/v1/orgs/acme/status-history?from=yesterday",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn viewers_read_services_but_cannot_change_them() {
    let app = spawn_app().await;
    app.org("acme").await;
    let editor = app.token("acme", Role::Editor).await;
    let viewer = app.token("acme", Role::Viewer).await;
    let id = service(&app, &editor, "API").await;
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme/services", Some(&viewer), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.api(
            "PATCH",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&viewer),
            Some(json!({"status": "major_outage"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/orgs/acme/services",
            Some(&viewer),
            Some(json!({"name": "x"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/orgs/acme/incidents",
            Some(&viewer),
            Some(json!({"name": "x", "message": "y"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (_, s) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/services/{id}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(s["status"], "operational");
}
