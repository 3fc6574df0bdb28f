//! The dashboard: server-rendered pages that work without JavaScript.
//!
//! Forms post back to the server; a refused form is rendered again with its messages.

pub mod account;
pub mod auth;
pub mod csrf;
pub mod incident;
pub mod incidents;
pub mod maintenances;
pub mod members;
pub mod orgs;
pub mod overview;
pub mod service;
pub mod services;
pub mod status_page;
pub mod teams;
pub mod templates;
pub mod tokens;
pub mod views;

use crate::db::users::User;
use crate::domain::FieldError;
use crate::error::Error;
use crate::ops::OrgAccess;
use crate::state::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use csrf::CsrfToken;
use std::collections::BTreeMap;

const FLASH_COOKIE: &str = "beacon_flash";

/// An org as the header's switcher shows it.
#[derive(Debug, Clone)]
pub struct OrgRef {
    pub slug: String,
    pub name: String,
}

/// What the base layout needs on every page.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub user_name: Option<String>,
    pub csrf: String,
    pub current_org: Option<OrgRef>,
    pub orgs: Vec<OrgRef>,
    pub flash: Option<String>,
}

/// Field and form messages of a refused form.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    pub fields: BTreeMap<String, String>,
    pub form: Option<String>,
}

impl Errors {
    /// The message for one field.
    pub fn field(&self, name: &str) -> Option<&String> {
        self.fields.get(name)
    }

    /// Whether a field has a message.
    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// Messages from an operation's refusal, or `Err` for failures that are not about the form.
    pub fn from_error(err: Error) -> Result<Errors, PageError> {
        let mut errors = Errors::default();
        match err {
            Error::Invalid(list) => {
                for FieldError { field, message } in list {
                    errors.fields.insert(field.to_owned(), message);
                }
            }
            Error::Conflict(FieldError { field, message }) => {
                errors.fields.insert(field.to_owned(), message);
            }
            Error::Forbidden(m) | Error::BadRequest(m) => errors.form = Some(m),
            Error::TooManyRequests { retry_after } => {
                errors.form = Some(format!(
                    "Too many attempts. Try again in {} minutes.",
                    (retry_after + 59) / 60
                ));
            }
            other => return Err(PageError(other)),
        }
        Ok(errors)
    }

    /// A form-level message only.
    pub fn form(message: impl Into<String>) -> Errors {
        Errors {
            form: Some(message.into()),
            ..Default::default()
        }
    }
}

/// Renders a template, or a 500 page if rendering fails.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError(Error::Internal(e.into())).into_response(),
    }
}

/// Renders a template with a status (a refused form answers 422, not 200).
pub fn render_status<T: Template>(status: StatusCode, page: &T) -> Response {
    let mut response = render(page);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage {
    layout: Layout,
    title: String,
    message: String,
}

/// A plain page with a title and a sentence: errors and confirmations.
pub fn message_page(status: StatusCode, layout: Layout, title: &str, message: &str) -> Response {
    render_status(
        status,
        &MessagePage {
            layout,
            title: title.to_owned(),
            message: message.to_owned(),
        },
    )
}

/// A bare error page for requests outside any session.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    message_page(status, Layout::default(), title, message)
}

/// An [`Error`] answered as a page: 401 sends to sign-in, 5xx hides the cause.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, Error::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        let (status, _, message, _) = super::error::describe(&self.0);
        let message = match &self.0 {
            Error::NotFound => "There is nothing here, or you do not have access to it.".to_owned(),
            Error::Internal(_) => {
                "Something went wrong on our side. It has been logged; please try again.".to_owned()
            }
            _ => message,
        };
        error_page(status, &message)
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// The signed-in user, with the session secret; anyone else is sent to sign in.
pub struct SignedIn {
    pub user: User,
    pub session: String,
    pub csrf: String,
    pub flash: Option<String>,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let csrf = CsrfToken::of(parts);
        match super::extract::session_user(state, &parts.headers).await {
            Ok(Some((user, session))) => Ok(SignedIn {
                user,
                session,
                csrf,
                flash: read_flash(parts),
            }),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let to = if parts.method == axum::http::Method::GET {
                    format!("/login?next={}", encode(next))
                } else {
                    "/login".to_owned()
                };
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

impl SignedIn {
    /// The layout for a page outside any org.
    pub async fn layout(&self, state: &AppState) -> Result<Layout, PageError> {
        let memberships =
            crate::db::members::orgs_of_user(&mut *state.db.conn().await?, &self.user.id).await?;
        Ok(Layout {
            user_name: Some(self.user.name.clone()),
            csrf: self.csrf.clone(),
            current_org: None,
            orgs: memberships
                .into_iter()
                .map(|m| OrgRef {
                    slug: m.org.slug,
                    name: m.org.name,
                })
                .collect(),
            flash: self.flash.clone(),
        })
    }
}

/// A signed-in member inside the org named by `{org}`; non-members get 404.
pub struct DashOrg {
    pub me: SignedIn,
    pub access: OrgAccess,
}

impl FromRequestParts<AppState> for DashOrg {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let me = SignedIn::from_request_parts(parts, state).await?;
        let params = super::extract::PathParams::from_request_parts(parts, state).await?;
        match crate::ops::orgs::access_for_user(state, &me.user, params.get("org")).await {
            Ok(access) => {
                if let Some(t) = parts.extensions.get::<crate::web::Touched>() {
                    t.set(&access.org.id);
                }
                Ok(DashOrg { me, access })
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

impl DashOrg {
    /// The layout for a page inside this org.
    pub async fn layout(&self, state: &AppState) -> Result<Layout, PageError> {
        let mut layout = self.me.layout(state).await?;
        layout.current_org = Some(OrgRef {
            slug: self.access.org.slug.clone(),
            name: self.access.org.name.clone(),
        });
        Ok(layout)
    }

    /// The org's slug.
    pub fn slug(&self) -> &str {
        &self.access.org.slug
    }
}

/// Redirects after a successful form, with a one-line notice for the next page.
pub fn done(to: &str, flash: Flash) -> Response {
    let mut response = Redirect::to(to).into_response();
    let cookie = format!(
        "{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
        flash as u8
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The notices a redirect can carry (a code in a cookie, never user text).
#[derive(Debug, Clone, Copy)]
pub enum Flash {
    Saved = 1,
    Invited,
    InvitationRevoked,
    RoleChanged,
    MemberRemoved,
    TeamCreated,
    TeamDeleted,
    TokenRevoked,
    PasswordChanged,
    Joined,
    OrgCreated,
    OrgDeleted,
    Welcome,
    Left,
    StatusChanged,
    ServiceCreated,
    ServiceDeleted,
    OrderChanged,
    GroupCreated,
    GroupDeleted,
    IncidentOpened,
    IncidentRecorded,
    UpdatePosted,
    UpdateDeleted,
    IncidentReopened,
    IncidentDeleted,
    PostmortemSaved,
    MaintenanceScheduled,
    MaintenanceDeleted,
    TemplateCreated,
    TemplateDeleted,
    LogoSaved,
    LogoRemoved,
}

fn flash_text(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Saved.",
        2 => "Invitation sent.",
        3 => "Invitation revoked.",
        4 => "Role changed.",
        5 => "Member removed.",
        6 => "Team created.",
        7 => "Team deleted.",
        8 => "Token revoked.",
        9 => "Password changed. Your other sessions have been signed out.",
        10 => "You have joined the organization.",
        11 => "Organization created.",
        12 => "Organization deleted.",
        13 => "Welcome to Beacon.",
        14 => "You have left the organization.",
        15 => "Status changed.",
        16 => "Service created.",
        17 => "Service deleted.",
        18 => "Order changed.",
        19 => "Group created.",
        20 => "Group deleted.",
        21 => "Incident opened.",
        22 => "Past incident recorded.",
        23 => "Update posted.",
        24 => "Update deleted.",
        25 => "Incident reopened.",
        26 => "Incident deleted.",
        27 => "Postmortem saved.",
        28 => "Maintenance scheduled.",
        29 => "Maintenance deleted.",
        30 => "Template created.",
        31 => "Template deleted.",
        32 => "Logo uploaded.",
        33 => "Logo removed.",
        _ => return None,
    })
}

fn read_flash(parts: &mut Parts) -> Option<String> {
    let code: u8 = super::extract::cookie(&parts.headers, FLASH_COOKIE)?
        .parse()
        .ok()?;
    parts.extensions.insert(csrf::ClearFlash);
    flash_text(code).map(str::to_owned)
}

/// The cookie that expires the flash once shown.
pub fn clear_flash_cookie() -> HeaderValue {
    HeaderValue::from_static("beacon_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// A `Set-Cookie` value for a new session.
pub fn session_cookie(state: &AppState, secret: &str) -> HeaderValue {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        super::extract::SESSION_COOKIE,
        crate::ops::accounts::SESSION_SECONDS
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Signs in: sets the session cookie and redirects.
pub fn signed_in_redirect(
    state: &AppState,
    secret: &str,
    to: &str,
    flash: Option<Flash>,
) -> Response {
    let mut response = match flash {
        Some(f) => done(to, f),
        None => Redirect::to(to).into_response(),
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(state, secret));
    response
}

/// Percent-encodes a value for a query string.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A local path to return to after sign-in; anything else (another host) becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // No second slash or backslash at the start, and no control characters or spaces
        // anywhere (browsers drop tabs and newlines, which would turn "/\t/x" into "//x").
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A role as a select option.
#[derive(Debug, Clone, Copy)]
pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
}

/// The roles `role` may hand out, as select options.
pub fn grantable_roles(role: crate::domain::Role) -> Vec<RoleOption> {
    use crate::domain::Role;
    [
        (Role::Owner, "Owner"),
        (Role::Admin, "Admin"),
        (Role::Editor, "Editor"),
        (Role::Viewer, "Viewer"),
    ]
    .into_iter()
    .filter(|(r, _)| role.may_grant(*r))
    .map(|(r, label)| RoleOption {
        value: r.as_str(),
        label,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/orgs/acme")), "/orgs/acme");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/a\nb")), "/");
    }
}
