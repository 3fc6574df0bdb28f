//! `/api/v1/orgs/{org}/page` and `/page/logo`: the public page's settings.

use super::{double_option, ApiResult};
use crate::ops::{self, pages::PageChanges};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiOrg};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The public page's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody {
    /// Shown as the page's name; null uses the organization's name.
    pub title: Option<String>,
    /// A host name that serves the page at `/`.
    #[schema(example = "status.example.com")]
    pub custom_domain: Option<String>,
    /// Only signed-in members may see a private page.
    pub private: bool,
    #[schema(example = "#4f46e5")]
    pub accent_color: Option<String>,
    /// IANA zone for times on the page; null uses the organization's.
    pub time_zone: Option<String>,
    pub support_url: Option<String>,
    /// Whether a logo is set (see `PUT .../page/logo`).
    pub has_logo: bool,
    /// Where the page is on this server.
    pub url: String,
}

fn body(state: &AppState, slug: &str, s: crate::db::pages::PageSettings) -> PageBody {
    PageBody {
        title: s.title,
        custom_domain: s.custom_domain,
        private: s.private,
        accent_color: s.accent_color,
        time_zone: s.time_zone,
        support_url: s.support_url,
        has_logo: s.logo.is_some(),
        url: state.url(&format!("/status/{slug}")),
    }
}

/// Changes to the page's settings; absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdatePage {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 253)]
    pub custom_domain: Option<Option<String>>,
    pub private: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^#[0-9a-fA-F]{6}$")]
    pub accent_color: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub support_url: Option<Option<String>>,
}

/// Reads the page's settings.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/page", operation_id = "getPage", tag = "page",
    params(("org" = String, Path, description = "Organization slug")), responses((status = 200, description = "Settings", body = PageBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
) -> ApiResult<Json<PageBody>> {
    let s = ops::pages::get(&state, &access).await?;
    Ok(Json(body(&state, &access.org.slug, s)))
}

/// Changes the page's settings (admins and owners).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/page", operation_id = "updatePage", tag = "page",
    params(("org" = String, Path, description = "Organization slug")), request_body = UpdatePage,
    responses((status = 200, description = "Settings", body = PageBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    ApiJson(b): ApiJson<UpdatePage>,
) -> ApiResult<Json<PageBody>> {
    let changes = PageChanges {
        title: b.title,
        custom_domain: b.custom_domain,
        private: b.private,
        accent_color: b.accent_color,
        time_zone: b.time_zone,
        support_url: b.support_url,
    };
    let s = ops::pages::update(&state, &access, changes).await?;
    Ok(Json(body(&state, &access.org.slug, s)))
}

/// Sets the logo: the raw image as the body (PNG, JPEG or WebP, at most 512 KiB, told by content).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/page/logo", operation_id = "setPageLogo", tag = "page",
    params(("org" = String, Path, description = "Organization slug")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "PNG, JPEG or WebP bytes"),
    responses((status = 200, description = "Settings", body = PageBody)))]
pub async fn set_logo(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<PageBody>> {
    let bytes =
        bytes.map_err(|_| crate::error::Error::invalid("logo", "must be at most 512 KiB"))?;
    let s = ops::pages::set_logo(&state, &access, Some(&bytes)).await?;
    Ok(Json(body(&state, &access.org.slug, s)))
}

/// Removes the logo.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/page/logo", operation_id = "deletePageLogo", tag = "page",
    params(("org" = String, Path, description = "Organization slug")), responses((status = 204, description = "Removed")))]
pub async fn delete_logo(
    State(state): State<AppState>,
    ApiOrg(access): ApiOrg,
) -> ApiResult<StatusCode> {
    ops::pages::set_logo(&state, &access, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
