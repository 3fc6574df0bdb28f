//! Dashboard pages, rendered by the server and used with plain forms.

use crate::common::{location, spawn_app};
use beacon::domain::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn every_dashboard_page_renders_for_an_owner() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    for (path, text) in [
        ("/orgs/acme", "Org acme"),
        ("/orgs/acme/members", "Pending invitations"),
        ("/orgs/acme/teams", "New team"),
        ("/orgs/acme/tokens", "New token"),
        ("/orgs/acme/settings", "Delete organization"),
        ("/orgs/acme/page", "Upload a logo"),
        ("/orgs/acme/audit", "org.create"),
        ("/orgs/new", "New organization"),
        ("/account", "Change password"),
    ] {
        let (status, html) = browser.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(text), "{path} shows {text}");
        assert!(html.contains("<main"), "{path} has a main landmark");
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_come_back() {
    let app = spawn_app().await;
    app.org("acme").await;
    let res = app
        .http
        .get(app.url("/orgs/acme/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login?next=/orgs/acme/members");
    let (status, _) = app.browser().get("/login?next=//evil.example").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_org_switcher_lists_every_org_of_the_user() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    browser
        .submit(
            "/orgs/new",
            "/orgs/new",
            &[("name", "Second Co"), ("slug", "second-co")],
        )
        .await;
    let (status, html) = browser.get("/orgs/second-co").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Organization created."),
        "the flash shows once"
    );
    let (_, html) = browser.get("/orgs/acme").await;
    assert!(!html.contains("Organization created."));
    assert!(html.contains("href=\"/orgs/second-co\""));
    assert!(html.contains("href=\"/orgs/acme\""));
}

#[tokio::test]
async fn a_refused_form_is_shown_again_with_its_message_and_values() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/new",
            "/orgs/new",
            &[("name", "Typo Inc"), ("slug", "Bad Slug")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("may contain only lowercase letters"));
    assert!(html.contains("value=\"Typo Inc\""));
    assert!(html.contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn tokens_made_in_the_dashboard_are_shown_once_and_work() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/tokens",
            "/orgs/acme/tokens",
            &[("name", "ci"), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let start = html.find("bcn_").expect("the secret is shown");
    let secret = &html[start..start + 44];
    assert_eq!(
        app.api("GET", "/api/v1/orgs/acme", Some(secret), None)
            .await
            .0,
        StatusCode::OK
    );
    let (_, again) = browser.get("/orgs/acme/tokens").await;
    assert!(!again.contains(secret), "never shown again");
}

#[tokio::test]
async fn members_are_invited_re_roled_and_removed_from_the_members_page() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let ann = app.member("acme", "ann@example.com", Role::Viewer).await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/members",
            "/orgs/acme/invitations",
            &[("email", "new@example.com"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get("/orgs/acme/members").await;
    assert!(html.contains("new@example.com") && html.contains("Invitation sent."));
    let res = browser
        .submit(
            "/orgs/acme/members",
            &format!("/orgs/acme/members/{}/role", ann.id),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let t = app.token("acme", Role::Owner).await;
    let (_, m) = app
        .api(
            "GET",
            &format!("/api/v1/orgs/acme/members/{}", ann.id),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(m["role"], "admin");
    let res = browser
        .submit(
            "/orgs/acme/members",
            &format!("/orgs/acme/members/{}/remove", ann.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/orgs/acme/members/{}", ann.id),
            Some(&t),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn teams_are_managed_and_filtered_by_member_in_the_dashboard() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let ann = app.member("acme", "ann@example.com", Role::Editor).await;
    let browser = app.signed_in(&owner).await;
    browser
        .submit(
            "/orgs/acme/teams",
            "/orgs/acme/teams",
            &[("name", "Payments")],
        )
        .await;
    browser
        .submit(
            "/orgs/acme/teams",
            "/orgs/acme/teams",
            &[("name", "Search")],
        )
        .await;
    let t = app.token("acme", Role::Owner).await;
    let (_, teams) = app
        .api("GET", "/api/v1/orgs/acme/teams", Some(&t), None)
        .await;
    let payments = teams["data"][0]["id"].as_str().unwrap().to_owned();
    let res = browser
        .submit(
            "/orgs/acme/teams",
            &format!("/orgs/acme/teams/{payments}/members"),
            &[("user_id", ann.id.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser
        .get(&format!("/orgs/acme/teams?member={}", ann.id))
        .await;
    assert!(html.contains("Payments") && !html.contains(">Search<"));
    let res = browser
        .submit(
            "/orgs/acme/teams",
            &format!("/orgs/acme/teams/{payments}/rename"),
            &[("name", "Billing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = browser
        .submit(
            "/orgs/acme/teams",
            &format!("/orgs/acme/teams/{payments}/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, teams) = app
        .api("GET", "/api/v1/orgs/acme/teams", Some(&t), None)
        .await;
    assert_eq!(teams["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deleting_an_org_needs_its_slug_typed_again() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/settings",
            "/orgs/acme/delete",
            &[("confirm", "nope")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(browser.get("/orgs/acme").await.0, StatusCode::OK);
    let res = browser
        .submit(
            "/orgs/acme/settings",
            "/orgs/acme/delete",
            &[("confirm", "acme")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/orgs/acme").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn settings_change_name_and_time_zone_and_audit_it() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/settings",
            "/orgs/acme/settings",
            &[
                ("name", "Acme Corp"),
                ("slug", "acme"),
                ("time_zone", "America/New_York"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get("/orgs/acme/audit").await;
    assert!(html.contains("org.update") && html.contains("America/New_York"));
    let res = browser
        .submit(
            "/orgs/acme/settings",
            "/orgs/acme/settings",
            &[
                ("name", "Acme Corp"),
                ("slug", "acme"),
                ("time_zone", "Not/AZone"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("IANA"));
}
