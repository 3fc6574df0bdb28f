//! Accounts through the browser: setup, sign-in and out, sign-up, password change and reset.

use crate::common::{csrf_of, location, spawn_app, spawn_app_with, PASSWORD};
use beacon::config::SignupMode;
use reqwest::StatusCode;

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_one_time_setup_link_creates_the_first_owner_and_org_then_closes() {
    let app = spawn_app().await;
    let url = app.setup_url.clone().expect("a fresh server offers setup");
    let path = url.strip_prefix(&app.base).unwrap().to_owned();
    let token = path.split("token=").nth(1).unwrap().to_owned();
    let browser = app.browser();
    assert_eq!(
        browser.get("/setup?token=wrong").await.0,
        StatusCode::NOT_FOUND
    );
    let fields = [
        ("token", token.as_str()),
        ("name", "Olga Owner"),
        ("email", "olga@example.com"),
        ("password", PASSWORD),
        ("org_name", "Acme"),
        ("slug", "acme"),
    ];
    let res = browser
        .submit(
            &path,
            "/setup",
            &[
                ("token", token.as_str()),
                ("name", "Olga"),
                ("email", "olga@example.com"),
                ("password", "short"),
                ("org_name", "Acme"),
                ("slug", "acme"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("at least 10 characters"));
    let res = browser.submit(&path, "/setup", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/acme");
    let (status, page) = browser.get("/orgs/acme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Welcome to Beacon"));
    assert!(page.contains("owner"));
    // The link is spent.
    assert_eq!(app.browser().get(&path).await.0, StatusCode::NOT_FOUND);
    let res = app.browser().submit("/login", "/setup", &fields).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sign_in_sets_a_rotated_httponly_lax_session_cookie_and_sign_out_ends_it() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.browser();
    let res = browser
        .submit(
            "/login",
            "/login",
            &[
                ("email", &owner.email),
                ("password", PASSWORD),
                ("next", "/orgs/acme/teams"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/acme/teams");
    let cookie = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("beacon_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http base URL");
    let first = cookie.split(';').next().unwrap().to_owned();

    // Signing in again rotates the session: the old one stops working.
    let res = browser
        .submit(
            "/login",
            "/login",
            &[("email", &owner.email), ("password", PASSWORD)],
        )
        .await;
    let second = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("beacon_session="))
        .unwrap();
    assert_ne!(first, second.split(';').next().unwrap());
    let old = app
        .http
        .get(app.url("/orgs/acme"))
        .header("cookie", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.status(),
        StatusCode::SEE_OTHER,
        "the old session is gone"
    );

    let res = browser.submit("/orgs/acme", "/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, _) = browser.get("/orgs/acme").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn sessions_expire() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    assert_eq!(browser.get("/orgs/acme").await.0, StatusCode::OK);
    app.clock.advance(15 * 24 * 3600);
    assert_eq!(browser.get("/orgs/acme").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let a = app
        .browser()
        .submit(
            "/login",
            "/login",
            &[("email", &owner.email), ("password", "wrong password!")],
        )
        .await;
    let b = app
        .browser()
        .submit(
            "/login",
            "/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(a.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b.status(), a.status());
    let (ta, tb) = (a.text().await.unwrap(), b.text().await.unwrap());
    let msg = "Email or password is incorrect";
    assert!(ta.contains(msg) && tb.contains(msg));
}

#[tokio::test]
async fn repeated_failures_on_one_account_get_429_with_retry_after() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.browser();
    for _ in 0..10 {
        let res = browser
            .submit(
                "/login",
                "/login",
                &[("email", &owner.email), ("password", "wrong password!")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = browser
        .submit(
            "/login",
            "/login",
            &[("email", &owner.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);
    app.clock.advance(901);
    let res = browser
        .submit(
            "/login",
            "/login",
            &[("email", &owner.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn many_failures_from_one_address_are_limited_across_accounts() {
    let app = spawn_app().await;
    let browser = app.browser();
    for i in 0..30 {
        let email = format!("guess{i}@example.com");
        let res = browser
            .submit(
                "/login",
                "/login",
                &[("email", &email), ("password", "wrong password!")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = browser
        .submit(
            "/login",
            "/login",
            &[
                ("email", "another@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .client
        .post(app.url("/orgs/acme/teams"))
        .form(&[("name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = browser
        .client
        .post(app.url("/orgs/acme/teams"))
        .form(&[
            ("name", "Forged"),
            ("csrf", "0123456789abcdef0123456789abcdef"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .http
        .post(app.url("/login"))
        .form(&[("email", "a@b.co"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let t = app.token("acme", beacon::domain::Role::Owner).await;
    let (_, teams) = app
        .api("GET", "/api/v1/orgs/acme/teams", Some(&t), None)
        .await;
    assert_eq!(teams["data"], serde_json::json!([]));
}

#[tokio::test]
async fn open_sign_up_emails_a_link_that_creates_the_account() {
    let app = spawn_app().await;
    let browser = app.browser();
    let res = browser
        .submit("/signup", "/signup", &[("email", "sam@example.com")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("Check your inbox"));
    let path = app
        .link_in_last_email("sam@example.com")
        .await
        .replace(&app.base, "");
    let res = browser
        .submit(&path, &path, &[("name", "Sam"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/new");
    let res = browser
        .submit(
            "/orgs/new",
            "/orgs/new",
            &[("name", "Sam's Shop"), ("slug", "sams-shop")],
        )
        .await;
    assert_eq!(location(&res), "/orgs/sams-shop");
    // The link was single-use.
    assert_eq!(app.browser().get(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sign_up_does_not_reveal_whether_an_address_has_an_account() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let known = app
        .browser()
        .submit("/signup", "/signup", &[("email", &owner.email)])
        .await;
    let unknown = app
        .browser()
        .submit("/signup", "/signup", &[("email", "fresh@example.com")])
        .await;
    assert_eq!(known.status(), unknown.status());
    let (k, u) = (known.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(
        k.replace(&csrf_of(&k).unwrap(), ""),
        u.replace(&csrf_of(&u).unwrap(), "")
    );
    let mail = app.emails_to(&owner.email).await;
    assert_eq!(
        mail.last().unwrap().subject,
        "You already have a Beacon account"
    );
}

#[tokio::test]
async fn invite_only_and_closed_servers_refuse_open_sign_up() {
    for mode in [SignupMode::Invite, SignupMode::Closed] {
        let app = spawn_app_with(mode).await;
        let browser = app.browser();
        let (_, page) = browser.get("/signup").await;
        assert!(page.contains("by invitation"), "{mode:?}");
        let res = browser
            .submit("/login", "/signup", &[("email", "x@example.com")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{mode:?}");
        assert!(app.emails_to("x@example.com").await.is_empty());
    }
}

#[tokio::test]
async fn a_closed_server_refuses_new_accounts_even_with_an_invitation() {
    let app = spawn_app_with(SignupMode::Closed).await;
    app.org("acme").await;
    let t = app.token("acme", beacon::domain::Role::Owner).await;
    app.api(
        "POST",
        "/api/v1/orgs/acme/invitations",
        Some(&t),
        Some(serde_json::json!({"email": "n@example.com", "role": "viewer"})),
    )
    .await;
    let path = app
        .link_in_last_email("n@example.com")
        .await
        .replace(&app.base, "");
    let (_, page) = app.browser().get(&path).await;
    assert!(
        page.contains("created by an administrator"),
        "no account form is offered"
    );
    let res = app
        .browser()
        .submit("/login", &path, &[("name", "N"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, members) = app
        .api("GET", "/api/v1/orgs/acme/members", Some(&t), None)
        .await;
    assert_eq!(members["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let here = app.signed_in(&owner).await;
    let elsewhere = app.signed_in(&owner).await;
    let res = here
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", "another long pass"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = here
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long pass"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(here.get("/account").await.0, StatusCode::OK);
    assert_eq!(elsewhere.get("/account").await.0, StatusCode::SEE_OTHER);
    let res = app
        .browser()
        .submit(
            "/login",
            "/login",
            &[("email", &owner.email), ("password", "another long pass")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_the_emailed_link_once() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let old_session = app.signed_in(&owner).await;
    let browser = app.browser();
    let res = browser
        .submit("/reset", "/reset", &[("email", &owner.email)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let unknown = app
        .browser()
        .submit("/reset", "/reset", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(unknown.status(), StatusCode::OK);
    assert!(app.emails_to("nobody@example.com").await.is_empty());

    let path = app
        .link_in_last_email(&owner.email)
        .await
        .replace(&app.base, "");
    let res = browser.submit(&path, &path, &[("password", "short")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = browser
        .submit(&path, &path, &[("password", "a brand new password")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/account").await.0,
        StatusCode::OK,
        "signed in by the reset"
    );
    assert_eq!(
        old_session.get("/account").await.0,
        StatusCode::SEE_OTHER,
        "other sessions end"
    );
    assert_eq!(
        app.browser().get(&path).await.0,
        StatusCode::NOT_FOUND,
        "single use"
    );
    let res = app
        .browser()
        .submit(
            "/login",
            "/login",
            &[
                ("email", &owner.email),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    app.browser()
        .submit("/reset", "/reset", &[("email", &owner.email)])
        .await;
    let path = app
        .link_in_last_email(&owner.email)
        .await
        .replace(&app.base, "");
    app.clock.advance(3601);
    assert_eq!(app.browser().get(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reset_requests_are_limited_per_address() {
    let app = spawn_app().await;
    let browser = app.browser();
    for i in 0..20 {
        let res = browser
            .submit(
                "/reset",
                "/reset",
                &[("email", &format!("n{i}@example.com"))],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = browser
        .submit("/reset", "/reset", &[("email", "one-more@example.com")])
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn next_never_leads_off_site() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.browser();
    let res = browser
        .submit(
            "/login",
            "/login",
            &[
                ("email", &owner.email),
                ("password", PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/");
}
