//! Members and invitations through the API, and accepting an invitation through its link.

use crate::common::{location, spawn_app, spawn_app_with, PASSWORD};
use beacon::config::SignupMode;
use beacon::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_invited_person_creates_an_account_from_the_emailed_link_and_joins_with_the_role() {
    let app = spawn_app_with(SignupMode::Invite).await;
    app.org("acme").await;
    let token = app.token("acme", Role::Admin).await;
    let (status, inv) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/invitations",
            Some(&token),
            Some(json!({"email": "New@Example.com", "role": "editor"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(inv["email"], "new@example.com");
    assert_eq!(inv["role"], "editor");
    assert!(inv["accepted_at"].is_null());
    assert!(inv["expires_at"].is_string());

    let link = app.link_in_last_email("new@example.com").await;
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    let browser = app.browser();
    let (status, page) = browser.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Org acme"));
    let res = browser
        .submit(
            &path,
            &path,
            &[("name", "Nina New"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/acme");

    let (_, members) = app
        .api("GET", "/api/v1/orgs/acme/members", Some(&token), None)
        .await;
    let nina = members["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "new@example.com")
        .unwrap()
        .clone();
    assert_eq!(nina["role"], "editor");
    assert_eq!(nina["name"], "Nina New");

    // Single use: the same link is dead now.
    let (status, _) = app.browser().get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, pending) = app
        .api("GET", "/api/v1/orgs/acme/invitations", Some(&token), None)
        .await;
    assert_eq!(pending["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_existing_user_accepts_an_invitation_while_signed_in() {
    let app = spawn_app().await;
    app.org("acme").await;
    let bob = app.user("bob@example.com").await;
    let token = app.token("acme", Role::Owner).await;
    app.api(
        "POST",
        "/api/v1/orgs/acme/invitations",
        Some(&token),
        Some(json!({"email": "bob@example.com", "role": "viewer"})),
    )
    .await;
    let path = app
        .link_in_last_email("bob@example.com")
        .await
        .replace(&app.base, "");
    let browser = app.signed_in(&bob).await;
    let res = browser.submit(&path, &path, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, m) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/members/{}", bob.id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["role"], "viewer");
}

#[tokio::test]
async fn an_invitation_expires_after_seven_days() {
    let app = spawn_app().await;
    app.org("acme").await;
    let token = app.token("acme", Role::Owner).await;
    app.api(
        "POST",
        "/api/v1/orgs/acme/invitations",
        Some(&token),
        Some(json!({"email": "late@example.com", "role": "viewer"})),
    )
    .await;
    let path = app
        .link_in_last_email("late@example.com")
        .await
        .replace(&app.base, "");
    app.clock.advance(7 * 24 * 3600 - 60);
    assert_eq!(app.browser().get(&path).await.0, StatusCode::OK);
    app.clock.advance(120);
    assert_eq!(app.browser().get(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_revoked_invitation_cannot_be_accepted() {
    let app = spawn_app().await;
    app.org("acme").await;
    let token = app.token("acme", Role::Owner).await;
    let (_, inv) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/invitations",
            Some(&token),
            Some(json!({"email": "x@example.com", "role": "viewer"})),
        )
        .await;
    let path = app
        .link_in_last_email("x@example.com")
        .await
        .replace(&app.base, "");
    let id = inv["id"].as_str().unwrap();
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/invitations/{id}"),
            Some(&token),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/invitations/{id}"),
            Some(&token),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let browser = app.browser();
    let res = browser
        .submit("/login", &path, &[("name", "X"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn inviting_a_current_member_is_a_conflict() {
    let app = spawn_app().await;
    app.org("acme").await;
    let token = app.token("acme", Role::Owner).await;
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/orgs/acme/invitations",
            Some(&token),
            Some(json!({"email": "owner@acme.test", "role": "viewer"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["fields"]["email"].is_string());
}

#[tokio::test]
async fn roles_change_and_the_last_owner_can_neither_be_demoted_nor_leave() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let ed = app.member("acme", "ed@example.com", Role::Editor).await;
    let token = app.token("acme", Role::Owner).await;
    let (status, m) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/members/{}", ed.id),
            Some(&token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["role"], "admin");

    let (status, body) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/members/{}", owner.id),
            Some(&token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("last owner"));
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/members/{}", owner.id),
            Some(&token),
            None
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    // The owner cannot leave through the dashboard either.
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/members",
            &format!("/orgs/acme/members/{}/remove", owner.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // With a second owner, the first may step down.
    app.api(
        "PATCH",
        &format!("/api/v1/orgs/acme/members/{}", ed.id),
        Some(&token),
        Some(json!({"role": "owner"})),
    )
    .await;
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/api/v1/orgs/acme/members/{}", owner.id),
            Some(&token),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn admins_manage_members_but_not_owners() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let viewer = app.member("acme", "v@example.com", Role::Viewer).await;
    let admin = app.token("acme", Role::Admin).await;
    let path = |id: &beacon::domain::Id| format!("/api/v1/orgs/acme/members/{id}");
    assert_eq!(
        app.api(
            "PATCH",
            &path(&owner.id),
            Some(&admin),
            Some(json!({"role": "viewer"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(
            "PATCH",
            &path(&viewer.id),
            Some(&admin),
            Some(json!({"role": "owner"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api("DELETE", &path(&owner.id), Some(&admin), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    app.clock.advance(1);
    assert_eq!(
        app.api("DELETE", &path(&viewer.id), Some(&admin), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api("GET", &path(&viewer.id), Some(&admin), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, log) = app
        .api("GET", "/api/v1/orgs/acme/audit-log", Some(&admin), None)
        .await;
    assert_eq!(log["data"][0]["action"], "member.remove");
    assert_eq!(log["data"][0]["object_id"], viewer.id.as_str());
}

#[tokio::test]
async fn tokens_a_member_made_are_revoked_when_they_leave() {
    let app = spawn_app().await;
    app.org("acme").await;
    let admin = app.member("acme", "adm@example.com", Role::Admin).await;
    let browser = app.signed_in(&admin).await;
    let res = browser
        .client
        .post(app.url("/api/v1/orgs/acme/tokens"))
        .json(&json!({"name": "mine", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let secret = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme", Some(&secret), None)
            .await
            .0,
        StatusCode::OK
    );
    let owner = app.token("acme", Role::Owner).await;
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/orgs/acme/members/{}", admin.id),
            Some(&owner),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme", Some(&secret), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}
