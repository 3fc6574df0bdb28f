//! Incidents, their timeline and templates through the API.

use crate::api_services::service;
use crate::common::{spawn_app, TestApp};
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn get(app: &TestApp, t: &str, path: &str) -> Value {
    let (status, body) = app.api("GET", path, Some(t), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

async fn open(app: &TestApp, t: &str, services: Value) -> Value {
    let body = json!({"name": "API errors", "message": "We are investigating **elevated errors**.", "services": services});
    let (status, incident) = app
        .api("POST", "/api/v1/orgs/acme/incidents", Some(t), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    incident
}

#[tokio::test]
async fn an_incident_moves_its_services_and_derives_its_impact() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let web = service(&app, &t, "Web").await;
    let incident = open(&app, &t, json!([{"id": api, "status": "partial_outage"}, {"id": web, "status": "degraded_performance"}])).await;
    for key in [
        "id",
        "name",
        "status",
        "impact",
        "impact_override",
        "services",
        "backfilled",
        "started_at",
        "created_at",
        "updated_at",
        "monitoring_at",
        "resolved_at",
        "updates",
    ] {
        assert!(incident.get(key).is_some(), "{key}");
    }
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["impact"], "major");
    assert_eq!(incident["updates"].as_array().unwrap().len(), 1);
    assert_eq!(
        incident["updates"][0]["services"][0]["old_status"],
        "operational"
    );
    assert_eq!(
        get(&app, &t, &format!("/api/v1/orgs/acme/services/{api}")).await["status"],
        "partial_outage"
    );

    let id = incident["id"].as_str().unwrap();
    let (status, update) = app
        .api("POST", &format!("/api/v1/orgs/acme/incidents/{id}/updates"), Some(&t), Some(json!({"status": "identified", "message": "Bad deploy.", "services": [{"id": api, "status": "major_outage"}]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{update}");
    for key in [
        "id",
        "status",
        "message",
        "services",
        "notify",
        "display_at",
    ] {
        assert!(update.get(key).is_some(), "{key}");
    }
    assert_eq!(update["services"][0]["old_status"], "partial_outage");
    let incident = get(&app, &t, &format!("/api/v1/orgs/acme/incidents/{id}")).await;
    assert_eq!(incident["impact"], "critical");

    // Resolving with services back to operational keeps the impact and stamps resolved_at.
    let body = json!({"status": "resolved", "message": "Fixed.", "services": [{"id": api, "status": "operational"}, {"id": web, "status": "operational"}]});
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
        Some(&t),
        Some(body),
    )
    .await;
    let incident = get(&app, &t, &format!("/api/v1/orgs/acme/incidents/{id}")).await;
    assert_eq!(incident["status"], "resolved");
    assert_eq!(incident["impact"], "critical");
    assert!(incident["resolved_at"].is_string());
    assert_eq!(
        get(&app, &t, &format!("/api/v1/orgs/acme/services/{api}")).await["status"],
        "operational"
    );
    let (_, h) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={api}"),
            Some(&t),
            None,
        )
        .await;
    let causes: Vec<&str> = h["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["created", "incident", "incident", "incident"]);
    assert_eq!(h["data"][1]["cause_id"], id);
}

#[tokio::test]
async fn the_impact_override_replaces_the_derived_impact_until_cleared() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let incident = open(
        &app,
        &t,
        json!([{"id": api, "status": "degraded_performance"}]),
    )
    .await;
    let id = incident["id"].as_str().unwrap();
    let (_, i) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/incidents/{id}"),
            Some(&t),
            Some(json!({"impact_override": "critical"})),
        )
        .await;
    assert_eq!(i["impact"], "critical");
    assert_eq!(i["impact_override"], "critical");
    let (_, i) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/incidents/{id}"),
            Some(&t),
            Some(json!({"impact_override": null})),
        )
        .await;
    assert_eq!(i["impact"], "minor");
    assert!(i["impact_override"].is_null());
}

#[tokio::test]
async fn a_resolved_incident_leaves_resolved_only_by_reopening() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let incident = open(&app, &t, json!([])).await;
    let id = incident["id"].as_str().unwrap();
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
        Some(&t),
        Some(json!({"status": "resolved", "message": "Done."})),
    )
    .await;
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
            Some(&t),
            Some(json!({"status": "monitoring", "message": "Hm."})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["status"]
        .as_str()
        .unwrap()
        .contains("reopen"));
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
            Some(&t),
            Some(json!({"message": "A note after the fact."})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a resolved incident takes updates that keep it resolved"
    );
    app.clock.advance(1);
    let (status, i) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/incidents/{id}/reopen"),
            Some(&t),
            Some(json!({"message": "It is back."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(i["status"], "investigating");
    assert!(i["resolved_at"].is_null());
    assert_eq!(i["updates"][0]["status"], "investigating");
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/incidents/{id}/reopen"),
            Some(&t),
            Some(json!({"message": "again?"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only resolved incidents reopen"
    );
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
            Some(&t),
            Some(json!({"status": "postmortem", "message": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn updates_are_edited_with_a_mark_and_deleted_but_never_the_first() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let incident = open(&app, &t, json!([{"id": api, "status": "major_outage"}])).await;
    let id = incident["id"].as_str().unwrap();
    let first = incident["updates"][0]["id"].as_str().unwrap().to_owned();
    app.clock.advance(5);
    let (_, second) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
            Some(&t),
            Some(json!({"status": "identified", "message": "Typo hrere"})),
        )
        .await;
    let second_id = second["id"].as_str().unwrap();
    let (status, edited) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates/{second_id}"),
            Some(&t),
            Some(json!({"message": "Typo here"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edited["message"], "Typo here");
    assert!(edited["edited_at"].is_string());
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates/{first}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates/{second_id}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, updates) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(updates["data"].as_array().unwrap().len(), 1);
    // Neither edit nor delete touched the current status.
    assert_eq!(
        get(&app, &t, &format!("/api/v1/orgs/acme/services/{api}")).await["status"],
        "major_outage"
    );
}

#[tokio::test]
async fn a_backfilled_incident_records_history_without_changing_current_statuses() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    app.clock.advance(3 * 24 * 3600);
    let now = app.state.now();
    let started = now.plus_seconds(-2 * 24 * 3600).to_rfc3339();
    let resolved = now.plus_seconds(-2 * 24 * 3600 + 1800).to_rfc3339();
    let body = json!({"name": "Outage last week", "message": "Backfilled.", "backfilled": true, "started_at": started, "resolved_at": resolved,
        "services": [{"id": api, "status": "major_outage"}]});
    let (status, i) = app
        .api("POST", "/api/v1/orgs/acme/incidents", Some(&t), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{i}");
    assert_eq!(i["backfilled"], true);
    assert_eq!(i["status"], "resolved");
    assert_eq!(i["impact"], "critical");
    assert_eq!(i["started_at"], started);
    assert_eq!(i["resolved_at"], resolved);
    assert_eq!(
        get(&app, &t, &format!("/api/v1/orgs/acme/services/{api}")).await["status"],
        "operational"
    );
    let (_, h) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/status-history?service_id={api}&from={started}"),
            Some(&t),
            None,
        )
        .await;
    let entries = h["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0]["new_status"].as_str(), entries[0]["at"].as_str()),
        (Some("major_outage"), Some(started.as_str()))
    );
    assert_eq!(
        (entries[1]["new_status"].as_str(), entries[1]["at"].as_str()),
        (Some("operational"), Some(resolved.as_str()))
    );

    let bad = json!({"name": "x", "message": "y", "backfilled": true, "started_at": resolved, "resolved_at": started});
    let (status, body) = app
        .api("POST", "/api/v1/orgs/acme/incidents", Some(&t), Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["resolved_at"].is_string());
}

#[tokio::test]
async fn a_published_postmortem_moves_a_resolved_incident_to_postmortem() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let incident = open(&app, &t, json!([])).await;
    let id = incident["id"].as_str().unwrap();
    let path = format!("/api/v1/orgs/acme/incidents/{id}/postmortem");
    let (status, _) = app
        .api(
            "PUT",
            &path,
            Some(&t),
            Some(json!({"body": "# What happened", "published": true})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before it is resolved"
    );
    let (status, i) = app
        .api(
            "PUT",
            &path,
            Some(&t),
            Some(json!({"body": "# What happened", "published": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(i["postmortem"]["published_at"].is_null());
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
        Some(&t),
        Some(json!({"status": "resolved", "message": "Done."})),
    )
    .await;
    let (_, i) = app
        .api(
            "PUT",
            &path,
            Some(&t),
            Some(json!({"body": "# What happened", "published": true})),
        )
        .await;
    assert_eq!(i["status"], "postmortem");
    assert!(i["postmortem"]["published_at"].is_string());
}

#[tokio::test]
async fn services_of_another_org_cannot_be_affected() {
    let app = spawn_app().await;
    app.org("acme").await;
    app.org("other").await;
    let t = app.token("acme", Role::Editor).await;
    let theirs = service_of(&app, "other").await;
    let body = json!({"name": "x", "message": "y", "services": [{"id": theirs, "status": "major_outage"}]});
    let (status, err) = app
        .api("POST", "/api/v1/orgs/acme/incidents", Some(&t), Some(body))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"]["fields"]["services"].is_string());
    let (_, list) = app
        .api("GET", "/api/v1/orgs/acme/incidents", Some(&t), None)
        .await;
    assert_eq!(list["data"], json!([]), "nothing half-written");
}

async fn service_of(app: &TestApp, slug: &str) -> String {
    let t = app.token(slug, Role::Editor).await;
    let (_, s) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/{slug}/services"),
            Some(&t),
            Some(json!({"name": "Theirs"})),
        )
        .await;
    s["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn templates_are_managed_and_refuse_foreign_services() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let api = service(&app, &t, "API").await;
    let body = json!({"name": "DB failover", "title": "Database failover", "body": "We are failing over.", "services": [{"id": api, "status": "partial_outage"}]});
    let (status, tpl) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/incident-templates",
            Some(&t),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(tpl["services"][0]["status"], "partial_outage");
    let id = tpl["id"].as_str().unwrap();
    let (_, tpl) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/incident-templates/{id}"),
            Some(&t),
            Some(json!({"title": "DB failover in progress"})),
        )
        .await;
    assert_eq!(tpl["title"], "DB failover in progress");
    assert_eq!(tpl["name"], "DB failover");
    let (status, _) = app.api("POST", "/api/v1/orgs/acme/incident-templates", Some(&t), Some(json!({"name": "a", "title": "b", "services": [{"id": "zzzzzzzzzzzz", "status": "major_outage"}]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/incident-templates/{id}"),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_note_on_an_incident_with_a_published_postmortem_keeps_it_there() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let incident = open(&app, &t, json!([])).await;
    let id = incident["id"].as_str().unwrap();
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
        Some(&t),
        Some(json!({"status": "resolved", "message": "Done."})),
    )
    .await;
    app.api(
        "PUT",
        &format!("/api/v1/orgs/acme/incidents/{id}/postmortem"),
        Some(&t),
        Some(json!({"body": "Why.", "published": true})),
    )
    .await;
    for body in [
        json!({"message": "A note."}),
        json!({"message": "Another.", "status": "resolved"}),
    ] {
        let (status, _) = app
            .api(
                "POST",
                &format!("/api/v1/orgs/acme/incidents/{id}/updates"),
                Some(&t),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let i = get(&app, &t, &format!("/api/v1/orgs/acme/incidents/{id}")).await;
    assert_eq!(i["status"], "postmortem");
    assert!(i["postmortem"]["published_at"].is_string());
}
