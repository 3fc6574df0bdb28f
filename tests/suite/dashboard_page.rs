//! The public page's settings in the dashboard: the settings form, the logo upload (multipart,
//! CSRF-checked, capped), removing the logo, and what members without the right see.

use crate::common::{csrf_of, location, spawn_app, Browser, TestApp};
use beacon::domain::Role;
use beacon::ops::{self, Actor, OrgAccess};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const PAGE: &str = "/orgs/acme/page";

fn png(extra: usize) -> Vec<u8> {
    [b"\x89PNG\r\n\x1a\n".to_vec(), vec![7u8; extra]].concat()
}

async fn settings(app: &TestApp) -> beacon::db::pages::PageSettings {
    let org = beacon::db::orgs::find_by_slug(&mut app.state.db.conn().await.unwrap(), "acme")
        .await
        .unwrap()
        .unwrap();
    let access = OrgAccess {
        org,
        role: Role::Owner,
        actor: Actor::token("test-check"),
    };
    ops::pages::get(&app.state, &access).await.unwrap()
}

/// An anonymous GET on the public side.
async fn public(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

/// The CSRF token of the settings page.
async fn token(browser: &Browser) -> String {
    let (status, html) = browser.get(PAGE).await;
    assert_eq!(status, StatusCode::OK);
    csrf_of(&html).expect("the page has a form")
}

/// Posts a multipart form to the logo upload, fields in the order given.
async fn post_multipart(browser: &Browser, form: Form) -> reqwest::Response {
    browser
        .client
        .post(format!("{}{PAGE}/logo", browser.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as the logo file `name`, the way the page's form sends it.
async fn upload(browser: &Browser, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    let csrf = token(browser).await;
    let file = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/png")
        .unwrap();
    post_multipart(browser, Form::new().text("csrf", csrf).part("logo", file)).await
}

async fn owner_browser(app: &TestApp) -> Browser {
    let owner = app.org("acme").await;
    app.signed_in(&owner).await
}

#[tokio::test]
async fn saved_settings_show_on_the_public_page_right_after_saving() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let before = public(&app, "/status/acme").await.text().await.unwrap();
    assert!(before.contains("Org acme"));
    let res = browser
        .submit(
            PAGE,
            PAGE,
            &[
                ("title", "Acme Cloud Status"),
                ("accent_color", "#0E7490"),
                ("time_zone", "Europe/Paris"),
                ("support_url", "https://acme.example/help"),
                ("custom_domain", "status.acme.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), PAGE);
    let page = public(&app, "/status/acme").await.text().await.unwrap();
    assert!(page.contains("Acme Cloud Status"), "the new title, at once");
    let theme = public(&app, "/status/acme/theme.css")
        .await
        .text()
        .await
        .unwrap();
    assert!(theme.contains("#0e7490"));
    let s = settings(&app).await;
    assert_eq!(s.time_zone.as_deref(), Some("Europe/Paris"));
    assert_eq!(s.support_url.as_deref(), Some("https://acme.example/help"));
    assert!(!s.private);
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("Saved."));
    assert!(html.contains("value=\"Acme Cloud Status\""));
    assert!(
        html.contains("http://status.acme.example/"),
        "the custom domain's address"
    );
    assert!(
        html.contains("href=\"/status/acme\""),
        "a link to open the page"
    );
}

#[tokio::test]
async fn an_unchecked_box_and_empty_fields_clear_what_was_set() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let res = browser
        .submit(PAGE, PAGE, &[("title", "Acme"), ("private", "on")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(settings(&app).await.private);
    assert_eq!(
        public(&app, "/status/acme").await.status(),
        StatusCode::SEE_OTHER,
        "a private page sends visitors to sign in"
    );
    let res = browser.submit(PAGE, PAGE, &[("title", "")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let s = settings(&app).await;
    assert!(!s.private);
    assert_eq!(s.title, None);
    assert_eq!(public(&app, "/status/acme").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_colour_picker_sets_the_accent_only_when_it_was_moved() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let res = browser
        .submit(
            PAGE,
            PAGE,
            &[
                ("accent_color", ""),
                ("accent_pick", "#16a34a"),
                ("accent_shown", "#4f46e5"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        settings(&app).await.accent_color.as_deref(),
        Some("#16a34a")
    );
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("name=\"accent_pick\" value=\"#16a34a\""));
    let res = browser
        .submit(
            PAGE,
            PAGE,
            &[
                ("accent_color", "#b91c1c"),
                ("accent_pick", "#16a34a"),
                ("accent_shown", "#16a34a"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        settings(&app).await.accent_color.as_deref(),
        Some("#b91c1c")
    );
}

#[tokio::test]
async fn an_invalid_accent_colour_shows_the_form_again_with_its_message() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let res = browser
        .submit(
            PAGE,
            PAGE,
            &[("title", "Not saved"), ("accent_color", "red")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("must be a colour like #4f46e5"));
    assert!(html.contains("aria-describedby=\"accent_color-hint accent_color-error\""));
    assert!(html.contains("value=\"red\""), "what was typed stays");
    assert!(html.contains("value=\"Not saved\""));
    assert_eq!(settings(&app).await.title, None, "nothing was saved");
}

#[tokio::test]
async fn a_png_uploaded_from_the_page_is_served_as_the_logo() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(!html.contains("class=\"logo-preview\""), "no logo yet");
    let logo = png(2000);
    let res = upload(&browser, logo.clone(), "logo.png").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), PAGE);
    let served = public(&app, "/status/acme/logo").await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), logo);
    assert!(public(&app, "/status/acme")
        .await
        .text()
        .await
        .unwrap()
        .contains("/status/acme/logo"));
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("Logo uploaded."));
    assert!(html.contains("class=\"logo-preview\" src=\"/status/acme/logo?v="));
}

#[tokio::test]
async fn an_svg_named_png_is_refused_with_a_message() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let res = upload(&browser, svg, "logo.png").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("must be a PNG, JPEG or WebP image"));
    assert!(html.contains("id=\"logo-error\""));
    assert_eq!(settings(&app).await.logo, None);
    assert_eq!(
        public(&app, "/status/acme/logo").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_oversized_logo_is_refused_with_a_message_even_past_the_body_limit() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let just_over = png(ops::pages::MAX_LOGO);
    let past_the_body_limit = png(beacon::web::BODY_LIMIT + 512 * 1024);
    for big in [just_over, past_the_body_limit] {
        let size = big.len();
        let res = upload(&browser, big, "big.png").await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{size} bytes"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains("must be at most 512 KiB"), "{size} bytes");
    }
    let fits = png(ops::pages::MAX_LOGO - 8);
    assert_eq!(
        upload(&browser, fits, "fits.png").await.status(),
        StatusCode::SEE_OTHER,
        "exactly 512 KiB fits"
    );
}

#[tokio::test]
async fn an_upload_without_the_right_csrf_token_is_forbidden() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    let csrf = token(&browser).await;
    let file = || Part::bytes(png(100)).file_name("logo.png");
    let forms = [
        ("no token", Form::new().part("logo", file())),
        (
            "a wrong token",
            Form::new()
                .text("csrf", "x".repeat(32))
                .part("logo", file()),
        ),
        (
            "the token after the file",
            Form::new().part("logo", file()).text("csrf", csrf.clone()),
        ),
    ];
    for (what, form) in forms {
        let res = post_multipart(&browser, form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{what}");
    }
    let res = browser
        .client
        .post(format!("{}{PAGE}/logo/delete", browser.base))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = browser
        .client
        .post(format!("{}{PAGE}", browser.base))
        .form(&[("title", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let s = settings(&app).await;
    assert_eq!((s.logo, s.title), (None, None));
}

#[tokio::test]
async fn removing_the_logo_takes_it_off_the_public_page() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    assert_eq!(
        upload(&browser, png(100), "logo.png").await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("Remove logo"));
    let res = browser
        .submit(PAGE, &format!("{PAGE}/logo/delete"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        public(&app, "/status/acme/logo").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(!public(&app, "/status/acme")
        .await
        .text()
        .await
        .unwrap()
        .contains("/status/acme/logo"));
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("Logo removed."));
    assert!(!html.contains("class=\"logo-preview\""));
    assert!(!html.contains("Remove logo"));
}

#[tokio::test]
async fn the_logo_of_a_private_page_previews_for_members_only() {
    let app = spawn_app().await;
    let browser = owner_browser(&app).await;
    upload(&browser, png(100), "logo.png").await;
    let res = browser.submit(PAGE, PAGE, &[("private", "on")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        public(&app, "/status/acme/logo").await.status(),
        StatusCode::SEE_OTHER
    );
    let (status, _) = browser.get("/status/acme/logo").await;
    assert_eq!(status, StatusCode::OK, "the dashboard's preview loads");
}

#[tokio::test]
async fn viewers_see_the_settings_without_forms_and_their_posts_are_refused() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let owner_browser = app.signed_in(&owner).await;
    let res = owner_browser
        .submit(PAGE, PAGE, &[("title", "Acme Status")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let admin = app.member("acme", "a@example.com", Role::Admin).await;
    let (_, html) = app.signed_in(&admin).await.get(PAGE).await;
    assert!(html.contains("Save settings"), "admins may edit");
    for role in [Role::Viewer, Role::Editor] {
        let user = app
            .member("acme", &format!("{role}@example.com"), role)
            .await;
        let browser = app.signed_in(&user).await;
        let (status, html) = browser.get(PAGE).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Acme Status"), "{role} sees the values");
        assert!(html.contains("/status/acme"), "and the address");
        assert!(
            !html.contains("method=\"post\" action=\"/orgs/acme/"),
            "{role}"
        );
        assert!(!html.contains("type=\"file\""), "{role}");
        let res = browser.submit(PAGE, PAGE, &[("title", "Sneaky")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        assert!(res.text().await.unwrap().contains("does not allow"));
        let res = upload(&browser, png(100), "logo.png").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        let res = browser
            .submit(PAGE, &format!("{PAGE}/logo/delete"), &[])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
    }
    let s = settings(&app).await;
    assert_eq!(s.title.as_deref(), Some("Acme Status"));
    assert_eq!(s.logo, None);
}

#[tokio::test]
async fn members_of_another_org_get_404_for_the_page_and_its_forms() {
    let app = spawn_app().await;
    app.org("acme").await;
    let other = app.org("bravo").await;
    let browser = app.signed_in(&other).await;
    assert_eq!(browser.get(PAGE).await.0, StatusCode::NOT_FOUND);
    let res = browser
        .submit("/orgs/bravo/page", PAGE, &[("title", "Mine now")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let csrf = csrf_of(&browser.get("/orgs/bravo/page").await.1).unwrap();
    let file = Part::bytes(png(100)).file_name("logo.png");
    let res = post_multipart(&browser, Form::new().text("csrf", csrf).part("logo", file)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "the upload too");
    let s = settings(&app).await;
    assert_eq!((s.title, s.logo), (None, None));
}
