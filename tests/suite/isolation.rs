//! Tenants are walls: nothing of org B is visible or changeable from org A, by slug or by id,
//! through the API or the dashboard.

use crate::common::spawn_app;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_token_of_org_a_gets_404_for_every_resource_of_org_b() {
    let app = spawn_app().await;
    app.org("alpha").await;
    let b_owner = app.org("bravo").await;
    let a = app.token("alpha", Role::Owner).await;
    let b = app.token("bravo", Role::Owner).await;
    let (_, team) = app
        .api(
            "POST",
            "/api/v1/orgs/bravo/teams",
            Some(&b),
            Some(json!({"name": "B team"})),
        )
        .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let (_, inv) = app
        .api(
            "POST",
            "/api/v1/orgs/bravo/invitations",
            Some(&b),
            Some(json!({"email": "z@example.com", "role": "viewer"})),
        )
        .await;
    let inv = inv["id"].as_str().unwrap().to_owned();
    let (_, tokens) = app
        .api("GET", "/api/v1/orgs/bravo/tokens", Some(&b), None)
        .await;
    let tok = tokens["data"][0]["id"].as_str().unwrap().to_owned();
    let u = b_owner.id.to_string();

    let attempts = [
        ("GET", "/api/v1/orgs/bravo".to_owned(), None),
        (
            "PATCH",
            "/api/v1/orgs/bravo".to_owned(),
            Some(json!({"name": "pwned"})),
        ),
        ("DELETE", "/api/v1/orgs/bravo".to_owned(), None),
        ("GET", "/api/v1/orgs/bravo/members".to_owned(), None),
        ("GET", format!("/api/v1/orgs/bravo/members/{u}"), None),
        (
            "PATCH",
            format!("/api/v1/orgs/bravo/members/{u}"),
            Some(json!({"role": "viewer"})),
        ),
        ("DELETE", format!("/api/v1/orgs/bravo/members/{u}"), None),
        ("GET", "/api/v1/orgs/bravo/invitations".to_owned(), None),
        (
            "POST",
            "/api/v1/orgs/bravo/invitations".to_owned(),
            Some(json!({"email": "y@example.com", "role": "owner"})),
        ),
        (
            "DELETE",
            format!("/api/v1/orgs/bravo/invitations/{inv}"),
            None,
        ),
        ("GET", "/api/v1/orgs/bravo/teams".to_owned(), None),
        (
            "POST",
            "/api/v1/orgs/bravo/teams".to_owned(),
            Some(json!({"name": "x"})),
        ),
        ("GET", format!("/api/v1/orgs/bravo/teams/{team}"), None),
        (
            "PATCH",
            format!("/api/v1/orgs/bravo/teams/{team}"),
            Some(json!({"name": "x"})),
        ),
        ("DELETE", format!("/api/v1/orgs/bravo/teams/{team}"), None),
        (
            "GET",
            format!("/api/v1/orgs/bravo/teams/{team}/members"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/orgs/bravo/teams/{team}/members"),
            Some(json!({"user_id": u})),
        ),
        (
            "DELETE",
            format!("/api/v1/orgs/bravo/teams/{team}/members/{u}"),
            None,
        ),
        ("GET", "/api/v1/orgs/bravo/tokens".to_owned(), None),
        (
            "POST",
            "/api/v1/orgs/bravo/tokens".to_owned(),
            Some(json!({"name": "x", "role": "owner"})),
        ),
        ("DELETE", format!("/api/v1/orgs/bravo/tokens/{tok}"), None),
        ("GET", "/api/v1/orgs/bravo/audit-log".to_owned(), None),
        // Org A's routes with org B's ids.
        ("GET", format!("/api/v1/orgs/alpha/teams/{team}"), None),
        (
            "PATCH",
            format!("/api/v1/orgs/alpha/teams/{team}"),
            Some(json!({"name": "x"})),
        ),
        ("DELETE", format!("/api/v1/orgs/alpha/teams/{team}"), None),
        ("GET", format!("/api/v1/orgs/alpha/members/{u}"), None),
        (
            "PATCH",
            format!("/api/v1/orgs/alpha/members/{u}"),
            Some(json!({"role": "viewer"})),
        ),
        ("DELETE", format!("/api/v1/orgs/alpha/members/{u}"), None),
        (
            "DELETE",
            format!("/api/v1/orgs/alpha/invitations/{inv}"),
            None,
        ),
        ("DELETE", format!("/api/v1/orgs/alpha/tokens/{tok}"), None),
    ];
    for (method, path, body) in attempts {
        let (status, answer) = app.api(method, &path, Some(&a), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], "not_found");
    }
    // Org B is untouched.
    let (_, org) = app.api("GET", "/api/v1/orgs/bravo", Some(&b), None).await;
    assert_eq!(org["name"], "Org bravo");
    let (_, teams) = app
        .api("GET", "/api/v1/orgs/bravo/teams", Some(&b), None)
        .await;
    assert_eq!(teams["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.api("GET", "/api/v1/orgs/bravo/tokens", Some(&b), None)
            .await
            .0,
        StatusCode::OK
    );
    let (_, list) = app.api("GET", "/api/v1/orgs", Some(&a), None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["slug"], "alpha");
}

#[tokio::test]
async fn a_member_of_org_a_gets_404_for_every_dashboard_page_and_form_of_org_b() {
    let app = spawn_app().await;
    let a_owner = app.org("alpha").await;
    let b_owner = app.org("bravo").await;
    let b = app.token("bravo", Role::Owner).await;
    let (_, team) = app
        .api(
            "POST",
            "/api/v1/orgs/bravo/teams",
            Some(&b),
            Some(json!({"name": "B team"})),
        )
        .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let browser = app.signed_in(&a_owner).await;
    for page in [
        "/orgs/bravo",
        "/orgs/bravo/members",
        "/orgs/bravo/teams",
        "/orgs/bravo/tokens",
        "/orgs/bravo/settings",
        "/orgs/bravo/page",
        "/orgs/bravo/audit",
    ] {
        assert_eq!(browser.get(page).await.0, StatusCode::NOT_FOUND, "{page}");
    }
    let u = b_owner.id.to_string();
    for action in [
        "/orgs/bravo/settings".to_owned(),
        "/orgs/bravo/delete".to_owned(),
        "/orgs/bravo/teams".to_owned(),
        format!("/orgs/bravo/teams/{team}/delete"),
        format!("/orgs/alpha/teams/{team}/delete"),
        format!("/orgs/alpha/teams/{team}/rename"),
        format!("/orgs/bravo/members/{u}/remove"),
        format!("/orgs/alpha/members/{u}/remove"),
        format!("/orgs/alpha/members/{u}/role"),
        "/orgs/bravo/invitations".to_owned(),
        "/orgs/bravo/tokens".to_owned(),
        "/orgs/bravo/page".to_owned(),
        "/orgs/bravo/page/logo".to_owned(),
        "/orgs/bravo/page/logo/delete".to_owned(),
    ] {
        let res = browser
            .submit(
                "/orgs/alpha",
                &action,
                &[
                    ("name", "x"),
                    ("confirm", "bravo"),
                    ("role", "viewer"),
                    ("email", "q@example.com"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let (_, teams) = app
        .api("GET", "/api/v1/orgs/bravo/teams", Some(&b), None)
        .await;
    assert_eq!(teams["data"][0]["name"], "B team");
    assert_eq!(
        app.api("GET", "/api/v1/orgs/bravo", Some(&b), None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_status_model_of_org_b_is_invisible_and_untouchable_from_org_a() {
    let app = spawn_app().await;
    app.org("alpha").await;
    app.org("bravo").await;
    let a = app.token("alpha", Role::Owner).await;
    let b = app.token("bravo", Role::Owner).await;
    let (_, svc) = app
        .api(
            "POST",
            "/api/v1/orgs/bravo/services",
            Some(&b),
            Some(json!({"name": "B API"})),
        )
        .await;
    let svc = svc["id"].as_str().unwrap().to_owned();
    let (_, grp) = app
        .api(
            "POST",
            "/api/v1/orgs/bravo/groups",
            Some(&b),
            Some(json!({"name": "B group"})),
        )
        .await;
    let grp = grp["id"].as_str().unwrap().to_owned();
    let (_, inc) = app.api("POST", "/api/v1/orgs/bravo/incidents", Some(&b), Some(json!({"name": "B down", "message": "x", "services": [{"id": svc, "status": "major_outage"}]}))).await;
    let inc_id = inc["id"].as_str().unwrap().to_owned();
    let upd = inc["updates"][0]["id"].as_str().unwrap().to_owned();
    let (_, tpl) = app
        .api(
            "POST",
            "/api/v1/orgs/bravo/incident-templates",
            Some(&b),
            Some(json!({"name": "t", "title": "t"})),
        )
        .await;
    let tpl = tpl["id"].as_str().unwrap().to_owned();
    let now = app.state.now();
    let (_, mnt) = app.api("POST", "/api/v1/orgs/bravo/maintenances", Some(&b), Some(json!({"name": "m", "starts_at": now.plus_seconds(60).to_rfc3339(), "ends_at": now.plus_seconds(120).to_rfc3339(), "services": [svc]}))).await;
    let mnt = mnt["id"].as_str().unwrap().to_owned();

    let mut attempts = Vec::new();
    for org in ["bravo", "alpha"] {
        attempts.extend([
            ("GET", format!("/api/v1/orgs/{org}/services/{svc}"), None),
            (
                "PATCH",
                format!("/api/v1/orgs/{org}/services/{svc}"),
                Some(json!({"status": "operational"})),
            ),
            ("DELETE", format!("/api/v1/orgs/{org}/services/{svc}"), None),
            ("GET", format!("/api/v1/orgs/{org}/groups/{grp}"), None),
            (
                "PATCH",
                format!("/api/v1/orgs/{org}/groups/{grp}"),
                Some(json!({"name": "x"})),
            ),
            ("DELETE", format!("/api/v1/orgs/{org}/groups/{grp}"), None),
            (
                "GET",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}"),
                None,
            ),
            (
                "PATCH",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}"),
                Some(json!({"name": "x"})),
            ),
            (
                "DELETE",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}"),
                None,
            ),
            (
                "GET",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}/updates"),
                None,
            ),
            (
                "POST",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}/updates"),
                Some(json!({"message": "x", "status": "resolved"})),
            ),
            (
                "PATCH",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}/updates/{upd}"),
                Some(json!({"message": "x"})),
            ),
            (
                "DELETE",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}/updates/{upd}"),
                None,
            ),
            (
                "POST",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}/reopen"),
                Some(json!({"message": "x"})),
            ),
            (
                "PUT",
                format!("/api/v1/orgs/{org}/incidents/{inc_id}/postmortem"),
                Some(json!({"body": "x", "published": false})),
            ),
            (
                "GET",
                format!("/api/v1/orgs/{org}/incident-templates/{tpl}"),
                None,
            ),
            (
                "PATCH",
                format!("/api/v1/orgs/{org}/incident-templates/{tpl}"),
                Some(json!({"name": "x"})),
            ),
            (
                "DELETE",
                format!("/api/v1/orgs/{org}/incident-templates/{tpl}"),
                None,
            ),
            (
                "GET",
                format!("/api/v1/orgs/{org}/maintenances/{mnt}"),
                None,
            ),
            (
                "PATCH",
                format!("/api/v1/orgs/{org}/maintenances/{mnt}"),
                Some(json!({"name": "x"})),
            ),
            (
                "DELETE",
                format!("/api/v1/orgs/{org}/maintenances/{mnt}"),
                None,
            ),
            (
                "GET",
                format!("/api/v1/orgs/{org}/maintenances/{mnt}/updates"),
                None,
            ),
            (
                "POST",
                format!("/api/v1/orgs/{org}/maintenances/{mnt}/updates"),
                Some(json!({"message": "x", "status": "cancelled"})),
            ),
        ]);
    }
    attempts.extend([
        ("GET", "/api/v1/orgs/bravo/services".to_owned(), None),
        (
            "POST",
            "/api/v1/orgs/bravo/services".to_owned(),
            Some(json!({"name": "x"})),
        ),
        ("GET", "/api/v1/orgs/bravo/groups".to_owned(), None),
        ("GET", "/api/v1/orgs/bravo/incidents".to_owned(), None),
        (
            "POST",
            "/api/v1/orgs/bravo/incidents".to_owned(),
            Some(json!({"name": "x", "message": "y"})),
        ),
        (
            "GET",
            "/api/v1/orgs/bravo/incident-templates".to_owned(),
            None,
        ),
        ("GET", "/api/v1/orgs/bravo/maintenances".to_owned(), None),
        (
            "GET",
            format!("/api/v1/orgs/bravo/status-history?service_id={svc}"),
            None,
        ),
    ]);
    for (method, path, body) in attempts {
        let (status, answer) = app.api(method, &path, Some(&a), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
    }
    // Org A's history does not leak B's entries even by service id.
    let (_, h) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/alpha/status-history?service_id={svc}"),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(h["data"], json!([]));
    // A's maintenance cannot take B's service.
    let (status, _) = app.api("POST", "/api/v1/orgs/alpha/maintenances", Some(&a), Some(json!({"name": "m", "starts_at": now.plus_seconds(60).to_rfc3339(), "ends_at": now.plus_seconds(120).to_rfc3339(), "services": [svc]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // B is untouched.
    let (_, s) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/bravo/services/{svc}"),
            Some(&b),
            None,
        )
        .await;
    assert_eq!(s["status"], "major_outage");
    let (_, i) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/bravo/incidents/{inc_id}"),
            Some(&b),
            None,
        )
        .await;
    assert_eq!(i["name"], "B down");
    assert_eq!(i["updates"].as_array().unwrap().len(), 1);
    let (_, m) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/bravo/maintenances/{mnt}"),
            Some(&b),
            None,
        )
        .await;
    assert_eq!(m["status"], "scheduled");
}
