//! Public page settings: title, custom domain, privacy, accent colour, time zone, support link,
//! logo.

use super::OrgAccess;
use crate::db::{self, pages::PageSettings};
use crate::domain::text::name;
use crate::domain::{FieldError, Permission, TimeZoneName};
use crate::error::{Error, Result};
use crate::state::AppState;
use serde_json::json;

/// The largest logo accepted.
pub const MAX_LOGO: usize = 512 * 1024;

/// Changes to page settings; `None` leaves a field, `Some(None)` clears a nullable one.
#[derive(Debug, Default, Clone)]
pub struct PageChanges {
    pub title: Option<Option<String>>,
    pub custom_domain: Option<Option<String>>,
    pub private: Option<bool>,
    pub accent_color: Option<Option<String>>,
    pub time_zone: Option<Option<String>>,
    pub support_url: Option<Option<String>>,
}

/// The org's page settings (any member may look).
pub async fn get(state: &AppState, access: &OrgAccess) -> Result<PageSettings> {
    access.require(Permission::ReadDashboard)?;
    Ok(db::pages::get(&mut *state.db.conn().await?, access.org_id()).await?)
}

fn clean(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Validates a host name for a custom domain, e.g. `status.example.com`.
pub fn parse_domain(s: &str, beacon_host: &str) -> std::result::Result<String, FieldError> {
    let d = s.trim().trim_end_matches('.').to_ascii_lowercase();
    let err = |m: &str| Err(FieldError::new("custom_domain", m));
    if d.len() > 253 || !d.contains('.') {
        return err("must be a host name such as status.example.com");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !d.split('.').all(label_ok) {
        return err("must be a host name such as status.example.com");
    }
    if d == beacon_host {
        return err("is this Beacon server's own host name");
    }
    if d.rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return err("must be a host name, not an IP address");
    }
    Ok(d)
}

/// Applies setting changes (admins and owners).
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    changes: PageChanges,
) -> Result<PageSettings> {
    access.require(Permission::ManageSettings)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut s = db::pages::get(&mut tx, access.org_id()).await?;
    let mut errors = Vec::new();
    if let Some(t) = &changes.title {
        s.title = match clean(t) {
            Some(t) => name("title", t).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
    }
    if let Some(d) = &changes.custom_domain {
        let beacon = state.config.base_url();
        let host = beacon
            .split("://")
            .nth(1)
            .unwrap_or("")
            .split(['/', ':'])
            .next()
            .unwrap_or("")
            .to_owned();
        s.custom_domain = match clean(d) {
            Some(d) => parse_domain(d, &host).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
    }
    if let Some(p) = changes.private {
        s.private = p;
    }
    if let Some(c) = &changes.accent_color {
        s.accent_color = match clean(c) {
            Some(c)
                if c.len() == 7
                    && c.starts_with('#')
                    && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Some(c.to_ascii_lowercase())
            }
            Some(_) => {
                errors.push(FieldError::new(
                    "accent_color",
                    "must be a colour like #4f46e5",
                ));
                None
            }
            None => None,
        };
    }
    if let Some(z) = &changes.time_zone {
        s.time_zone = match clean(z) {
            Some(z) => TimeZoneName::parse(z)
                .map(|z| z.as_str().to_owned())
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };
    }
    if let Some(u) = &changes.support_url {
        s.support_url = match clean(u) {
            Some(u)
                if u.len() <= 500
                    && (u.starts_with("https://")
                        || u.starts_with("http://")
                        || u.starts_with("mailto:"))
                    && !u.contains(char::is_whitespace) =>
            {
                Some(u.to_owned())
            }
            Some(_) => {
                errors.push(FieldError::new(
                    "support_url",
                    "must be an http(s) or mailto: link of at most 500 characters",
                ));
                None
            }
            None => None,
        };
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    db::pages::upsert(&mut tx, access.org_id(), &s, now).await?;
    let details = json!({"title": s.title, "custom_domain": s.custom_domain, "private": s.private, "accent_color": s.accent_color, "time_zone": s.time_zone, "support_url": s.support_url});
    access
        .audit(
            &mut tx,
            now,
            "page.update",
            "page",
            access.org_id().as_str(),
            details,
        )
        .await?;
    tx.commit().await?;
    Ok(db::pages::get(&mut *state.db.conn().await?, access.org_id()).await?)
}

/// The media type of a PNG, JPEG or WebP image, told by its bytes, not its name.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Sets (or, with `None`, removes) the page's logo.
pub async fn set_logo(
    state: &AppState,
    access: &OrgAccess,
    bytes: Option<&[u8]>,
) -> Result<PageSettings> {
    access.require(Permission::ManageSettings)?;
    let logo = match bytes {
        Some(b) if b.len() > MAX_LOGO => {
            return Err(Error::invalid("logo", "must be at most 512 KiB"))
        }
        Some(b) => match image_type(b) {
            Some(t) => Some((t.to_owned(), b.to_vec())),
            None => return Err(Error::invalid("logo", "must be a PNG, JPEG or WebP image")),
        },
        None => None,
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mut s = db::pages::get(&mut tx, access.org_id()).await?;
    let details = json!({"type": logo.as_ref().map(|l| l.0.clone()), "bytes": logo.as_ref().map(|l| l.1.len())});
    s.logo = logo;
    db::pages::upsert(&mut tx, access.org_id(), &s, now).await?;
    access
        .audit(
            &mut tx,
            now,
            "page.logo",
            "page",
            access.org_id().as_str(),
            details,
        )
        .await?;
    tx.commit().await?;
    Ok(db::pages::get(&mut *state.db.conn().await?, access.org_id()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_content() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(
            image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(image_type(b"<svg></svg>"), None);
        assert_eq!(image_type(b"GIF89a"), None);
    }

    #[test]
    fn custom_domains_are_host_names() {
        assert_eq!(
            parse_domain("Status.Example.com.", "beacon.local").unwrap(),
            "status.example.com"
        );
        for bad in [
            "localhost",
            "a..b",
            "-x.com",
            "x_y.com",
            "http://x.com",
            "beacon.example.com",
            "127.0.0.1",
            "10.0.0.12",
        ] {
            assert!(parse_domain(bad, "beacon.example.com").is_err(), "{bad}");
        }
    }
}
