//! The signed-in user's own account: name and password.

use super::csrf::Form;
use super::{done, render, render_status, Errors, Flash, Layout, PageResult, SignedIn};
use crate::ops::accounts;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    errors: Errors,
}

/// `GET /account`.
pub async fn page(State(state): State<AppState>, me: SignedIn) -> PageResult {
    let layout = me.layout(&state).await?;
    Ok(render(&AccountPage {
        layout,
        name: me.user.name.clone(),
        email: me.user.email.clone(),
        errors: Errors::default(),
    }))
}

/// The name form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    pub name: String,
}

/// `POST /account/name`.
pub async fn rename(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<NameForm>,
) -> PageResult {
    match accounts::rename(&state, &me.user, &form.name).await {
        Ok(()) => Ok(done("/account", Flash::Saved)),
        Err(e) => {
            let page = AccountPage {
                layout: me.layout(&state).await?,
                name: form.name,
                email: me.user.email.clone(),
                errors: Errors::from_error(e)?,
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The change-password form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordChangeForm {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /account/password`: other sessions end; this one stays.
pub async fn change_password(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<PasswordChangeForm>,
) -> PageResult {
    match accounts::change_password(
        &state,
        &me.user,
        &me.session,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(()) => Ok(done("/account", Flash::PasswordChanged)),
        Err(e) => {
            let page = AccountPage {
                layout: me.layout(&state).await?,
                name: me.user.name.clone(),
                email: me.user.email.clone(),
                errors: Errors::from_error(e)?,
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
