//! Teams and API tokens through the API.

use crate::common::spawn_app;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn teams_are_created_renamed_filled_emptied_and_deleted() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let ann = app.member("acme", "ann@example.com", Role::Editor).await;
    let token = app.token("acme", Role::Admin).await;
    let (status, team) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&token),
            Some(json!({"name": "Platform"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = team["id"].as_str().unwrap().to_owned();
    assert_eq!(team["member_ids"], json!([]));

    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&token),
            Some(json!({"name": "Platform"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["fields"]["name"].is_string());

    for user in [&ann, &owner] {
        app.clock.advance(1);
        let (status, body) = app
            .api(
                "POST",
                &format!("/api/v1/orgs/acme/teams/{id}/members"),
                Some(&token),
                Some(json!({"user_id": user.id})),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let (_, team) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/teams/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(team["member_ids"], json!([ann.id, owner.id]));
    let (_, members) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/teams/{id}/members"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(members["data"].as_array().unwrap().len(), 2);

    let (status, team) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/teams/{id}"),
            Some(&token),
            Some(json!({"name": "SRE"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(team["name"], "SRE");

    let path = format!("/api/v1/orgs/acme/teams/{id}/members/{}", ann.id);
    assert_eq!(
        app.api("DELETE", &path, Some(&token), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api("DELETE", &path, Some(&token), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/teams/{id}"),
            Some(&token),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, list) = app
        .api("GET", "/api/v1/orgs/acme/teams", Some(&token), None)
        .await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn only_members_of_the_org_can_join_its_teams() {
    let app = spawn_app().await;
    app.org("acme").await;
    let outsider = app.user("out@example.com").await;
    let token = app.token("acme", Role::Admin).await;
    let (_, team) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&token),
            Some(json!({"name": "Ops"})),
        )
        .await;
    let id = team["id"].as_str().unwrap();
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/orgs/acme/teams/{id}/members"),
            Some(&token),
            Some(json!({"user_id": outsider.id})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["user_id"].is_string());
}

#[tokio::test]
async fn removing_a_member_from_the_org_removes_them_from_its_teams() {
    let app = spawn_app().await;
    app.org("acme").await;
    let ann = app.member("acme", "ann@example.com", Role::Viewer).await;
    let token = app.token("acme", Role::Admin).await;
    let (_, team) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&token),
            Some(json!({"name": "Ops"})),
        )
        .await;
    let id = team["id"].as_str().unwrap();
    app.api(
        "POST",
        &format!("/api/v1/orgs/acme/teams/{id}/members"),
        Some(&token),
        Some(json!({"user_id": ann.id})),
    )
    .await;
    app.api(
        "DELETE",
        &format!("/api/v1/orgs/acme/members/{}", ann.id),
        Some(&token),
        None,
    )
    .await;
    let (_, team) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/teams/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(team["member_ids"], json!([]));
}

#[tokio::test]
async fn a_token_is_shown_once_stored_hashed_records_its_use_and_dies_when_revoked() {
    let app = spawn_app().await;
    app.org("acme").await;
    let admin = app.token("acme", Role::Admin).await;
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/tokens",
            Some(&admin),
            Some(json!({"name": "deploy", "role": "editor"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(created["last_used_at"].is_null());
    let id = created["id"].as_str().unwrap().to_owned();

    let (_, list) = app
        .api("GET", "/api/v1/orgs/acme/tokens", Some(&admin), None)
        .await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none()),
        "secrets are never listed"
    );

    let stored: i64 =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1")
            .bind(&secret)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(stored, 0, "the secret itself is not stored");

    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme", Some(&secret), None)
            .await
            .0,
        StatusCode::OK
    );
    let (_, list) = app
        .api("GET", "/api/v1/orgs/acme/tokens", Some(&admin), None)
        .await;
    let deploy = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(deploy["last_used_at"].is_string());

    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/tokens/{id}"),
            Some(&admin),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = app
        .api("GET", "/api/v1/orgs/acme", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn nobody_creates_a_token_stronger_than_their_role() {
    let app = spawn_app().await;
    app.org("acme").await;
    let admin = app.token("acme", Role::Admin).await;
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/tokens",
            Some(&admin),
            Some(json!({"name": "x", "role": "owner"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn garbage_bearer_tokens_get_401_in_the_error_shape() {
    let app = spawn_app().await;
    app.org("acme").await;
    for t in ["", "nope", "bcn_0000000000000000000000000000000000000000"] {
        let (status, body) = app.api("GET", "/api/v1/orgs/acme", Some(t), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{t:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}
