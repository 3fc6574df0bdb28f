//! The API tokens page: create (the secret is shown once), list, revoke.

use super::auth::EmptyForm;
use super::csrf::Form;
use super::{
    done, grantable_roles, render, render_status, DashOrg, Errors, Flash, Layout, PageResult,
    RoleOption,
};
use crate::domain::Role;
use crate::error::Error;
use crate::ops;
use crate::state::AppState;
use crate::web::extract::PathParams;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

struct TokenRow {
    id: String,
    name: String,
    role: Role,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "pages/tokens.html")]
struct TokensPage {
    layout: Layout,
    slug: String,
    tokens: Vec<TokenRow>,
    roles: Vec<RoleOption>,
    new_secret: Option<String>,
    name: String,
    errors: Errors,
}

async fn tokens_page(
    state: &AppState,
    org: &DashOrg,
    new_secret: Option<String>,
    name: String,
    errors: Errors,
) -> Result<TokensPage, super::PageError> {
    let zone = &org.access.org.time_zone;
    let tokens = ops::tokens::list(state, &org.access, 100).await?;
    Ok(TokensPage {
        layout: org.layout(state).await?,
        slug: org.slug().to_owned(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id.to_string(),
                name: t.name,
                role: t.role,
                created: t.created_at.display_in(zone),
                last_used: t
                    .last_used_at
                    .map(|t| t.display_in(zone))
                    .unwrap_or_else(|| "never".to_owned()),
            })
            .collect(),
        roles: grantable_roles(org.access.role),
        new_secret,
        name,
        errors,
    })
}

/// `GET /orgs/{org}/tokens`.
pub async fn page(State(state): State<AppState>, org: DashOrg) -> PageResult {
    Ok(render(
        &tokens_page(&state, &org, None, String::new(), Errors::default()).await?,
    ))
}

/// The new-token form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
    pub role: String,
}

/// `POST /orgs/{org}/tokens`: answers with the page showing the secret once (no redirect, so
/// the secret is never in a URL or a cookie).
pub async fn create(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let result = match Role::parse(&form.role) {
        Some(role) => ops::tokens::create(&state, &org.access, &form.name, role).await,
        None => Err(Error::invalid(
            "role",
            "must be owner, admin, editor or viewer",
        )),
    };
    match result {
        Ok((_, secret)) => Ok(render(
            &tokens_page(&state, &org, Some(secret), String::new(), Errors::default()).await?,
        )),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &tokens_page(&state, &org, None, form.name, errors).await?,
            ))
        }
    }
}

/// `POST /orgs/{org}/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    org: DashOrg,
    path: PathParams,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    ops::tokens::revoke(&state, &org.access, &path.id("id")?).await?;
    Ok(done(
        &format!("/orgs/{}/tokens", org.slug()),
        Flash::TokenRevoked,
    ))
}
