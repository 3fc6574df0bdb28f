//! The public status page's settings: title, address, privacy, look, and logo. Admins and owners
//! change them; other members see them.

use super::auth::EmptyForm;
use super::csrf::{Form, Multipart};
use super::{done, render, render_status, DashOrg, Errors, Flash, Layout, PageResult};
use crate::db::pages::PageSettings;
use crate::domain::Permission;
use crate::error::Error;
use crate::ops::{self, pages::PageChanges, pages::MAX_LOGO};
use crate::public::model::DEFAULT_ACCENT;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The settings form. The accent comes as text (`accent_color`) and from a colour picker
/// (`accent_pick`); the picker wins only when it was moved from the colour it was shown with
/// (`accent_shown`), so either can be used without JavaScript.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageForm {
    pub title: String,
    pub custom_domain: String,
    pub private: String,
    pub accent_color: String,
    pub accent_pick: String,
    pub accent_shown: String,
    pub time_zone: String,
    pub support_url: String,
}

impl PageForm {
    fn from_settings(s: &PageSettings) -> Self {
        PageForm {
            title: s.title.clone().unwrap_or_default(),
            custom_domain: s.custom_domain.clone().unwrap_or_default(),
            private: if s.private {
                "on".into()
            } else {
                String::new()
            },
            accent_color: s.accent_color.clone().unwrap_or_default(),
            time_zone: s.time_zone.clone().unwrap_or_default(),
            support_url: s.support_url.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// The accent the form asks for: the moved picker, else the text.
    fn accent(&self) -> String {
        let pick = self.accent_pick.trim();
        if is_colour(pick) && !pick.eq_ignore_ascii_case(self.accent_shown.trim()) {
            pick.to_owned()
        } else {
            self.accent_color.clone()
        }
    }
}

fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Template)]
#[template(path = "pages/status_page.html")]
struct SettingsPage {
    layout: Layout,
    slug: String,
    form: PageForm,
    errors: Errors,
    logo_errors: Errors,
    can_edit: bool,
    private: bool,
    /// The picker's colour: the form's accent if it is one, else the saved one, else the default.
    picker: String,
    /// The logo's address with a version, so a new logo is not hidden by a cached one.
    logo_url: Option<String>,
    public_url: String,
    domain_url: Option<String>,
    org_name: String,
    org_zone: String,
    zones: Vec<&'static str>,
}

fn view(
    state: &AppState,
    org: &DashOrg,
    layout: Layout,
    saved: &PageSettings,
    form: PageForm,
    errors: Errors,
    logo_errors: Errors,
) -> SettingsPage {
    let o = &org.access.org;
    let picker = [
        Some(form.accent_color.trim()),
        saved.accent_color.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find(|c| is_colour(c))
    .unwrap_or(DEFAULT_ACCENT)
    .to_ascii_lowercase();
    let scheme = state.config.base_url();
    let scheme = scheme.split("://").next().unwrap_or("http");
    SettingsPage {
        layout,
        slug: o.slug.clone(),
        form,
        errors,
        logo_errors,
        can_edit: org.access.role.can(Permission::ManageSettings),
        private: saved.private,
        picker,
        logo_url: saved.logo.as_ref().map(|(_, bytes)| {
            let v: String = Sha256::digest(bytes)
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("/status/{}/logo?v={v}", o.slug)
        }),
        public_url: state.url(&format!("/status/{}", o.slug)),
        domain_url: saved
            .custom_domain
            .as_ref()
            .map(|d| format!("{scheme}://{d}/")),
        org_name: o.name.clone(),
        org_zone: o.time_zone.clone(),
        zones: super::maintenances::COMMON_ZONES.to_vec(),
    }
}

/// The page again with the saved settings and a refusal's messages, answered with 422.
async fn refused(
    state: &AppState,
    org: &DashOrg,
    form: Option<PageForm>,
    errors: Errors,
    logo_errors: Errors,
) -> PageResult {
    let saved = ops::pages::get(state, &org.access).await?;
    let form = form.unwrap_or_else(|| PageForm::from_settings(&saved));
    let layout = org.layout(state).await?;
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(state, org, layout, &saved, form, errors, logo_errors),
    ))
}

fn back(org: &DashOrg, flash: Flash) -> axum::response::Response {
    done(&format!("/orgs/{}/page", org.slug()), flash)
}

/// `GET /orgs/{org}/page`.
pub async fn show(State(state): State<AppState>, org: DashOrg) -> PageResult {
    let saved = ops::pages::get(&state, &org.access).await?;
    let form = PageForm::from_settings(&saved);
    let layout = org.layout(&state).await?;
    Ok(render(&view(
        &state,
        &org,
        layout,
        &saved,
        form,
        Errors::default(),
        Errors::default(),
    )))
}

/// `POST /orgs/{org}/page`.
pub async fn update(
    State(state): State<AppState>,
    org: DashOrg,
    Form(form): Form<PageForm>,
) -> PageResult {
    let changes = PageChanges {
        title: Some(Some(form.title.clone())),
        custom_domain: Some(Some(form.custom_domain.clone())),
        private: Some(!form.private.is_empty()),
        accent_color: Some(Some(form.accent())),
        time_zone: Some(Some(form.time_zone.clone())),
        support_url: Some(Some(form.support_url.clone())),
    };
    match ops::pages::update(&state, &org.access, changes).await {
        Ok(_) => Ok(back(&org, Flash::Saved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let mut form = form;
            form.accent_color = form.accent();
            let errors = Errors::from_error(e)?;
            refused(&state, &org, Some(form), errors, Errors::default()).await
        }
    }
}

/// `POST /orgs/{org}/page/logo`: a new logo, from a file input.
pub async fn upload_logo(
    State(state): State<AppState>,
    org: DashOrg,
    upload: Multipart<EmptyForm, MAX_LOGO>,
) -> PageResult {
    let result = match upload.file("logo") {
        None => Err(Error::invalid("logo", "choose an image file to upload")),
        Some(file) => match &file.bytes {
            None => Err(Error::invalid(
                "logo",
                format!("must be at most {} KiB", MAX_LOGO / 1024),
            )),
            Some(bytes) => ops::pages::set_logo(&state, &org.access, Some(bytes)).await,
        },
    };
    match result {
        Ok(_) => Ok(back(&org, Flash::LogoSaved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            refused(&state, &org, None, Errors::default(), errors).await
        }
    }
}

/// `POST /orgs/{org}/page/logo/delete`.
pub async fn remove_logo(
    State(state): State<AppState>,
    org: DashOrg,
    Form(_): Form<EmptyForm>,
) -> PageResult {
    match ops::pages::set_logo(&state, &org.access, None).await {
        Ok(_) => Ok(back(&org, Flash::LogoRemoved)),
        Err(e @ (Error::NotFound | Error::Internal(_))) => Err(e.into()),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            refused(&state, &org, None, Errors::default(), errors).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str, pick: &str, shown: &str) -> PageForm {
        PageForm {
            accent_color: text.into(),
            accent_pick: pick.into(),
            accent_shown: shown.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_moved_picker_wins_over_the_text_and_an_untouched_one_leaves_it() {
        assert_eq!(form("#111111", "#222222", "#111111").accent(), "#222222");
        assert_eq!(form("#333333", "#111111", "#111111").accent(), "#333333");
        assert_eq!(form("", "#4f46e5", "#4f46e5").accent(), "");
        assert_eq!(form("red", "#4F46E5", "#4f46e5").accent(), "red");
        assert_eq!(form("#111111", "", "").accent(), "#111111");
    }
}
