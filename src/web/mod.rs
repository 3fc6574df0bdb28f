//! HTTP: the route table, in one place, grouped by who may call what.

pub mod api;
pub mod assets;
pub mod dashboard;
pub mod error;
pub mod extract;
pub mod front;
pub mod live;
pub mod metrics;
pub mod public;
pub mod websocket;
pub mod zerocopy;

use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::{code_for, json_error};
use std::collections::BTreeMap;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_swagger_ui::SwaggerUi;

/// Largest request body accepted anywhere.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    use api::{
        incidents as ai, maintenances as amt, members as am, orgs as ao, pages as apg,
        status as ast, teams as at, tokens as ak,
    };
    use dashboard::{account, auth, members as dm, orgs as dorg, teams as dt, tokens as dk};
    use dashboard::{incident as di, incidents as dis, maintenances as dmn, overview as dov};
    use dashboard::{service as dsv, services as ds, status_page as dsp, templates as dtp};

    // Operations: no authentication, nothing tenant-specific.
    let ops = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .route("/static/{file}", get(assets::serve));

    // The JSON API: each handler's extractor (ApiCaller / ApiOrg) demands a token or session and
    // resolves the org; each operation checks the role.
    let api = Router::new()
        .route("/api/v1/orgs", get(ao::list).post(ao::create))
        .route(
            "/api/v1/orgs/{org}",
            get(ao::get).patch(ao::update).delete(ao::delete),
        )
        .route("/api/v1/orgs/{org}/audit-log", get(ao::audit_log))
        .route("/api/v1/orgs/{org}/events", get(live::api_sse))
        .route("/api/v1/orgs/{org}/ws", get(live::api_ws))
        .route("/api/v1/orgs/{org}/members", get(am::list))
        .route(
            "/api/v1/orgs/{org}/members/{user_id}",
            get(am::get).patch(am::update).delete(am::delete),
        )
        .route(
            "/api/v1/orgs/{org}/invitations",
            get(am::list_invitations).post(am::create_invitation),
        )
        .route(
            "/api/v1/orgs/{org}/invitations/{id}",
            axum::routing::delete(am::revoke_invitation),
        )
        .route("/api/v1/orgs/{org}/teams", get(at::list).post(at::create))
        .route(
            "/api/v1/orgs/{org}/teams/{id}",
            get(at::get).patch(at::update).delete(at::delete),
        )
        .route(
            "/api/v1/orgs/{org}/teams/{id}/members",
            get(at::list_members).post(at::add_member),
        )
        .route(
            "/api/v1/orgs/{org}/teams/{id}/members/{user_id}",
            axum::routing::delete(at::remove_member),
        )
        .route("/api/v1/orgs/{org}/tokens", get(ak::list).post(ak::create))
        .route(
            "/api/v1/orgs/{org}/tokens/{id}",
            axum::routing::delete(ak::revoke),
        )
        .route("/api/v1/orgs/{org}/page", get(apg::get).patch(apg::update))
        .route(
            "/api/v1/orgs/{org}/page/logo",
            axum::routing::put(apg::set_logo).delete(apg::delete_logo),
        )
        .route(
            "/api/v1/orgs/{org}/services",
            get(ast::list).post(ast::create),
        )
        .route(
            "/api/v1/orgs/{org}/services/{id}",
            get(ast::get).patch(ast::update).delete(ast::delete),
        )
        .route(
            "/api/v1/orgs/{org}/groups",
            get(ast::list_groups).post(ast::create_group),
        )
        .route(
            "/api/v1/orgs/{org}/groups/{id}",
            get(ast::get_group)
                .patch(ast::update_group)
                .delete(ast::delete_group),
        )
        .route("/api/v1/orgs/{org}/status-history", get(ast::history))
        .route(
            "/api/v1/orgs/{org}/incidents",
            get(ai::list).post(ai::create),
        )
        .route(
            "/api/v1/orgs/{org}/incidents/{id}",
            get(ai::get).patch(ai::update).delete(ai::delete),
        )
        .route(
            "/api/v1/orgs/{org}/incidents/{id}/updates",
            get(ai::list_updates).post(ai::create_update),
        )
        .route(
            "/api/v1/orgs/{org}/incidents/{id}/updates/{update_id}",
            axum::routing::patch(ai::edit_update).delete(ai::delete_update),
        )
        .route("/api/v1/orgs/{org}/incidents/{id}/reopen", post(ai::reopen))
        .route(
            "/api/v1/orgs/{org}/incidents/{id}/postmortem",
            axum::routing::put(ai::set_postmortem),
        )
        .route(
            "/api/v1/orgs/{org}/incident-templates",
            get(ai::list_templates).post(ai::create_template),
        )
        .route(
            "/api/v1/orgs/{org}/incident-templates/{id}",
            get(ai::get_template)
                .patch(ai::update_template)
                .delete(ai::delete_template),
        )
        .route(
            "/api/v1/orgs/{org}/maintenances",
            get(amt::list).post(amt::create),
        )
        .route(
            "/api/v1/orgs/{org}/maintenances/{id}",
            get(amt::get).patch(amt::update).delete(amt::delete),
        )
        .route(
            "/api/v1/orgs/{org}/maintenances/{id}/updates",
            get(amt::list_updates).post(amt::create_update),
        )
        .route(
            "/api/v1/orgs/{org}/maintenances/{id}/updates/{update_id}",
            axum::routing::patch(amt::edit_update),
        )
        .method_not_allowed_fallback(api_method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refresh_snapshots,
        ))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api::openapi::document()));

    // Pages anyone may open (sign-in, sign-up, reset, first-run setup, invitation links).
    let public_pages = Router::new()
        .route("/", get(auth::home))
        .route("/setup", get(auth::setup_page).post(auth::setup))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/signup", get(auth::signup_page).post(auth::signup))
        .route(
            "/signup/{token}",
            get(auth::signup_finish_page).post(auth::signup_finish),
        )
        .route("/reset", get(auth::reset_page).post(auth::reset))
        .route(
            "/reset/{token}",
            get(auth::reset_finish_page).post(auth::reset_finish),
        )
        .route(
            "/invitations/{token}",
            get(dm::invitation_page).post(dm::accept_invitation),
        );

    // Pages for a signed-in user (the `SignedIn` extractor redirects others to sign in), and
    // inside an org (the `DashOrg` extractor: members only; each operation checks the role).
    let signed_in_pages = Router::new()
        .route("/account", get(account::page))
        .route("/account/name", post(account::rename))
        .route("/account/password", post(account::change_password))
        .route("/orgs/new", get(dorg::new_page).post(dorg::create))
        .route("/orgs/{org}", get(dov::page))
        .route("/orgs/{org}/services", get(ds::page).post(ds::create))
        .route(
            "/orgs/{org}/services/{id}",
            get(dsv::edit).post(dsv::update),
        )
        .route("/orgs/{org}/services/{id}/status", post(dov::set_status))
        .route("/orgs/{org}/services/{id}/move", post(ds::shift))
        .route(
            "/orgs/{org}/services/{id}/delete",
            get(dsv::confirm_delete).post(dsv::delete),
        )
        .route("/orgs/{org}/groups", post(ds::create_group))
        .route("/orgs/{org}/groups/{id}", post(ds::update_group))
        .route("/orgs/{org}/groups/{id}/delete", post(ds::delete_group))
        .route("/orgs/{org}/incidents", get(dis::list).post(dis::create))
        .route("/orgs/{org}/incidents/new", get(dis::new))
        .route(
            "/orgs/{org}/incidents/backfill",
            get(dis::backfill_form).post(dis::backfill),
        )
        .route("/orgs/{org}/incidents/{id}", get(di::show).post(di::edit))
        .route("/orgs/{org}/incidents/{id}/updates", post(di::post_update))
        .route(
            "/orgs/{org}/incidents/{id}/updates/{update_id}",
            post(di::edit_update),
        )
        .route(
            "/orgs/{org}/incidents/{id}/updates/{update_id}/delete",
            post(di::delete_update),
        )
        .route("/orgs/{org}/incidents/{id}/reopen", post(di::reopen))
        .route(
            "/orgs/{org}/incidents/{id}/postmortem",
            post(di::postmortem),
        )
        .route("/orgs/{org}/incidents/{id}/delete", post(di::delete))
        .route("/orgs/{org}/templates", get(dtp::list).post(dtp::create))
        .route(
            "/orgs/{org}/templates/{id}",
            get(dtp::edit).post(dtp::update),
        )
        .route("/orgs/{org}/templates/{id}/delete", post(dtp::delete))
        .route("/orgs/{org}/maintenances", get(dmn::list).post(dmn::create))
        .route("/orgs/{org}/maintenances/new", get(dmn::new))
        .route("/orgs/{org}/maintenances/{id}", get(dmn::show))
        .route(
            "/orgs/{org}/maintenances/{id}/updates",
            post(dmn::post_update),
        )
        .route("/orgs/{org}/maintenances/{id}/delete", post(dmn::delete))
        .route("/orgs/{org}/page", get(dsp::show).post(dsp::update))
        .route("/orgs/{org}/page/logo", post(dsp::upload_logo))
        .route("/orgs/{org}/page/logo/delete", post(dsp::remove_logo))
        .route(
            "/orgs/{org}/settings",
            get(dorg::settings).post(dorg::update),
        )
        .route("/orgs/{org}/delete", post(dorg::delete))
        .route("/orgs/{org}/audit", get(dorg::audit))
        .route("/orgs/{org}/members", get(dm::page))
        .route("/orgs/{org}/members/{user_id}/role", post(dm::change_role))
        .route("/orgs/{org}/members/{user_id}/remove", post(dm::remove))
        .route("/orgs/{org}/invitations", post(dm::invite))
        .route(
            "/orgs/{org}/invitations/{id}/revoke",
            post(dm::revoke_invitation),
        )
        .route("/orgs/{org}/teams", get(dt::page).post(dt::create))
        .route("/orgs/{org}/teams/{id}/rename", post(dt::rename))
        .route("/orgs/{org}/teams/{id}/delete", post(dt::delete))
        .route("/orgs/{org}/teams/{id}/members", post(dt::add_member))
        .route(
            "/orgs/{org}/teams/{id}/members/{user_id}/remove",
            post(dt::remove_member),
        )
        .route("/orgs/{org}/tokens", get(dk::page).post(dk::create))
        .route("/orgs/{org}/tokens/{id}/revoke", post(dk::revoke));

    let pages = public_pages
        .merge(signed_in_pages)
        .method_not_allowed_fallback(page_method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refresh_snapshots,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            dashboard::csrf::ensure_cookie,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let app = Router::new()
        .merge(ops)
        .merge(api)
        .merge(pages)
        .fallback(not_found)
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));

    // The public status pages, served from the in-memory snapshot with their headers prebuilt:
    // nothing else on their path (see public.rs). A custom domain's every path is its page.
    Router::new()
        .route("/status/{slug}", get(public::serve))
        // Static segments win over the catch-all below: these two are streams, not documents.
        .route("/status/{slug}/events", get(live::public_sse))
        .route("/status/{slug}/ws", get(live::public_ws))
        .route("/status/{slug}/{*rest}", get(public::serve))
        .merge(app)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            public::custom_domains,
        ))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

async fn api_not_found() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint",
        BTreeMap::new(),
    )
}

async fn api_method_not_allowed() -> Response {
    json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        code_for(StatusCode::METHOD_NOT_ALLOWED),
        "this endpoint does not answer that method",
        BTreeMap::new(),
    )
}

async fn page_method_not_allowed() -> Response {
    dashboard::error_page(
        StatusCode::METHOD_NOT_ALLOWED,
        "That method is not allowed here.",
    )
}

async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        api_not_found().await
    } else {
        dashboard::error_page(StatusCode::NOT_FOUND, "There is nothing at this address.")
    }
}

/// Marks the org a write request touched, so its public snapshot is rebuilt before the response.
#[derive(Clone, Default)]
pub struct Touched(std::sync::Arc<std::sync::Mutex<Option<crate::domain::Id>>>);

impl Touched {
    /// Records the org a request works in.
    pub fn set(&self, org_id: &crate::domain::Id) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(org_id.clone());
    }
}

/// After a successful write inside an org, rebuilds that org's public snapshot, so the change is
/// visible on the next request after this response, then tells the org's live streams.
async fn refresh_snapshots(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let write = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let touched = Touched::default();
    if write {
        request.extensions_mut().insert(touched.clone());
    }
    let response = next.run(request).await;
    if write && (response.status().is_success() || response.status().is_redirection()) {
        let org = touched.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(org_id) = org {
            if let Err(e) = crate::public::snapshot::rebuild(&state, &org_id).await {
                tracing::warn!(error = %e, "public page snapshot not rebuilt; the previous one stays");
            }
            state.announce(&org_id).await;
        }
    }
    response
}

/// Headers every response carries.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_docs = request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_docs {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        );
    }
    response
}
