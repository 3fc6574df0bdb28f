//! Members and invitations pages, and the invitation link's accept page.

use super::csrf::{CsrfToken, Form};
use super::{
    done, grantable_roles, message_page, render, render_status, signed_in_redirect, DashOrg,
    Errors, Flash, Layout, PageResult, RoleOption,
};
use crate::domain::{Permission, Role};
use crate::error::Error;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::{session_user, PathParams};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use serde::Deserialize;

struct MemberRow {
    user_id: String,
    name: String,
    email: String,
    role: Role,
    joined: String,
    is_me: bool,
}

struct InvitationRow {
    id: String,
    email: String,
    role: Role,
    expires: String,
}

#[derive(Template)]
#[template(path = "pages/members.html")]
struct MembersPage {
    layout: Layout,
    slug: String,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    can_manage: bool,
    roles: Vec<RoleOption>,
    invite_email: String,
    invite_role: String,
    errors: Errors,
}

async fn members_page(
    state: &AppState,
    org: &DashOrg,
    invite: InviteForm,
    errors: Errors,
) -> Result<MembersPage, super::PageError> {
    let zone = &org.access.org.time_zone;
    let me = &org.me.user.id;
    let members = ops::members::list(state, &org.access, 1000).await?;
    let can_manage = org.access.role.can(Permission::ManageMembers);
    let invitations = if can_manage {
        ops::members::list_invitations(state, &org.access, 100).await?
    } else {
        Vec::new()
    };
    let roles = grantable_roles(org.access.role);
    Ok(MembersPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                is_me: &m.user_id == me,
                user_id: m.user_id.to_string(),
                name: m.name,
                email: m.email,
                role: m.role,
                joined: m.joined_at.display_in(zone),
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id.to_string(),
                email: i.email,
                role: i.role,
                expires: i.expires_at.display_in(zone),
            })
            .collect(),
        can_manage,
        roles,
        invite_email: invite.email,
        invite_role: if invite.role.is_empty() {
            "viewer".to_owned()
        } else {
            invite.role
        },
        errors,
    })
}

/// `GET /orgs/{org}/members`.
pub async fn page(State(state): State<AppState>, org: DashOrg) -> PageResult {
    Ok(render(
        &members_page(&state, &org, InviteForm::default(), Errors::default()).await?,
    ))
}

/// A role picked in a form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub role: String,
}

fn parse_role(s: &str) -> Result<Role, Error> {
    Role::parse(s).ok_or_else(|| Error::invalid("role", "must be owner, admin, editor or viewer"))
}

async fn refused(state: &AppState, org: &DashOrg, invite: InviteForm, e: Error) -> PageResult {
    let errors = Errors::from_error(e)?;
    let errors = if errors.form.is_none() && !errors.fields.contains_key("email") {
        Errors::form(errors.fields.values().next().cloned().unwrap_or_default())
    } else {
        errors
    };
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &members_page(state, org, invite, errors).await?,
    ))
}

/// `POST /orgs/{org}/members/{user_id}/role`.
pub async fn change_role(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(form): Form<RoleForm>,
) -> PageResult {
    let user_id = path.id("user_id")?;
    let result = match parse_role(&form.role) {
        Ok(role) => ops::members::change_role(&state, &org.access, &user_id, role)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(done(
            &format!("/orgs/{}/members", org.slug()),
            Flash::RoleChanged,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, InviteForm::default(), e).await,
    }
}

/// `POST /orgs/{org}/members/{user_id}/remove` (one's own id: leave).
pub async fn remove(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<super::auth::EmptyForm>,
) -> PageResult {
    let user_id = path.id("user_id")?;
    let leaving = org.me.user.id == user_id;
    match ops::members::remove(&state, &org.access, &user_id).await {
        Ok(()) if leaving => Ok(done("/", Flash::Left)),
        Ok(()) => Ok(done(
            &format!("/orgs/{}/members", org.slug()),
            Flash::MemberRemoved,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, InviteForm::default(), e).await,
    }
}

/// The invitation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
    pub role: String,
}

/// `POST /orgs/{org}/invitations`.
pub async fn invite(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<InviteForm>,
) -> PageResult {
    let result = match parse_role(&form.role) {
        Ok(role) => ops::members::invite(&state, &org.access, &form.email, role)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(done(
            &format!("/orgs/{}/members", org.slug()),
            Flash::Invited,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => refused(&state, &org, form, e).await,
    }
}

/// `POST /orgs/{org}/invitations/{id}/revoke`.
pub async fn revoke_invitation(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<super::auth::EmptyForm>,
) -> PageResult {
    ops::members::revoke_invitation(&state, &org.access, &path.id("id")?).await?;
    Ok(done(
        &format!("/orgs/{}/members", org.slug()),
        Flash::InvitationRevoked,
    ))
}

#[derive(Template)]
#[template(path = "pages/invitation.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    org_name: String,
    email: String,
    role: Role,
    signed_in_as: Option<String>,
    has_account: bool,
    can_create_account: bool,
    name: String,
    errors: Errors,
}

async fn invitation_view(
    state: &AppState,
    csrf: &CsrfToken,
    headers: &HeaderMap,
    token: &str,
    name: String,
    errors: Errors,
) -> Result<Option<InvitationPage>, super::PageError> {
    let (invitation, org) = match ops::members::pending_by_secret(state, token).await {
        Ok(found) => found,
        Err(Error::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let user = session_user(state, headers).await?.map(|(u, _)| u);
    let has_account =
        crate::db::users::find_by_email(&mut *state.db.conn().await?, &invitation.email)
            .await?
            .is_some();
    let layout = Layout {
        user_name: user.as_ref().map(|u| u.name.clone()),
        csrf: csrf.0.clone(),
        ..Default::default()
    };
    Ok(Some(InvitationPage {
        layout,
        token: token.to_owned(),
        org_name: org.name,
        email: invitation.email,
        role: invitation.role,
        signed_in_as: user.map(|u| u.email),
        has_account,
        can_create_account: state.config.signup != crate::config::SignupMode::Closed,
        name,
        errors,
    }))
}

fn invitation_gone(csrf: &CsrfToken) -> axum::response::Response {
    message_page(
        StatusCode::NOT_FOUND,
        Layout { csrf: csrf.0.clone(), ..Default::default() },
        "This invitation is not valid",
        "It was used already, revoked, or has expired (invitations last 7 days). Ask for a new one.",
    )
}

/// `GET /invitations/{token}`: who invites whom, and how to accept.
pub async fn invitation_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    path: PathParams,
) -> PageResult {
    match invitation_view(
        &state,
        &csrf,
        &headers,
        path.get("token"),
        String::new(),
        Errors::default(),
    )
    .await?
    {
        Some(page) => Ok(render(&page)),
        None => Ok(invitation_gone(&csrf)),
    }
}

/// `POST /invitations/{token}`: accept as the signed-in user, or create the invited account.
pub async fn accept_invitation(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    path: PathParams,
    Form(form): Form<super::auth::PasswordForm>,
) -> PageResult {
    let token = path.get("token");
    let result = match session_user(&state, &headers).await? {
        Some((user, _)) => ops::members::accept(&state, token, &user)
            .await
            .map(|org| (None, org)),
        None => ops::members::accept_with_new_account(&state, token, &form.name, &form.password)
            .await
            .map(|(s, org)| (Some(s), org)),
    };
    match result {
        Ok((Some(session), org)) => Ok(signed_in_redirect(
            &state,
            &session.secret,
            &format!("/orgs/{}", org.slug),
            Some(Flash::Joined),
        )),
        Ok((None, org)) => Ok(done(&format!("/orgs/{}", org.slug), Flash::Joined)),
        Err(Error::NotFound) => Ok(invitation_gone(&csrf)),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            match invitation_view(&state, &csrf, &headers, token, form.name, errors).await? {
                Some(page) => Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)),
                None => Ok(invitation_gone(&csrf)),
            }
        }
    }
}
