//! The role table, checked through the API: what each role may and may not do.

use crate::common::spawn_app;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// (method, path, body, lowest role allowed)
fn operations(
    team: &str,
    member: &str,
    caller: Role,
) -> Vec<(&'static str, String, Option<Value>, Role)> {
    vec![
        ("GET", "/api/v1/orgs/acme".into(), None, Role::Viewer),
        (
            "GET",
            "/api/v1/orgs/acme/members".into(),
            None,
            Role::Viewer,
        ),
        ("GET", "/api/v1/orgs/acme/teams".into(), None, Role::Viewer),
        (
            "GET",
            "/api/v1/orgs/acme/invitations".into(),
            None,
            Role::Admin,
        ),
        ("GET", "/api/v1/orgs/acme/tokens".into(), None, Role::Admin),
        (
            "GET",
            "/api/v1/orgs/acme/audit-log".into(),
            None,
            Role::Admin,
        ),
        (
            "PATCH",
            "/api/v1/orgs/acme".into(),
            Some(json!({"name": "Acme"})),
            Role::Admin,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/teams".into(),
            Some(json!({"name": format!("T {caller}")})),
            Role::Admin,
        ),
        (
            "PATCH",
            format!("/api/v1/orgs/acme/teams/{team}"),
            Some(json!({"name": "T2"})),
            Role::Admin,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/invitations".into(),
            Some(json!({"email": "i@example.com", "role": "viewer"})),
            Role::Admin,
        ),
        (
            "POST",
            "/api/v1/orgs/acme/tokens".into(),
            Some(json!({"name": "t", "role": "viewer"})),
            Role::Admin,
        ),
        (
            "PATCH",
            format!("/api/v1/orgs/acme/members/{member}"),
            Some(json!({"role": "viewer"})),
            Role::Admin,
        ),
    ]
}

fn rank(r: Role) -> u8 {
    match r {
        Role::Owner => 0,
        Role::Admin => 1,
        Role::Editor => 2,
        Role::Viewer => 3,
    }
}

#[tokio::test]
async fn each_role_can_do_exactly_what_the_permission_table_allows() {
    let app = spawn_app().await;
    app.org("acme").await;
    let member = app.member("acme", "m@example.com", Role::Viewer).await;
    let owner_token = app.token("acme", Role::Owner).await;
    let (_, team) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/teams",
            Some(&owner_token),
            Some(json!({"name": "Base"})),
        )
        .await;
    let team = team["id"].as_str().unwrap().to_owned();
    for role in Role::ALL {
        let token = app.token("acme", role).await;
        for (method, path, body, lowest) in operations(&team, member.id.as_str(), role) {
            let (status, answer) = app.api(method, &path, Some(&token), body).await;
            if rank(role) <= rank(lowest) {
                assert!(
                    status.is_success(),
                    "{role} {method} {path}: {status} {answer}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}");
                assert_eq!(answer["error"]["code"], "forbidden");
            }
        }
    }
}

#[tokio::test]
async fn viewers_cannot_write_anything_in_the_dashboard() {
    let app = spawn_app().await;
    app.org("acme").await;
    let viewer = app.member("acme", "v@example.com", Role::Viewer).await;
    let browser = app.signed_in(&viewer).await;
    let (status, page) = browser.get("/orgs/acme/members").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("Send invitation"),
        "viewers do not see the invite form"
    );
    let res = browser
        .submit(
            "/orgs/acme/members",
            "/orgs/acme/invitations",
            &[("email", "x@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("does not allow"));
    let res = browser
        .submit(
            "/orgs/acme/teams",
            "/orgs/acme/teams",
            &[("name", "Sneaky")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = browser
        .submit(
            "/orgs/acme/settings",
            "/orgs/acme/settings",
            &[("name", "X"), ("slug", "acme"), ("time_zone", "UTC")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = browser.get("/orgs/acme/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
