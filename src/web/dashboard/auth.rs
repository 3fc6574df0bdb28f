//! Signed-out pages: first-run setup, sign-in, sign-up, password reset; and sign-out.

use super::csrf::{CsrfToken, Form};
use super::{
    message_page, render, render_status, safe_next, signed_in_redirect, Errors, Flash, Layout,
    PageError, PageResult,
};
use crate::config::SignupMode;
use crate::ops::accounts::{self, NewAccount};
use crate::state::AppState;
use crate::web::extract::{cookie, ClientIp, PathParams, SESSION_COOKIE};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use serde::Deserialize;

fn anon(csrf: &CsrfToken) -> Layout {
    Layout {
        csrf: csrf.0.clone(),
        ..Default::default()
    }
}

/// `GET /`: the first org of a signed-in user, else setup or sign-in.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if let Some((user, _)) = crate::web::extract::session_user(&state, &headers).await? {
        let memberships =
            crate::db::members::orgs_of_user(&mut *state.db.conn().await?, &user.id).await?;
        let to = match memberships.first() {
            Some(m) => format!("/orgs/{}", m.org.slug),
            None => "/orgs/new".to_owned(),
        };
        return Ok(Redirect::to(&to).into_response());
    }
    if crate::db::users::count(&mut *state.db.conn().await?).await? == 0 {
        return Ok(message_page(
            StatusCode::OK,
            Layout::default(),
            "Welcome to Beacon",
            "No account exists yet. Open the one-time setup link printed in the server's log to create the first owner.",
        ));
    }
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template)]
#[template(path = "pages/setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    form: SetupForm,
    errors: Errors,
}

/// The setup form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    pub token: String,
    pub email: String,
    pub name: String,
    pub password: String,
    pub org_name: String,
    pub slug: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

fn setup_token_matches(state: &AppState, token: &str) -> bool {
    let expected = state.setup_token.lock().unwrap_or_else(|p| p.into_inner());
    matches!(expected.as_deref(), Some(t) if !token.is_empty() && t == token)
}

fn setup_closed() -> axum::response::Response {
    message_page(
        StatusCode::NOT_FOUND,
        Layout::default(),
        "Setup link not valid",
        "This setup link is not valid any more. If Beacon is already set up, sign in instead.",
    )
}

/// `GET /setup?token=`: the first-run form.
pub async fn setup_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<TokenQuery>,
) -> PageResult {
    if !setup_token_matches(&state, &q.token) {
        return Ok(setup_closed());
    }
    Ok(render(&SetupPage {
        layout: anon(&csrf),
        token: q.token,
        form: SetupForm::default(),
        errors: Errors::default(),
    }))
}

/// `POST /setup`: creates the first owner and organization, and signs in.
pub async fn setup(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<SetupForm>,
) -> PageResult {
    if !setup_token_matches(&state, &form.token) {
        return Ok(setup_closed());
    }
    let result = match NewAccount::parse(&form.email, &form.name, &form.password) {
        Ok(account) => accounts::setup(&state, account, &form.slug, &form.org_name).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((session, org)) => Ok(signed_in_redirect(
            &state,
            &session.secret,
            &format!("/orgs/{}", org.slug),
            Some(Flash::Welcome),
        )),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let token = form.token.clone();
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetupPage {
                    layout: anon(&csrf),
                    token,
                    form: SetupForm {
                        password: String::new(),
                        ..form
                    },
                    errors,
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    errors: Errors,
    signup_open: bool,
}

/// The sign-in form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let next = safe_next(q.next.as_deref());
    let signup_open = state.config.signup == SignupMode::Open;
    Ok(render(&LoginPage {
        layout: anon(&csrf),
        email: String::new(),
        next,
        errors: Errors::default(),
        signup_open,
    }))
}

/// `POST /login`: a new session (rotated: any old one is dropped), or the form again.
pub async fn login(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    match accounts::login(&state, &ip, &form.email, &form.password).await {
        Ok(session) => {
            if let Some(old) = cookie(&headers, SESSION_COOKIE) {
                accounts::logout(&state, old).await?;
            }
            Ok(signed_in_redirect(
                &state,
                &session.secret,
                &safe_next(Some(&form.next)),
                None,
            ))
        }
        Err(e) => {
            let retry = match &e {
                crate::error::Error::TooManyRequests { retry_after } => Some(*retry_after),
                _ => None,
            };
            let mut errors = Errors::from_error(e)?;
            if let Some(m) = errors.fields.remove("email") {
                errors.form = Some(capitalise(&m));
            }
            let status = if retry.is_some() {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let signup_open = state.config.signup == SignupMode::Open;
            let page = LoginPage {
                layout: anon(&csrf),
                email: form.email,
                next: safe_next(Some(&form.next)),
                errors,
                signup_open,
            };
            let mut response = render_status(status, &page);
            if let Some(secs) = retry {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Ok(response)
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An empty form (only the CSRF field).
#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

/// `POST /logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        accounts::logout(&state, secret).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(|e| PageError(anyhow::anyhow!(e).into()))?,
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "pages/email_form.html")]
struct EmailFormPage {
    layout: Layout,
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
    email: String,
    errors: Errors,
    sent: Option<&'static str>,
}

/// A form with one email field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

fn signup_form(
    csrf: &CsrfToken,
    email: String,
    errors: Errors,
    sent: Option<&'static str>,
) -> EmailFormPage {
    EmailFormPage {
        layout: anon(csrf),
        title: "Create your account",
        intro: "Enter your email address. We will send you a link to finish creating your account.",
        action: "/signup",
        button: "Send me a link",
        email,
        errors,
        sent,
    }
}

const SIGNUP_SENT: &str =
    "Check your inbox: if this address can be used, we have sent it a link to continue.";

/// `GET /signup`.
pub async fn signup_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
) -> PageResult {
    if state.config.signup != SignupMode::Open {
        return Ok(message_page(StatusCode::OK, anon(&csrf), "Sign-up is by invitation", "Ask an administrator of your organization to invite you; the invitation email has a link to create your account."));
    }
    Ok(render(&signup_form(
        &csrf,
        String::new(),
        Errors::default(),
        None,
    )))
}

/// `POST /signup`: emails a link; the answer never tells whether the address has an account.
pub async fn signup(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientIp(ip): ClientIp,
    Form(form): Form<EmailForm>,
) -> PageResult {
    match accounts::request_signup(&state, &ip, &form.email).await {
        Ok(()) => Ok(render(&signup_form(
            &csrf,
            String::new(),
            Errors::default(),
            Some(SIGNUP_SENT),
        ))),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &signup_form(&csrf, form.email, errors, None),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/password_form.html")]
struct PasswordFormPage {
    layout: Layout,
    title: &'static str,
    intro: String,
    action: String,
    button: &'static str,
    ask_name: bool,
    name: String,
    errors: Errors,
}

/// Name and password, to finish a sign-up or an invitation; or a new password.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub name: String,
    pub password: String,
}

fn link_expired(csrf: &CsrfToken) -> axum::response::Response {
    message_page(
        StatusCode::NOT_FOUND,
        anon(csrf),
        "This link has expired",
        "The link is no longer valid: it was used already or is too old. Ask for a new one.",
    )
}

fn finish_signup_form(
    csrf: &CsrfToken,
    token: &str,
    email: &str,
    name: String,
    errors: Errors,
) -> PasswordFormPage {
    PasswordFormPage {
        layout: anon(csrf),
        title: "Finish creating your account",
        intro: format!("Your account's email address is {email}."),
        action: format!("/signup/{token}"),
        button: "Create account",
        ask_name: true,
        name,
        errors,
    }
}

/// `GET /signup/{token}`.
pub async fn signup_finish_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    path: PathParams,
) -> PageResult {
    let token = path.get("token");
    match accounts::signup_link_email(&state, token).await? {
        Some(email) => Ok(render(&finish_signup_form(
            &csrf,
            token,
            &email,
            String::new(),
            Errors::default(),
        ))),
        None => Ok(link_expired(&csrf)),
    }
}

/// `POST /signup/{token}`: creates the account and signs in.
pub async fn signup_finish(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    path: PathParams,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let token = path.get("token");
    match accounts::complete_signup(&state, token, &form.name, &form.password).await {
        Ok(session) => Ok(signed_in_redirect(
            &state,
            &session.secret,
            "/orgs/new",
            Some(Flash::Welcome),
        )),
        Err(crate::error::Error::NotFound) => Ok(link_expired(&csrf)),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let email = accounts::signup_link_email(&state, token)
                .await?
                .unwrap_or_default();
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &finish_signup_form(&csrf, token, &email, form.name, errors),
            ))
        }
    }
}

fn reset_form(csrf: &CsrfToken, email: String, sent: Option<&'static str>) -> EmailFormPage {
    EmailFormPage {
        layout: anon(csrf),
        title: "Reset your password",
        intro: "Enter your account's email address and we will send you a link to choose a new password.",
        action: "/reset",
        button: "Send reset link",
        email,
        errors: Errors::default(),
        sent,
    }
}

/// `GET /reset`.
pub async fn reset_page(Extension(csrf): Extension<CsrfToken>) -> PageResult {
    Ok(render(&reset_form(&csrf, String::new(), None)))
}

/// `POST /reset`: the same answer whether or not the account exists.
pub async fn reset(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientIp(ip): ClientIp,
    Form(form): Form<EmailForm>,
) -> PageResult {
    if let Err(e) = accounts::request_reset(&state, &ip, &form.email).await {
        let errors = Errors::from_error(e)?;
        let mut page = reset_form(&csrf, form.email, None);
        page.errors = errors;
        return Ok(render_status(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    Ok(render(&reset_form(
        &csrf,
        String::new(),
        Some("If an account uses this address, we have sent it a link. It is valid for an hour."),
    )))
}

fn new_password_form(csrf: &CsrfToken, token: &str, errors: Errors) -> PasswordFormPage {
    PasswordFormPage {
        layout: anon(csrf),
        title: "Choose a new password",
        intro: "At least 10 characters. Every session of your account will be signed out."
            .to_owned(),
        action: format!("/reset/{token}"),
        button: "Set password",
        ask_name: false,
        name: String::new(),
        errors,
    }
}

/// `GET /reset/{token}`.
pub async fn reset_finish_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    path: PathParams,
) -> PageResult {
    let token = path.get("token");
    if !accounts::reset_link_is_live(&state, token).await? {
        return Ok(link_expired(&csrf));
    }
    Ok(render(&new_password_form(&csrf, token, Errors::default())))
}

/// `POST /reset/{token}`: sets the password and signs in.
pub async fn reset_finish(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    path: PathParams,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let token = path.get("token");
    match accounts::complete_reset(&state, token, &form.password).await {
        Ok(session) => Ok(signed_in_redirect(
            &state,
            &session.secret,
            "/",
            Some(Flash::PasswordChanged),
        )),
        Err(crate::error::Error::NotFound) => Ok(link_expired(&csrf)),
        Err(e) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_password_form(&csrf, token, Errors::from_error(e)?),
        )),
    }
}
