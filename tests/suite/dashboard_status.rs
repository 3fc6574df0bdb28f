//! The status pages of the dashboard, used with plain forms: the on-call overview, services,
//! incidents, maintenance and incident templates.

use crate::common::{location, spawn_app, Browser, TestApp};
use beacon::db::services::Service;
use beacon::domain::{Cause, Id, IncidentStatus, Role, ServiceStatus};
use beacon::ops::{self, services::ServiceInput, Actor, OrgAccess};
use reqwest::StatusCode;

/// The org as its owner would act on it, for setting up and checking through the operations.
async fn owner_access(app: &TestApp, slug: &str) -> OrgAccess {
    let org = beacon::db::orgs::find_by_slug(&mut app.state.db.conn().await.unwrap(), slug)
        .await
        .unwrap()
        .unwrap();
    OrgAccess {
        org,
        role: Role::Owner,
        actor: Actor::token("test-setup"),
    }
}

async fn add_service(app: &TestApp, slug: &str, name: &str) -> Service {
    let access = owner_access(app, slug).await;
    let input = ServiceInput {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    ops::services::create(&app.state, &access, input)
        .await
        .unwrap()
}

async fn service(app: &TestApp, slug: &str, id: &Id) -> Service {
    ops::services::get(&app.state, &owner_access(app, slug).await, id)
        .await
        .unwrap()
}

async fn service_names(app: &TestApp, slug: &str) -> Vec<String> {
    ops::services::list(&app.state, &owner_access(app, slug).await)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// The id at the end of a redirect to `prefix<id>`.
fn id_after(res: &reqwest::Response, prefix: &str) -> Id {
    let to = location(res);
    let rest = to
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{to} starts with {prefix}"));
    Id::parse(rest).unwrap_or_else(|| panic!("{rest} is an id"))
}

/// The HTML of the `<select>` named `name` in a page.
fn select_named<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("a select named {name}"));
    let end = start + html[start..].find("</select>").unwrap();
    &html[start..end]
}

async fn open_incident(
    browser: &Browser,
    fields: &[(&str, &str)],
) -> (reqwest::Response, Option<Id>) {
    let res = browser
        .submit("/orgs/acme/incidents/new", "/orgs/acme/incidents", fields)
        .await;
    let id =
        (res.status() == StatusCode::SEE_OTHER).then(|| id_after(&res, "/orgs/acme/incidents/"));
    (res, id)
}

#[tokio::test]
async fn a_status_set_in_one_click_on_the_overview_lands_in_the_history_as_manual() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/services",
            "/orgs/acme/services",
            &[
                ("name", "API"),
                ("visibility", "public"),
                ("status", "operational"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let api = ops::services::list(&app.state, &owner_access(&app, "acme").await)
        .await
        .unwrap()
        .remove(0);
    let (_, html) = browser.get("/orgs/acme").await;
    assert!(html.contains("All systems operational"));
    let action = format!("/orgs/acme/services/{}/status", api.id);
    assert!(html.contains(&action), "each service has its own form");

    app.clock.advance(60);
    let res = browser
        .submit(
            "/orgs/acme",
            &action,
            &[("status", "major_outage"), ("next", "/orgs/acme")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/orgs/acme#svc-{}", api.id));
    let (_, html) = browser.get("/orgs/acme").await;
    assert!(html.contains("Status changed."));
    assert!(html.contains("<h2 id=\"overall-title\">Major outage</h2>"));
    assert!(html.contains("class=\"status status-major_outage\">Major outage</span>"));
    assert_eq!(
        service(&app, "acme", &api.id).await.status,
        ServiceStatus::MajorOutage
    );

    let filter = beacon::db::history::Filter {
        service_id: Some(api.id.clone()),
        ..Default::default()
    };
    let (changes, _) = ops::services::history(
        &app.state,
        &owner_access(&app, "acme").await,
        filter,
        None,
        10,
    )
    .await
    .unwrap();
    let last = changes.last().unwrap();
    assert_eq!(last.cause, Cause::Manual);
    assert_eq!(last.old_status, Some(ServiceStatus::Operational));
    assert_eq!(last.new_status, ServiceStatus::MajorOutage);
    assert_eq!(last.actor, owner.email);
}

#[tokio::test]
async fn the_overview_filters_services_by_owning_team() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let access = owner_access(&app, "acme").await;
    let team = ops::teams::create(&app.state, &access, "Payments")
        .await
        .unwrap();
    let owned = ServiceInput {
        name: Some("Checkout".into()),
        team_id: Some(Some(team.id.to_string())),
        ..Default::default()
    };
    ops::services::create(&app.state, &access, owned)
        .await
        .unwrap();
    add_service(&app, "acme", "Search").await;
    let browser = app.signed_in(&owner).await;
    let (_, all) = browser.get("/orgs/acme").await;
    assert!(all.contains("Checkout") && all.contains("Search"));
    let (status, theirs) = browser.get(&format!("/orgs/acme?team={}", team.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(theirs.contains("Checkout") && !theirs.contains("Search"));
}

#[tokio::test]
async fn an_incident_opened_from_the_form_moves_its_affected_services() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let web = add_service(&app, "acme", "Website").await;
    let browser = app.signed_in(&owner).await;
    let (_, form) = browser.get("/orgs/acme/incidents/new").await;
    assert!(form.contains(&format!("name=\"svc_{}\"", api.id)));
    assert!(form.contains("Not affected"));

    let (res, id) = open_incident(
        &browser,
        &[
            ("name", "API errors"),
            ("status", "identified"),
            ("impact", ""),
            (&format!("svc_{}", api.id), "major_outage"),
            (&format!("svc_{}", web.id), ""),
            ("message", "Requests **fail** since 09:00."),
            ("notify", "on"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = id.unwrap();
    assert_eq!(
        service(&app, "acme", &api.id).await.status,
        ServiceStatus::MajorOutage
    );
    assert_eq!(
        service(&app, "acme", &web.id).await.status,
        ServiceStatus::Operational
    );
    let (status, page) = browser.get(&format!("/orgs/acme/incidents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Incident opened."));
    assert!(page.contains("Requests <strong>fail</strong> since 09:00."));
    assert!(page.contains("Critical impact"));
    assert!(page.contains("<time"));
    let (_, overview) = browser.get("/orgs/acme").await;
    assert!(overview.contains("Active incidents"));
    assert!(overview.contains(&format!("/orgs/acme/incidents/{id}")));

    let (res, _) = open_incident(&browser, &[("name", ""), ("message", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("is required"));
}

#[tokio::test]
async fn resolving_puts_the_services_back_to_operational_and_reopening_brings_the_form_back() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let db = add_service(&app, "acme", "Database").await;
    let browser = app.signed_in(&owner).await;
    let (_, id) = open_incident(
        &browser,
        &[
            ("name", "Slow queries"),
            ("status", "investigating"),
            (&format!("svc_{}", api.id), "partial_outage"),
            (&format!("svc_{}", db.id), "degraded_performance"),
            ("message", "Looking into it."),
        ],
    )
    .await;
    let page = format!("/orgs/acme/incidents/{}", id.unwrap());
    let (_, html) = browser.get(&page).await;
    assert!(html.contains("Put affected services back to operational"));

    let res = browser
        .submit(
            &page,
            &format!("{page}/updates"),
            &[
                ("status", "resolved"),
                ("message", "Fixed by an index."),
                (&format!("svc_{}", api.id), ""),
                (&format!("svc_{}", db.id), "major_outage"),
                ("all_operational", "on"),
                ("notify", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for s in [&api, &db] {
        assert_eq!(
            service(&app, "acme", &s.id).await.status,
            ServiceStatus::Operational,
            "{} is back",
            s.name
        );
    }
    let (_, html) = browser.get(&page).await;
    assert!(html.contains("Update posted."));
    assert!(html.contains("Fixed by an index."));
    assert!(html.contains("Reopen incident"));
    assert!(!html.contains("Post an update"));

    let res = browser
        .submit(
            &page,
            &format!("{page}/reopen"),
            &[("message", "It is back.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get(&page).await;
    assert!(html.contains("Incident reopened."));
    assert!(html.contains("Post an update"));
    let incident = ops::incidents::get(
        &app.state,
        &owner_access(&app, "acme").await,
        &id_from(&page),
    )
    .await
    .unwrap();
    assert_eq!(incident.status, IncidentStatus::Investigating);
}

fn id_from(page: &str) -> Id {
    Id::parse(page.rsplit('/').next().unwrap()).unwrap()
}

#[tokio::test]
async fn resolving_without_the_box_leaves_the_statuses_as_chosen() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let browser = app.signed_in(&owner).await;
    let svc = format!("svc_{}", api.id);
    let (_, id) = open_incident(
        &browser,
        &[
            ("name", "Flaky"),
            (&svc, "major_outage"),
            ("message", "Hm."),
        ],
    )
    .await;
    let page = format!("/orgs/acme/incidents/{}", id.unwrap());
    let res = browser
        .submit(
            &page,
            &format!("{page}/updates"),
            &[
                ("status", "resolved"),
                ("message", "Mostly fixed."),
                (&svc, "degraded_performance"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        service(&app, "acme", &api.id).await.status,
        ServiceStatus::DegradedPerformance
    );
}

#[tokio::test]
async fn updates_are_edited_and_deleted_but_not_the_first_and_a_postmortem_is_published() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let (_, id) = open_incident(&browser, &[("name", "Outage"), ("message", "First.")]).await;
    let id = id.unwrap();
    let page = format!("/orgs/acme/incidents/{id}");
    app.clock.advance(60);
    browser
        .submit(
            &page,
            &format!("{page}/updates"),
            &[("status", "monitoring"), ("message", "Second.")],
        )
        .await;
    let access = owner_access(&app, "acme").await;
    let incident = ops::incidents::get(&app.state, &access, &id).await.unwrap();
    let second = incident
        .updates
        .iter()
        .find(|u| u.message == "Second.")
        .unwrap();
    let first = incident
        .updates
        .iter()
        .find(|u| u.message == "First.")
        .unwrap();

    let res = browser
        .submit(
            &page,
            &format!("{page}/updates/{}", second.id),
            &[("message", "Second, _corrected_.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get(&page).await;
    assert!(html.contains("Second, <em>corrected</em>."));
    assert!(html.contains("(edited"));
    assert!(
        !html.contains(&format!("updates/{}/delete", first.id)),
        "the first update has no delete button"
    );

    let res = browser
        .submit(&page, &format!("{page}/updates/{}/delete", first.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("cannot be deleted"));
    let res = browser
        .submit(&page, &format!("{page}/updates/{}/delete", second.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = browser
        .submit(
            &page,
            &format!("{page}/postmortem"),
            &[("body", "Root cause: a typo."), ("publish", "on")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not resolved yet"
    );
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("once the incident is resolved"));
    browser
        .submit(
            &page,
            &format!("{page}/updates"),
            &[("status", "resolved"), ("message", "Done.")],
        )
        .await;
    let res = browser
        .submit(
            &page,
            &format!("{page}/postmortem"),
            &[("body", "Root cause: a **typo**."), ("publish", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get(&page).await;
    assert!(html.contains("Root cause: a <strong>typo</strong>."));
    assert!(html.contains("Published"));
    let incident = ops::incidents::get(&app.state, &access, &id).await.unwrap();
    assert_eq!(incident.status, IncidentStatus::Postmortem);
}

#[tokio::test]
async fn messages_are_rendered_as_markdown_without_raw_html() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let (_, id) = open_incident(
        &browser,
        &[
            ("name", "<b>Title</b>"),
            (
                "message",
                "<script>alert(1)</script> [x](javascript:alert(2))",
            ),
        ],
    )
    .await;
    let (_, html) = browser
        .get(&format!("/orgs/acme/incidents/{}", id.unwrap()))
        .await;
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(html.contains("&lt;b&gt;Title&lt;/b&gt;") || html.contains("&#60;b&#62;Title"));
}

#[tokio::test]
async fn a_template_pre_fills_the_new_incident_form() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let web = add_service(&app, "acme", "Website").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/templates",
            "/orgs/acme/templates",
            &[
                ("name", "API down"),
                ("title", "The API is unavailable"),
                ("body", "We are investigating failed API requests."),
                (&format!("svc_{}", api.id), "partial_outage"),
                (&format!("svc_{}", web.id), ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let access = owner_access(&app, "acme").await;
    let template = ops::templates::list(&app.state, &access)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        template.services,
        vec![(api.id.clone(), ServiceStatus::PartialOutage)]
    );

    let (_, list) = browser.get("/orgs/acme/templates").await;
    assert!(list.contains(&format!(
        "/orgs/acme/incidents/new?template={}",
        template.id
    )));
    let (status, form) = browser
        .get(&format!(
            "/orgs/acme/incidents/new?template={}",
            template.id
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"The API is unavailable\""));
    assert!(form.contains(">We are investigating failed API requests.</textarea>"));
    assert!(select_named(&form, &format!("svc_{}", api.id))
        .contains("value=\"partial_outage\" selected"));
    assert!(!select_named(&form, &format!("svc_{}", web.id)).contains("selected"));
}

#[tokio::test]
async fn a_maintenance_is_scheduled_with_local_times_read_in_the_org_time_zone() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let browser = app.signed_in(&owner).await;
    browser
        .submit(
            "/orgs/acme/settings",
            "/orgs/acme/settings",
            &[
                ("name", "Acme"),
                ("slug", "acme"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    let (_, form) = browser.get("/orgs/acme/maintenances/new").await;
    assert!(
        form.contains("value=\"Europe/Paris\""),
        "the org's zone is the default"
    );
    assert!(form.contains("type=\"datetime-local\""));

    let res = browser
        .submit(
            "/orgs/acme/maintenances/new",
            "/orgs/acme/maintenances",
            &[
                ("name", "Database upgrade"),
                ("description", "Postgres 17."),
                ("starts_at", "2030-06-01T12:00"),
                ("ends_at", "2030-06-01T14:00"),
                ("time_zone", "Europe/Paris"),
                ("services", api.id.as_str()),
                ("auto_start", "on"),
                ("auto_complete", "on"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = id_after(&res, "/orgs/acme/maintenances/");
    let m = ops::maintenances::get(&app.state, &owner_access(&app, "acme").await, &id)
        .await
        .unwrap();
    assert_eq!(m.starts_at.to_rfc3339(), "2030-06-01T10:00:00.000Z");
    assert_eq!(m.ends_at.to_rfc3339(), "2030-06-01T12:00:00.000Z");
    assert_eq!(m.services.len(), 1);
    let (_, page) = browser.get(&format!("/orgs/acme/maintenances/{id}")).await;
    assert!(page.contains("Maintenance scheduled."));
    assert!(page.contains("1 Jun 2030, 12:00 CEST"));
    assert!(page.contains("Postgres 17."));
    let (_, overview) = browser.get("/orgs/acme").await;
    assert!(
        overview.contains("Database upgrade"),
        "upcoming on the overview"
    );

    let res = browser
        .submit(
            &format!("/orgs/acme/maintenances/{id}"),
            &format!("/orgs/acme/maintenances/{id}/updates"),
            &[("status", "in_progress"), ("message", "Starting early.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        service(&app, "acme", &api.id).await.status,
        ServiceStatus::UnderMaintenance
    );
    let (_, page) = browser.get(&format!("/orgs/acme/maintenances/{id}")).await;
    assert!(!page.contains("Delete maintenance"), "not while it runs");
    assert!(page.contains("value=\"completed\""));
    assert!(!page.contains("value=\"scheduled\""), "it cannot go back");
}

#[tokio::test]
async fn a_local_time_skipped_by_daylight_saving_is_refused_next_to_its_field() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    // 2030-03-10 is the second Sunday of March: New York skips 02:00-03:00.
    let res = browser
        .submit(
            "/orgs/acme/maintenances/new",
            "/orgs/acme/maintenances",
            &[
                ("name", "Night work"),
                ("starts_at", "2030-03-10T02:30"),
                ("ends_at", "2030-03-10T05:00"),
                ("time_zone", "America/New_York"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(
        "id=\"starts_at\" name=\"starts_at\" type=\"datetime-local\" required value=\"2030-03-10T02:30\" aria-invalid=\"true\" aria-describedby=\"starts_at-error\""
    ));
    let error = &html[html.find("id=\"starts_at-error\"").unwrap()..];
    assert!(error[..200].contains("does not exist in America/New_York"));
    assert!(
        html.contains("value=\"Night work\""),
        "the form keeps what was typed"
    );
}

#[tokio::test]
async fn a_past_incident_is_recorded_with_local_times_and_changes_no_current_status() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/incidents/backfill",
            "/orgs/acme/incidents/backfill",
            &[
                ("name", "Last winter's outage"),
                ("message", "Recorded afterwards."),
                ("started_at", "2024-01-10T09:00"),
                ("resolved_at", "2024-01-10T11:30"),
                (&format!("svc_{}", api.id), "major_outage"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = id_after(&res, "/orgs/acme/incidents/");
    let incident = ops::incidents::get(&app.state, &owner_access(&app, "acme").await, &id)
        .await
        .unwrap();
    assert!(incident.backfilled);
    assert_eq!(incident.started_at.to_rfc3339(), "2024-01-10T09:00:00.000Z");
    assert_eq!(
        service(&app, "acme", &api.id).await.status,
        ServiceStatus::Operational
    );
    let res = browser
        .submit(
            "/orgs/acme/incidents/backfill",
            "/orgs/acme/incidents/backfill",
            &[("name", "x"), ("message", "y"), ("started_at", "yesterday")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"started_at-error\""));
    assert!(html.contains("id=\"resolved_at-error\""));
}

#[tokio::test]
async fn services_move_up_and_down_the_list() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    for name in ["Alpha", "Bravo", "Charlie"] {
        add_service(&app, "acme", name).await;
    }
    let ids: Vec<Id> = ops::services::list(&app.state, &owner_access(&app, "acme").await)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let browser = app.signed_in(&owner).await;
    let shift = |id: &Id, direction: &'static str| {
        let action = format!("/orgs/acme/services/{id}/move");
        let browser = &browser;
        async move {
            browser
                .submit("/orgs/acme/services", &action, &[("direction", direction)])
                .await
        }
    };
    let res = shift(&ids[2], "up").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        service_names(&app, "acme").await,
        ["Alpha", "Charlie", "Bravo"]
    );
    shift(&ids[0], "down").await;
    assert_eq!(
        service_names(&app, "acme").await,
        ["Charlie", "Alpha", "Bravo"]
    );
    shift(&ids[2], "up").await;
    assert_eq!(
        service_names(&app, "acme").await,
        ["Charlie", "Alpha", "Bravo"],
        "the first stays first"
    );
    let (_, html) = browser.get("/orgs/acme/services").await;
    let at = |name: &str| html.find(&format!(">{name}</a>")).unwrap();
    assert!(at("Charlie") < at("Alpha") && at("Alpha") < at("Bravo"));
    assert_eq!(
        shift(&ids[0], "sideways").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn deleting_a_service_asks_for_confirmation_first() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let browser = app.signed_in(&owner).await;
    let confirm = format!("/orgs/acme/services/{}/delete", api.id);
    let (status, html) = browser.get(&confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Yes, delete API"));

    let res = browser.submit(&confirm, &confirm, &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("tick the box to confirm"));
    assert_eq!(service_names(&app, "acme").await, ["API"]);

    let res = browser
        .submit(&confirm, &confirm, &[("confirm", "yes")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(service_names(&app, "acme").await.is_empty());
    let (_, html) = browser.get("/orgs/acme/services").await;
    assert!(html.contains("Service deleted."));
    assert!(!html.contains(&format!("/orgs/acme/services/{}", api.id)));
}

#[tokio::test]
async fn groups_are_created_renamed_and_roll_up_their_services_on_the_overview() {
    let app = spawn_app().await;
    let owner = app.org("acme").await;
    let browser = app.signed_in(&owner).await;
    let res = browser
        .submit(
            "/orgs/acme/services",
            "/orgs/acme/groups",
            &[("name", "Core"), ("collapsed", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let access = owner_access(&app, "acme").await;
    let group = ops::services::list_groups(&app.state, &access)
        .await
        .unwrap()
        .remove(0);
    assert!(group.collapsed);
    browser
        .submit(
            "/orgs/acme/services",
            "/orgs/acme/services",
            &[
                ("name", "API"),
                ("group_id", group.id.as_str()),
                ("visibility", "private"),
                ("status", "partial_outage"),
            ],
        )
        .await;
    add_service(&app, "acme", "Blog").await;
    let res = browser
        .submit(
            "/orgs/acme/services",
            &format!("/orgs/acme/groups/{}", group.id),
            &[("name", "Core platform")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get("/orgs/acme").await;
    let core = html
        .find(">Core platform</h3>")
        .expect("the group is a heading");
    let other = html
        .find(">Other services</h3>")
        .expect("ungrouped come last");
    assert!(core < other);
    assert!(html[core..other].contains("status-partial_outage\">Partial outage</span>"));
    assert!(html.contains("Private"));
}

#[tokio::test]
async fn viewers_see_no_write_forms_and_their_posts_are_refused() {
    let app = spawn_app().await;
    app.org("acme").await;
    let api = add_service(&app, "acme", "API").await;
    let access = owner_access(&app, "acme").await;
    let incident = ops::incidents::create(
        &app.state,
        &access,
        ops::incidents::NewIncident {
            name: "Outage".into(),
            message: "Down.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let viewer = app.member("acme", "v@example.com", Role::Viewer).await;
    let browser = app.signed_in(&viewer).await;
    for (path, forbidden) in [
        ("/orgs/acme".to_owned(), "/status\""),
        ("/orgs/acme".to_owned(), "Open incident"),
        ("/orgs/acme/services".to_owned(), "Create service"),
        ("/orgs/acme/services".to_owned(), "/move\""),
        (
            format!("/orgs/acme/incidents/{}", incident.id),
            "Post an update",
        ),
        (
            format!("/orgs/acme/incidents/{}", incident.id),
            "Delete incident",
        ),
        ("/orgs/acme/incidents".to_owned(), "Open incident"),
        ("/orgs/acme/maintenances".to_owned(), "Schedule maintenance"),
        ("/orgs/acme/templates".to_owned(), "Create template"),
    ] {
        let (status, html) = browser.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!html.contains(forbidden), "{path} hides {forbidden}");
        assert!(
            !html.contains("method=\"post\" action=\"/orgs/acme/"),
            "{path} has no write form"
        );
    }
    let res = browser
        .submit(
            "/orgs/acme",
            &format!("/orgs/acme/services/{}/status", api.id),
            &[("status", "major_outage")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("does not allow"));
    assert_eq!(
        service(&app, "acme", &api.id).await.status,
        ServiceStatus::Operational
    );
    let (res, _) = open_incident(&browser, &[("name", "Sneaky"), ("message", "x")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("does not allow"));
    let res = browser
        .submit(
            "/orgs/acme/services",
            "/orgs/acme/services",
            &[
                ("name", "Sneaky"),
                ("visibility", "public"),
                ("status", "operational"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(service_names(&app, "acme").await, ["API"]);
}

#[tokio::test]
async fn a_member_of_org_a_gets_404_for_the_status_pages_and_forms_of_org_b() {
    let app = spawn_app().await;
    let a_owner = app.org("alpha").await;
    app.org("bravo").await;
    let b = owner_access(&app, "bravo").await;
    let service = add_service(&app, "bravo", "B API").await;
    let incident = ops::incidents::create(
        &app.state,
        &b,
        ops::incidents::NewIncident {
            name: "B outage".into(),
            message: "Down.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let maintenance = ops::maintenances::create(
        &app.state,
        &b,
        ops::maintenances::MaintenanceInput {
            name: Some("B work".into()),
            starts_at: Some("2030-01-01T10:00Z".into()),
            ends_at: Some("2030-01-01T11:00Z".into()),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    let template = ops::templates::create(
        &app.state,
        &b,
        ops::templates::TemplateInput {
            name: Some("B template".into()),
            title: Some("B".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (s, i, m, t) = (service.id, incident.id, maintenance.id, template.id);
    let browser = app.signed_in(&a_owner).await;
    for page in [
        "/orgs/bravo/services".to_owned(),
        "/orgs/bravo/incidents".to_owned(),
        "/orgs/bravo/incidents/new".to_owned(),
        "/orgs/bravo/maintenances".to_owned(),
        "/orgs/bravo/templates".to_owned(),
        format!("/orgs/bravo/services/{s}"),
        format!("/orgs/bravo/incidents/{i}"),
        format!("/orgs/bravo/maintenances/{m}"),
        format!("/orgs/bravo/templates/{t}"),
        format!("/orgs/alpha/services/{s}"),
        format!("/orgs/alpha/services/{s}/delete"),
        format!("/orgs/alpha/incidents/{i}"),
        format!("/orgs/alpha/maintenances/{m}"),
        format!("/orgs/alpha/templates/{t}"),
        format!("/orgs/alpha/incidents/new?template={t}"),
    ] {
        assert_eq!(browser.get(&page).await.0, StatusCode::NOT_FOUND, "{page}");
    }
    for action in [
        format!("/orgs/bravo/services/{s}/status"),
        format!("/orgs/alpha/services/{s}/status"),
        format!("/orgs/alpha/services/{s}/move"),
        format!("/orgs/alpha/services/{s}/delete"),
        format!("/orgs/alpha/services/{s}"),
        format!("/orgs/alpha/incidents/{i}/updates"),
        format!("/orgs/alpha/incidents/{i}/reopen"),
        format!("/orgs/alpha/incidents/{i}/delete"),
        format!("/orgs/alpha/maintenances/{m}/updates"),
        format!("/orgs/alpha/maintenances/{m}/delete"),
        format!("/orgs/alpha/templates/{t}"),
        format!("/orgs/alpha/templates/{t}/delete"),
        "/orgs/bravo/incidents".to_owned(),
        "/orgs/bravo/maintenances".to_owned(),
    ] {
        let res = browser
            .submit(
                "/orgs/alpha",
                &action,
                &[
                    ("status", "major_outage"),
                    ("direction", "up"),
                    ("confirm", "yes"),
                    ("name", "x"),
                    ("title", "x"),
                    ("message", "x"),
                    ("starts_at", "2030-01-01T10:00"),
                    ("ends_at", "2030-01-01T11:00"),
                    ("visibility", "public"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let b_service = ops::services::get(&app.state, &b, &s).await.unwrap();
    assert_eq!(b_service.status, ServiceStatus::Operational);
    assert_eq!(b_service.name, "B API");
}
