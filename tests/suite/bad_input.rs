//! Bad input gets a 4xx in the one error shape: never a 500, never a partial write.

use crate::common::spawn_app;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn raw(
    app: &crate::common::TestApp,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let res = app
        .http
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/json"),
        "{method} {path}: content type {ct}"
    );
    (status, res.json().await.unwrap())
}

fn assert_shape(body: &Value) {
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["fields"].is_object(), "{body}");
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_enums_get_4xx_in_the_error_shape() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    let cases: Vec<(&str, &str, &[u8], StatusCode)> = vec![
        (
            "POST",
            "/api/v1/orgs/acme/teams",
            b"{not json",
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/teams",
            b"",
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/teams",
            br#"{"name": 5}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/teams",
            br#"[]"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/tokens",
            br#"{"name": "x", "role": "god"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/invitations",
            br#"{"email": "a@example.com"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/invitations",
            br#"{"email": "not-an-email", "role": "viewer"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "PATCH",
            "/api/v1/orgs/acme",
            br#"{"name": ["a"]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (method, path, body, want) in cases {
        let (status, answer) = raw(&app, method, path, &t, "application/json", body.to_vec()).await;
        assert_eq!(
            status,
            want,
            "{method} {path} {}: {answer}",
            String::from_utf8_lossy(body)
        );
        assert_shape(&answer);
    }
    let (status, answer) = raw(
        &app,
        "POST",
        "/api/v1/orgs/acme/teams",
        &t,
        "text/plain",
        br#"{"name":"x"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_shape(&answer);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(1024 * 1024 + 10));
    let (status, answer) = raw(
        &app,
        "POST",
        "/api/v1/orgs/acme/teams",
        &t,
        "application/json",
        big.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_shape(&answer);
}

#[tokio::test]
async fn overlong_strings_are_refused_by_field() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    let long = "x".repeat(101);
    for (method, path, body, field) in [
        (
            "POST",
            "/api/v1/orgs/acme/teams",
            json!({"name": long}),
            "name",
        ),
        (
            "POST",
            "/api/v1/orgs/acme/tokens",
            json!({"name": long, "role": "viewer"}),
            "name",
        ),
        ("PATCH", "/api/v1/orgs/acme", json!({"name": long}), "name"),
        (
            "POST",
            "/api/v1/orgs/acme/invitations",
            json!({"email": format!("{}@example.com", "a".repeat(260)), "role": "viewer"}),
            "email",
        ),
        (
            "PATCH",
            "/api/v1/orgs/acme",
            json!({"time_zone": "x".repeat(500)}),
            "time_zone",
        ),
    ] {
        let (status, answer) = app.api(method, path, Some(&t), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}");
        assert!(answer["error"]["fields"][field].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn an_update_with_one_bad_field_changes_nothing() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    let (status, _) = app
        .api(
            "PATCH",
            "/api/v1/orgs/acme",
            Some(&t),
            Some(json!({"name": "New name", "time_zone": "Nowhere/City"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, org) = app.api("GET", "/api/v1/orgs/acme", Some(&t), None).await;
    assert_eq!(org["name"], "Org acme");
}

#[tokio::test]
async fn ids_of_any_other_shape_get_404_never_500() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    for id in [
        "x",
        "ABCDEFGHIJKL",
        "abcdefghijk%21",
        "abcdefghijklmnop",
        "%00",
        "..",
        "abcdefghijk%20",
        "' OR 1=1 --",
    ] {
        for path in [
            format!("/api/v1/orgs/acme/teams/{id}"),
            format!("/api/v1/orgs/acme/members/{id}"),
            format!("/api/v1/orgs/acme/tokens/{id}"),
            format!("/api/v1/orgs/{id}"),
        ] {
            let method = if path.contains("/tokens/") {
                "DELETE"
            } else {
                "GET"
            };
            let (status, answer) = app.api(method, &path, Some(&t), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert_shape(&answer);
        }
    }
}

#[tokio::test]
async fn bad_query_parameters_get_400_in_the_error_shape() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Owner).await;
    let (status, answer) = app
        .api(
            "GET",
            "/api/v1/orgs/acme/members?limit=lots",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_shape(&answer);
    let (status, answer) = app
        .api("GET", "/api/v1/orgs/acme/members?limit=-5", Some(&t), None)
        .await;
    assert_eq!(status, StatusCode::OK, "out-of-range limits are clamped");
    assert_eq!(answer["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_status_model_refuses_bad_values_with_field_messages() {
    let app = spawn_app().await;
    app.org("acme").await;
    let t = app.token("acme", Role::Editor).await;
    let cases = [
        (
            "POST",
            "/api/v1/orgs/acme/services",
            json!({"name": "x", "status": "sideways"}),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/services",
            json!({"name": "x", "visibility": "secret"}),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/services",
            json!({"name": "x", "position": -1}),
            Some("position"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/incidents",
            json!({"name": "x", "message": ""}),
            Some("message"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/incidents",
            json!({"name": "", "message": "y"}),
            Some("name"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/incidents",
            json!({"name": "x", "message": "y", "status": "exploded"}),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/incidents",
            json!({"name": "x", "message": "y", "impact_override": "huge"}),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/incidents",
            json!({"name": "x", "message": "y", "services": [{"id": "nope", "status": "major_outage"}]}),
            Some("services"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/maintenances",
            json!({"name": "x", "starts_at": "soon", "ends_at": "later"}),
            Some("starts_at"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/maintenances",
            json!({"name": "x", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T10:00:00Z"}),
            Some("ends_at"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/maintenances",
            json!({"name": "x", "starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-01T11:00:00", "time_zone": "Moon/Base"}),
            Some("time_zone"),
        ),
        (
            "POST",
            "/api/v1/orgs/acme/maintenances",
            json!({"starts_at": "2030-01-01T10:00:00Z"}),
            Some("name"),
        ),
    ];
    for (method, path, body, field) in cases {
        let (status, answer) = app.api(method, path, Some(&t), Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_shape(&answer);
        if let Some(f) = field {
            assert!(answer["error"]["fields"][f].is_string(), "{body}: {answer}");
        }
    }
    let (_, list) = app
        .api("GET", "/api/v1/orgs/acme/services", Some(&t), None)
        .await;
    assert_eq!(list["data"], json!([]), "nothing was written");
}
