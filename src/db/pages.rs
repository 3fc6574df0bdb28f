//! Public page settings of an org (one row; defaults when there is none).

use super::{AnyConnection, Result};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// How an org's public page looks and who may see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageSettings {
    /// Page title; the org's name when unset.
    pub title: Option<String>,
    /// A host name that serves the page at `/`, e.g. `status.example.com`.
    pub custom_domain: Option<String>,
    /// Only signed-in members see a private page.
    pub private: bool,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// IANA zone; the org's when unset.
    pub time_zone: Option<String>,
    pub support_url: Option<String>,
    /// The logo's media type and bytes (base64 in storage).
    pub logo: Option<(String, Vec<u8>)>,
    pub updated_at: Option<Timestamp>,
}

/// The org's page settings.
pub async fn get(c: &mut AnyConnection, org_id: &Id) -> Result<PageSettings> {
    let row = sqlx::query("SELECT * FROM pages WHERE org_id = $1")
        .bind(org_id.as_str())
        .fetch_optional(c)
        .await?;
    let Some(r) = row else {
        return Ok(PageSettings::default());
    };
    let logo_type: Option<String> = r.try_get("logo_type")?;
    let logo_b64: Option<String> = r.try_get("logo_base64")?;
    let logo = match (logo_type, logo_b64) {
        (Some(t), Some(b)) => crate::domain::base64::decode(&b).map(|bytes| (t, bytes)),
        _ => None,
    };
    Ok(PageSettings {
        title: r.try_get("title")?,
        custom_domain: r.try_get("custom_domain")?,
        private: r.try_get::<i64, _>("private")? != 0,
        accent_color: r.try_get("accent_color")?,
        time_zone: r.try_get("time_zone")?,
        support_url: r.try_get("support_url")?,
        logo,
        updated_at: Some(crate::domain::Timestamp::from_micros(
            r.try_get("updated_at")?,
        )),
    })
}

/// Writes the org's page settings.
pub async fn upsert(
    c: &mut AnyConnection,
    org_id: &Id,
    s: &PageSettings,
    now: Timestamp,
) -> Result<()> {
    let (logo_type, logo_b64) = match &s.logo {
        Some((t, bytes)) => (Some(t.clone()), Some(crate::domain::base64::encode(bytes))),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO pages (org_id, title, custom_domain, private, accent_color, time_zone, support_url, logo_type, logo_base64, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (org_id) DO UPDATE SET title = excluded.title, \
         custom_domain = excluded.custom_domain, private = excluded.private, accent_color = excluded.accent_color, \
         time_zone = excluded.time_zone, support_url = excluded.support_url, logo_type = excluded.logo_type, \
         logo_base64 = excluded.logo_base64, updated_at = excluded.updated_at",
    )
    .bind(org_id.as_str())
    .bind(s.title.clone())
    .bind(s.custom_domain.clone())
    .bind(i64::from(s.private))
    .bind(s.accent_color.clone())
    .bind(s.time_zone.clone())
    .bind(s.support_url.clone())
    .bind(logo_type)
    .bind(logo_b64)
    .bind(now.micros())
    .execute(c)
    .await?;
    Ok(())
}

/// Every org's id, for building all public page snapshots at start (crosses tenants by nature).
pub async fn all_org_ids(c: &mut AnyConnection) -> Result<Vec<Id>> {
    let rows = sqlx::query("SELECT id FROM orgs ORDER BY id")
        .fetch_all(c)
        .await?;
    Ok(rows
        .iter()
        .map(|r| super::id(r, "id"))
        .collect::<sqlx::Result<_>>()?)
}
