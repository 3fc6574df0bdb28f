//! `/api/v1/orgs`: create, list, read, update, delete; audit log.

use crate::common::spawn_app;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_token_reads_and_updates_its_org() {
    let app = spawn_app().await;
    app.org("acme").await;
    let token = app.token("acme", Role::Admin).await;
    let (status, org) = app
        .api("GET", "/api/v1/orgs/acme", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(org["slug"], "acme");
    assert_eq!(org["time_zone"], "UTC");
    assert_eq!(org["id"].as_str().unwrap().len(), 12);
    assert!(org["created_at"].as_str().unwrap().ends_with('Z'));

    let (status, org) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme",
            Some(&token),
            Some(json!({"name": "Acme Inc", "time_zone": "Europe/Paris"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(org["name"], "Acme Inc");
    assert_eq!(org["time_zone"], "Europe/Paris");

    let (status, list) = app.api("GET", "/api/v1/orgs", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unknown_time_zone_is_refused_with_the_field_named() {
    let app = spawn_app().await;
    app.org("acme").await;
    let token = app.token("acme", Role::Owner).await;
    let (status, body) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme",
            Some(&token),
            Some(json!({"time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "validation_failed");
    assert!(body["error"]["fields"]["time_zone"].is_string());
}

#[tokio::test]
async fn renaming_the_slug_moves_the_org_and_a_taken_slug_is_a_conflict() {
    let app = spawn_app().await;
    app.org("acme").await;
    app.org("globex").await;
    let token = app.token("acme", Role::Owner).await;
    let (status, body) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme",
            Some(&token),
            Some(json!({"slug": "globex"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["fields"]["slug"], "is already taken");
    let (status, _) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme",
            Some(&token),
            Some(json!({"slug": "acme-2"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme-2", Some(&token), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme", Some(&token), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_signed_in_user_creates_orgs_and_lists_all_of_theirs() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .client
        .post(app.url("/api/v1/orgs"))
        .json(&json!({"slug": "second", "name": "Second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let list: serde_json::Value = browser
        .client
        .get(app.url("/api/v1/orgs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["acme", "second"]);
}

#[tokio::test]
async fn org_tokens_cannot_create_orgs() {
    let app = spawn_app().await;
    app.org("acme").await;
    let token = app.token("acme", Role::Owner).await;
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs",
            Some(&token),
            Some(json!({"slug": "other", "name": "Other"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
}

#[tokio::test]
async fn invalid_and_reserved_slugs_are_refused() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    for slug in [
        "ab",
        "UPPER",
        "has space",
        "-dash",
        "api",
        "status",
        &"x".repeat(41),
    ] {
        let res = browser
            .client
            .post(app.url("/api/v1/orgs"))
            .json(&json!({"slug": slug, "name": "X"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body["error"]["fields"]["slug"].is_string(), "{slug}");
    }
}

#[tokio::test]
async fn only_owners_delete_an_org_and_then_it_is_gone() {
    let app = spawn_app().await;
    app.org("acme").await;
    let admin = app.token("acme", Role::Admin).await;
    let owner = app.token("acme", Role::Owner).await;
    assert_eq!(
        app.api("DELETE", "/api/v1/orgs/acme", Some(&admin), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api("DELETE", "/api/v1/orgs/acme", Some(&owner), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme", Some(&owner), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_audit_log_pages_newest_first_with_a_cursor() {
    let app = spawn_app().await;
    app.org("acme").await;
    app.clock.advance(1);
    let token = app.token("acme", Role::Owner).await;
    for i in 0..5 {
        app.clock.advance(1);
        app.api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&token),
            Some(json!({"name": format!("team {i}")})),
        )
        .await;
    }
    let (status, page) = app
        .api(
            "GET",
            "/api/v1/orgs/acme/audit-log?limit=2",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["action"], "team.create");
    assert_eq!(data[0]["details"]["name"], "team 4");
    assert_eq!(data[0]["actor"], "token:owner token");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, page2) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/audit-log?limit=2&cursor={cursor}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(page2["data"][0]["details"]["name"], "team 2");
    // Walking every page yields each entry once, newest first: org.create, token.create, 5 team.create.
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(c) => format!("/api/v1/orgs/acme/audit-log?limit=2&cursor={c}"),
            None => "/api/v1/orgs/acme/audit-log?limit=2".to_owned(),
        };
        let (_, p) = app.api("GET", &path, Some(&token), None).await;
        all.extend(p["data"].as_array().unwrap().iter().cloned());
        next = p["next_cursor"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(all.len(), 7);
    assert_eq!(all.last().unwrap()["action"], "org.create");
    let times: Vec<&str> = all.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let (status, body) = app
        .api(
            "GET",
            "/api/v1/orgs/acme/audit-log?cursor=garbage",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["cursor"].is_string());
}
