//! Health, readiness, metrics, OpenAPI, Swagger UI, methods and unknown routes.

use crate::common::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_and_readyz_answer_200_while_the_database_answers() {
    let app = spawn_app().await;
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn readyz_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.db.pool().close().await;
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_show_the_pool() {
    let app = spawn_app().await;
    app.http.get(app.url("/healthz")).send().await.unwrap();
    app.http
        .get(app.url("/api/v1/orgs/nope"))
        .send()
        .await
        .unwrap();
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"beacon_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/orgs/{org}",status="401""#),
        "{text}"
    );
    assert!(text
        .contains("beacon_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1"));
    assert!(text.contains("beacon_db_pool_connections "));
}

#[tokio::test]
async fn openapi_describes_every_api_v1_endpoint_with_schemas() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/orgs",
        "/api/v1/orgs/{org}",
        "/api/v1/orgs/{org}/members",
        "/api/v1/orgs/{org}/members/{user_id}",
        "/api/v1/orgs/{org}/invitations",
        "/api/v1/orgs/{org}/invitations/{id}",
        "/api/v1/orgs/{org}/teams",
        "/api/v1/orgs/{org}/teams/{id}",
        "/api/v1/orgs/{org}/teams/{id}/members",
        "/api/v1/orgs/{org}/teams/{id}/members/{user_id}",
        "/api/v1/orgs/{org}/tokens",
        "/api/v1/orgs/{org}/tokens/{id}",
        "/api/v1/orgs/{org}/audit-log",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    let create = &doc["paths"]["/api/v1/orgs/{org}/tokens"]["post"];
    assert!(create["requestBody"].is_object());
    assert!(create["responses"]["201"].is_object());
    assert!(create["responses"]["404"]["content"]["application/json"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(!html.contains("cdn") && !html.contains("unpkg"), "no CDN");
    let bundle = app
        .http
        .get(app.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
}

#[tokio::test]
async fn methods_a_route_does_not_serve_get_405_trace_included() {
    let app = spawn_app().await;
    for (method, path) in [
        ("TRACE", "/api/v1/orgs"),
        ("PUT", "/api/v1/orgs"),
        ("TRACE", "/login"),
        ("DELETE", "/healthz"),
    ] {
        let res = app
            .http
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    let (status, body) = app.api("PUT", "/api/v1/orgs", None, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn unknown_api_paths_get_the_json_404_shape() {
    let app = spawn_app().await;
    let (status, body) = app.api("GET", "/api/v1/nothing/here", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["fields"].is_object());
    let (status, body) = app.browser().get("/nothing/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("<html"));
}
