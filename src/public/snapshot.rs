//! The in-memory snapshot every public request is served from: each org's page, JSON, feeds,
//! badges and script, rendered once per change with their gzip and brotli bodies, strong ETags
//! and headers prebuilt. A request looks up bytes; it never touches the database or a template.

use super::html::Base;
use super::model::{self, PageModel};
use super::{badge, embed, feeds, html, v2::V2};
use crate::domain::{Id, Timestamp};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, RwLock};

/// Which body encoding a response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity = 0,
    Gzip = 1,
    Brotli = 2,
}

/// One encoding of a document: its bytes, its ETag and every response header, ready to clone,
/// and the heads of its `200` and `304` responses encoded for the front door
/// ([`crate::web::front`]).
pub struct Variant {
    pub body: Bytes,
    pub etag: HeaderValue,
    pub headers: HeaderMap,
    pub head: Bytes,
    pub head_not_modified: Bytes,
}

/// The headers of a `304 Not Modified` for a document with these: all but `Content-Type`.
pub fn not_modified(headers: &HeaderMap) -> HeaderMap {
    let mut h = headers.clone();
    h.remove(header::CONTENT_TYPE);
    h
}

/// A document in every encoding worth having.
pub struct Asset {
    variants: Vec<Variant>,
}

impl Asset {
    /// The best variant the client accepts (`Accept-Encoding`), brotli before gzip.
    pub fn pick(&self, accept_encoding: Option<&str>) -> &Variant {
        let accepts = |name: &str| {
            accept_encoding.is_some_and(|v| {
                v.split(',').any(|part| {
                    let mut it = part.split(';');
                    let coding = it.next().unwrap_or("").trim();
                    let refused = it.any(|p| matches!(p.trim().strip_prefix("q="), Some(q) if q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)));
                    coding.eq_ignore_ascii_case(name) && !refused
                })
            })
        };
        let want = if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        };
        self.variants
            .get(want as usize)
            .or_else(|| {
                self.variants
                    .get(Encoding::Gzip as usize)
                    .filter(|_| want != Encoding::Identity)
            })
            .unwrap_or(&self.variants[0])
    }

    /// The uncompressed bytes (for tests and the benchmark).
    pub fn identity(&self) -> &Bytes {
        &self.variants[0].body
    }
}

/// How a document may be cached and fetched.
#[derive(Clone, Copy)]
struct Kind {
    content_type: &'static str,
    compress: bool,
    cross_origin: bool,
    html: bool,
    /// Caches must ask every time (a live partial is fetched right after a change).
    revalidate: bool,
}

const HTML: Kind = Kind {
    content_type: "text/html; charset=utf-8",
    compress: true,
    cross_origin: false,
    html: true,
    revalidate: false,
};
const PARTIAL: Kind = Kind {
    revalidate: true,
    ..HTML
};
const JSON: Kind = Kind {
    content_type: "application/json; charset=utf-8",
    compress: true,
    cross_origin: true,
    html: false,
    revalidate: false,
};
const ATOM: Kind = Kind {
    content_type: "application/atom+xml; charset=utf-8",
    compress: true,
    cross_origin: true,
    html: false,
    revalidate: false,
};
const RSS: Kind = Kind {
    content_type: "application/rss+xml; charset=utf-8",
    compress: true,
    cross_origin: true,
    html: false,
    revalidate: false,
};
const SVG: Kind = Kind {
    content_type: "image/svg+xml",
    compress: true,
    cross_origin: true,
    html: false,
    revalidate: false,
};
const JS: Kind = Kind {
    content_type: "text/javascript; charset=utf-8",
    compress: true,
    cross_origin: true,
    html: false,
    revalidate: false,
};
const CSS: Kind = Kind {
    content_type: "text/css; charset=utf-8",
    compress: false,
    cross_origin: false,
    html: false,
    revalidate: false,
};

/// `Cache-Control` of public pages: short for browsers and CDNs, with room to serve stale.
pub const PUBLIC_CACHE: &str =
    "public, max-age=10, s-maxage=10, stale-while-revalidate=30, stale-if-error=86400";
/// `Cache-Control` of live partials: cacheable, but revalidated (by ETag) on every use.
pub const PARTIAL_CACHE: &str = "public, no-cache";
/// `Cache-Control` of private pages and everything about them.
pub const PRIVATE_CACHE: &str = "private, no-store";

fn build_asset(body: Vec<u8>, kind: Kind, private: bool) -> Asset {
    let hash = Sha256::digest(&body);
    let tag: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let mut variants = Vec::with_capacity(3);
    let encodings: &[Encoding] = if kind.compress && body.len() > 256 {
        &[Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
    } else {
        &[Encoding::Identity]
    };
    for enc in encodings {
        let (bytes, suffix, coding) = match enc {
            Encoding::Identity => (body.clone(), "", None),
            Encoding::Gzip => (gzip(&body), "-gz", Some("gzip")),
            Encoding::Brotli => (brotli(&body), "-br", Some("br")),
        };
        let etag = HeaderValue::from_str(&format!("\"{tag}{suffix}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("\"x\""));
        let mut h = HeaderMap::with_capacity(12);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(kind.content_type),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(match (private, kind.revalidate) {
                (true, _) => PRIVATE_CACHE,
                (false, true) => PARTIAL_CACHE,
                (false, false) => PUBLIC_CACHE,
            }),
        );
        h.insert(header::ETAG, etag.clone());
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if let Some(c) = coding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
        if kind.cross_origin && !private {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        if kind.html {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
            );
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            h.insert(
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            );
        }
        use crate::web::front::encode_head;
        variants.push(Variant {
            head: encode_head(StatusCode::OK, &h, Some(bytes.len())),
            head_not_modified: encode_head(StatusCode::NOT_MODIFIED, &not_modified(&h), None),
            body: Bytes::from(bytes),
            etag,
            headers: h,
        });
    }
    Asset { variants }
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::new(6),
    );
    let _ = enc.write_all(body);
    enc.finish().unwrap_or_default()
}

fn brotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        let _ = w.write_all(body);
    }
    out
}

/// One org's public documents, keyed by path under the page (`""` is the page itself).
pub struct OrgPages {
    pub org_id: Id,
    pub slug: String,
    pub custom_domain: Option<String>,
    pub private: bool,
    /// The calendar day (page zone) the uptime bars were computed for.
    pub day: String,
    pub time_zone: String,
    /// The page's overall status when it was rendered.
    pub overall: crate::domain::page::Overall,
    assets: HashMap<String, Arc<Asset>>,
    /// HTML rendered for the custom domain's root (links without the `/status/{slug}` prefix).
    domain_assets: HashMap<String, Arc<Asset>>,
}

impl OrgPages {
    /// The document at `path` (`history?month=…` is looked up as `history/…`), as served on the
    /// Beacon host or on the custom domain.
    pub fn get(&self, path: &str, on_custom_domain: bool) -> Option<&Arc<Asset>> {
        if on_custom_domain {
            if let Some(a) = self.domain_assets.get(path) {
                return Some(a);
            }
        }
        self.assets.get(path)
    }
}

/// Renders every document of a model. CPU only; call it off the async runtime.
pub fn render(m: &PageModel) -> OrgPages {
    let private = m.settings.private;
    let mut assets = HashMap::new();
    let mut domain_assets = HashMap::new();
    let put = |map: &mut HashMap<String, Asset>, path: String, body: Vec<u8>, kind: Kind| {
        map.insert(path, build_asset(body, kind, private));
    };
    let months = html::months(m);
    let mut bases = vec![(format!("/status/{}", m.slug), false)];
    if m.settings.custom_domain.is_some() {
        bases.push((String::new(), true));
    }
    let parts = html::parts(m);
    for (prefix, on_domain) in bases {
        let base = || Base {
            prefix: prefix.clone(),
            name: m.name.clone(),
            has_logo: m.settings.logo.is_some(),
            support_url: m.settings.support_url.clone(),
            time_zone: m.time_zone.clone(),
        };
        let target = if on_domain {
            &mut domain_assets
        } else {
            &mut assets
        };
        let page_base = base();
        let mut html_docs: Vec<(String, Result<String, askama::Error>, Kind)> =
            vec![(String::new(), html::page(&parts, &page_base), HTML)];
        for name in html::PARTIALS {
            html_docs.push((
                format!("partials/{name}"),
                html::partial(name, &parts, &page_base),
                PARTIAL,
            ));
        }
        for month in &months {
            html_docs.push((
                format!("history/{month}"),
                html::history(m, month, &months, base()),
                HTML,
            ));
        }
        for i in &m.incidents {
            html_docs.push((
                format!("incidents/{}", i.id),
                html::incident(m, i, base()),
                HTML,
            ));
        }
        for x in &m.maintenances {
            html_docs.push((
                format!("maintenances/{}", x.id),
                html::maintenance(m, x, base()),
                HTML,
            ));
        }
        for (path, doc, kind) in html_docs {
            match doc {
                Ok(body) => put(target, path, body.into_bytes(), kind),
                Err(e) => {
                    tracing::error!(org = %m.slug, path, error = %e, "public page failed to render")
                }
            }
        }
    }
    for (path, body) in V2::new(m).all() {
        put(&mut assets, path.to_owned(), body.into_bytes(), JSON);
    }
    put(
        &mut assets,
        "history.atom".into(),
        feeds::atom(m).into_bytes(),
        ATOM,
    );
    put(
        &mut assets,
        "history.rss".into(),
        feeds::rss(m).into_bytes(),
        RSS,
    );
    put(
        &mut assets,
        "badge.svg".into(),
        badge::overall(m.overall.indicator, m.overall.description).into_bytes(),
        SVG,
    );
    for s in &m.services {
        put(
            &mut assets,
            format!("services/{}/badge.svg", s.id),
            badge::service(&s.name, s.status).into_bytes(),
            SVG,
        );
    }
    put(
        &mut assets,
        "embed.js".into(),
        embed::script(m).into_bytes(),
        JS,
    );
    put(
        &mut assets,
        "theme.css".into(),
        format!(":root {{ --accent: {}; }}\n", m.accent).into_bytes(),
        CSS,
    );
    if let Some((mime, bytes)) = &m.settings.logo {
        let kind = Kind {
            content_type: static_mime(mime),
            compress: false,
            cross_origin: true,
            html: false,
            revalidate: false,
        };
        put(&mut assets, "logo".into(), bytes.clone(), kind);
    }
    crate::web::zerocopy::promote(
        assets
            .values_mut()
            .chain(domain_assets.values_mut())
            .flat_map(|a| a.variants.iter_mut().map(|v| &mut v.body)),
    );
    let shared = |map: HashMap<String, Asset>| {
        let mut map: HashMap<String, Arc<Asset>> =
            map.into_iter().map(|(k, a)| (k, Arc::new(a))).collect();
        // `history` without a month is this month's page.
        if let Some(current) = months
            .first()
            .and_then(|mo| map.get(&format!("history/{mo}")).cloned())
        {
            map.insert("history".to_owned(), current);
        }
        map
    };
    let (assets, domain_assets) = (shared(assets), shared(domain_assets));
    OrgPages {
        org_id: m.org_id.clone(),
        slug: m.slug.clone(),
        custom_domain: m.settings.custom_domain.clone(),
        private,
        day: today(m.now, &m.time_zone),
        time_zone: m.time_zone.clone(),
        overall: m.overall,
        assets,
        domain_assets,
    }
}

fn static_mime(mime: &str) -> &'static str {
    match mime {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/webp" => "image/webp",
        _ => "application/octet-stream",
    }
}

/// The calendar date of `now` in `zone`.
pub fn today(now: Timestamp, zone: &str) -> String {
    crate::domain::page::days(now, zone, 1)
        .into_iter()
        .next()
        .map(|d| d.0)
        .unwrap_or_default()
}

/// The host name of a `Host` header value, lowercased, without a port.
fn host_name(h: &str) -> Option<String> {
    let name = if h.starts_with('[') {
        h.split(']').next().map(|s| &s[1..])?
    } else {
        h.split(':').next()?
    };
    Some(name.to_ascii_lowercase())
}

#[derive(Default)]
struct Maps {
    by_org: HashMap<Id, Arc<OrgPages>>,
    by_slug: HashMap<String, Arc<OrgPages>>,
    by_domain: HashMap<String, Arc<OrgPages>>,
}

/// Every org's snapshot, swapped whole when one is rebuilt.
#[derive(Default)]
pub struct Store {
    maps: RwLock<Maps>,
    /// One lock per org, held from reading the database to swapping the snapshot, so a slower
    /// rebuild that read older data can never replace a newer one.
    building: std::sync::Mutex<HashMap<Id, Arc<tokio::sync::Mutex<()>>>>,
    /// Orgs whose last rebuild failed (database unreachable): retried by a worker. The flag says
    /// whether a failed rebuild was this instance's own (it records derived events), rather than
    /// a [`mirror`] of another instance's change.
    stale: std::sync::Mutex<HashMap<Id, bool>>,
}

impl Store {
    /// The pages of the org with this id.
    pub fn by_org(&self, org_id: &Id) -> Option<Arc<OrgPages>> {
        self.maps
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_org
            .get(org_id)
            .cloned()
    }

    /// The pages of the org with this slug.
    pub fn by_slug(&self, slug: &str) -> Option<Arc<OrgPages>> {
        self.maps
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_slug
            .get(slug)
            .cloned()
    }

    /// The pages served at the request's host (its `Host` header, any port and case) when that is
    /// a custom domain. Allocates nothing while no page has a custom domain.
    pub fn by_host(&self, headers: &HeaderMap) -> Option<Arc<OrgPages>> {
        self.by_host_value(headers.get(header::HOST).and_then(|h| h.to_str().ok()))
    }

    /// [`Store::by_host`] from the `Host` header's value.
    pub fn by_host_value(&self, host: Option<&str>) -> Option<Arc<OrgPages>> {
        let maps = self.maps.read().unwrap_or_else(|p| p.into_inner());
        Self::on_domain(&maps, host)
    }

    /// The pages a request's host and path name, under one read of the maps: the custom
    /// domain's (the whole path is under the page), else `/status/{slug}/…` on the Beacon host.
    /// Also the path under the page and whether it came by a custom domain.
    pub fn by_request<'p>(
        &self,
        host: Option<&str>,
        path: &'p str,
    ) -> Option<(Arc<OrgPages>, &'p str, bool)> {
        let maps = self.maps.read().unwrap_or_else(|p| p.into_inner());
        if let Some(pages) = Self::on_domain(&maps, host) {
            return Some((pages, path, true));
        }
        let rest = path.strip_prefix("/status/")?;
        let (slug, rest) = rest.split_once('/').unwrap_or((rest, ""));
        Some((maps.by_slug.get(slug)?.clone(), rest, false))
    }

    fn on_domain(maps: &Maps, host: Option<&str>) -> Option<Arc<OrgPages>> {
        if maps.by_domain.is_empty() {
            return None;
        }
        maps.by_domain.get(&host_name(host?)?).cloned()
    }

    /// Every snapshot (for the midnight check).
    pub fn all(&self) -> Vec<Arc<OrgPages>> {
        self.maps
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_org
            .values()
            .cloned()
            .collect()
    }

    /// Puts an org's new snapshot in place of its old one.
    pub fn put(&self, pages: OrgPages) {
        let pages = Arc::new(pages);
        let mut maps = self.maps.write().unwrap_or_else(|p| p.into_inner());
        Self::forget(&mut maps, &pages.org_id);
        maps.by_slug.insert(pages.slug.clone(), pages.clone());
        if let Some(d) = &pages.custom_domain {
            maps.by_domain.insert(d.clone(), pages.clone());
        }
        maps.by_org.insert(pages.org_id.clone(), pages);
    }

    /// Drops an org's snapshot (the org is gone).
    pub fn remove(&self, org_id: &Id) {
        let mut maps = self.maps.write().unwrap_or_else(|p| p.into_inner());
        Self::forget(&mut maps, org_id);
    }

    /// Removes an org's entries; a slug or domain another org holds by now stays with it.
    fn forget(maps: &mut Maps, org_id: &Id) {
        if let Some(old) = maps.by_org.remove(org_id) {
            if maps
                .by_slug
                .get(&old.slug)
                .is_some_and(|p| &p.org_id == org_id)
            {
                maps.by_slug.remove(&old.slug);
            }
            if let Some(d) = &old.custom_domain {
                if maps.by_domain.get(d).is_some_and(|p| &p.org_id == org_id) {
                    maps.by_domain.remove(d);
                }
            }
        }
    }

    fn lock_for(&self, org_id: &Id) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.building.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(org_id.clone()).or_default().clone()
    }

    /// Orgs waiting for a rebuild that failed, cleared as they are taken; `true` to [`rebuild`],
    /// `false` to [`mirror`].
    pub fn take_stale(&self) -> Vec<(Id, bool)> {
        self.stale
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect()
    }

    fn mark_stale(&self, org_id: &Id, derive_events: bool) {
        *self
            .stale
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(org_id.clone())
            .or_default() |= derive_events;
    }
}

/// Rebuilds one org's snapshot from the database. If the database cannot be read, the old
/// snapshot stays and keeps being served.
pub async fn rebuild(state: &crate::state::AppState, org_id: &Id) -> crate::db::Result<()> {
    let result = rebuild_locked(state, org_id, true).await;
    if result.is_err() {
        state.snapshots.mark_stale(org_id, true);
    }
    result
}

/// Rebuilds one org's snapshot after a change made through another instance. Unlike
/// [`rebuild`], it records no `page.status_changed`: the writing instance already did, and every
/// other instance doing it too would repeat the event.
pub async fn mirror(state: &crate::state::AppState, org_id: &Id) -> crate::db::Result<()> {
    let result = rebuild_locked(state, org_id, false).await;
    if result.is_err() {
        state.snapshots.mark_stale(org_id, false);
    }
    result
}

async fn rebuild_locked(
    state: &crate::state::AppState,
    org_id: &Id,
    derive_events: bool,
) -> crate::db::Result<()> {
    let lock = state.snapshots.lock_for(org_id);
    let _guard = lock.lock().await;
    let now = state.now();
    let base_url = state.config.base_url();
    let loaded = match state.db.conn().await {
        Ok(mut c) => model::load(&mut c, org_id, &base_url, now).await,
        Err(e) => Err(e),
    };
    match loaded {
        Ok(m) => {
            let pages = tokio::task::spawn_blocking(move || render(&m))
                .await
                .map_err(|e| crate::db::Error::Other(sqlx::Error::Protocol(e.to_string())))?;
            let before = state.snapshots.by_org(org_id).map(|p| p.overall);
            let after = pages.overall;
            state.snapshots.put(pages);
            let changed = before.filter(|b| derive_events && b.indicator != after.indicator);
            if let Some(before) = changed {
                page_status_changed(state, org_id, now, &before, &after).await?;
            }
            Ok(())
        }
        Err(crate::db::Error::NotFound) => {
            state.snapshots.remove(org_id);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Records `page.status_changed`. This event is derived: it is noticed after the writes that
/// caused it have committed (when the snapshot is rebuilt), so it is written in its own small
/// transaction and follows their events in the org's log.
async fn page_status_changed(
    state: &crate::state::AppState,
    org_id: &Id,
    now: Timestamp,
    before: &crate::domain::page::Overall,
    after: &crate::domain::page::Overall,
) -> crate::db::Result<()> {
    let data = serde_json::json!({
        "status": {"indicator": after.indicator.as_str(), "description": after.description},
        "old_status": {"indicator": before.indicator.as_str(), "description": before.description},
    });
    let mut tx = state.db.begin().await?;
    crate::db::events::append(
        &mut tx,
        org_id,
        crate::ops::events::EventType::PageStatusChanged.as_str(),
        now,
        true,
        &data,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Rebuilds every org's snapshot (at start).
pub async fn rebuild_all(state: &crate::state::AppState) -> crate::db::Result<()> {
    let ids = crate::db::pages::all_org_ids(&mut *state.db.conn().await?).await?;
    for id in ids {
        rebuild(state, &id).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn hosts_lose_their_port_and_case() {
        assert_eq!(
            host_name("Status.Example.com:8080").as_deref(),
            Some("status.example.com")
        );
        assert_eq!(host_name("[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(host_name("example.org").as_deref(), Some("example.org"));
    }
}
