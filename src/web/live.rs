//! Live streams: Server-Sent Events and WebSocket, for a public page (public events only) and for
//! the dashboard API (every event of the org). Both read events from the store by id after a
//! notice, resume from a client's last id within the replay window, and answer any gap they
//! cannot fill, or a lag, with one `resync`.

use super::error::{code_for, json_error};
use super::websocket::{Socket, Upgrade, GOING_AWAY};
use crate::db::{self, events::Event as Stored};
use crate::domain::{Id, Permission, Timestamp};
use crate::events::{Notice, StreamSlot};
use crate::ops::events::EventType;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

/// Events read from the store per query.
const BATCH: i64 = 500;

/// One message for a client, as a WebSocket frame and as a Server-Sent Events frame. Live
/// events' are shared by every stream they go to (rendered once per event, not once per client).
pub struct Outgoing {
    pub ws: axum::body::Bytes,
    pub sse: axum::body::Bytes,
}

/// One client's view of one org's log.
pub struct Feed {
    state: AppState,
    org_id: Id,
    slug: String,
    public_only: bool,
    /// The last id this client has been given (or skipped past).
    cursor: i64,
    /// The newest id a notice announced.
    wanted: i64,
    notices: broadcast::Receiver<std::sync::Arc<Notice>>,
    /// Kept for the stream's life (not made anew for every wait).
    closing: tokio::sync::watch::Receiver<bool>,
    pending: VecDeque<Outgoing>,
    /// A notice was missed: resync before anything else.
    lagged: bool,
    _slot: StreamSlot,
}

impl Feed {
    /// Subscribes first, then reads where the log stands, so no notice falls in between. With
    /// `after`, replays what followed it if all of it is inside the replay window.
    async fn open(
        state: &AppState,
        org_id: &Id,
        slug: &str,
        public_only: bool,
        after: Option<i64>,
        slot: StreamSlot,
    ) -> db::Result<Feed> {
        let notices = state.live.subscribe();
        let mut c = state.db.conn().await?;
        let latest = db::events::latest_id(&mut c, org_id).await?;
        state.live.opened_at(org_id, latest).await;
        let mut feed = Feed {
            state: state.clone(),
            org_id: org_id.clone(),
            slug: slug.to_owned(),
            public_only,
            cursor: latest,
            wanted: latest,
            notices,
            closing: state.live.closing(),
            pending: VecDeque::new(),
            lagged: false,
            _slot: slot,
        };
        if let Some(after) = after.filter(|a| *a != latest) {
            let window =
                i64::try_from(state.config.event_replay_window.as_micros()).unwrap_or(i64::MAX);
            let not_before = Timestamp::from_micros(state.now().micros().saturating_sub(window));
            let next = db::events::since(&mut c, org_id, after, not_before, 1).await?;
            if after >= 0 && after < latest && next.first().map(|e| e.id) == Some(after + 1) {
                feed.cursor = after;
            } else {
                feed.resync();
            }
        }
        Ok(feed)
    }

    /// The next message, or `None` when the server shuts down or the store fails.
    pub async fn next(&mut self) -> Option<Outgoing> {
        loop {
            if let Some(o) = self.pending.pop_front() {
                return Some(o);
            }
            if self.wanted > self.cursor {
                if let Err(e) = self.fill().await {
                    tracing::warn!(error = %e, "live stream ended: events not readable");
                    return None;
                }
                continue;
            }
            if std::mem::take(&mut self.lagged) {
                let mut c = self.state.db.conn().await.ok()?;
                let latest = db::events::latest_id(&mut c, &self.org_id).await.ok()?;
                self.cursor = latest;
                self.wanted = latest;
                self.resync();
                continue;
            }
            let notice = tokio::select! {
                _ = self.closing.wait_for(|c| *c) => return None,
                notice = self.notices.recv() => notice,
            };
            match notice {
                Ok(n) => self.take(&n),
                Err(RecvError::Lagged(_)) => self.lagged = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The next message if one is ready now, without waiting or reading the store: what a
    /// stream adds to the write it is about to make.
    pub fn ready(&mut self) -> Option<Outgoing> {
        loop {
            if let Some(o) = self.pending.pop_front() {
                return Some(o);
            }
            if self.wanted > self.cursor || self.lagged {
                return None;
            }
            match self.notices.try_recv() {
                Ok(n) => self.take(&n),
                Err(TryRecvError::Lagged(_)) => self.lagged = true,
                Err(_) => return None,
            }
        }
    }

    /// Takes in a notice: its batch's events, when the batch starts at or before where this
    /// client stands (as rendered once for every stream), or else where the log now reaches.
    fn take(&mut self, n: &Notice) {
        if n.org_id != self.org_id {
            return;
        }
        match &n.batch {
            Some(b) if b.after <= self.cursor && self.wanted == self.cursor => {
                let from = self.cursor;
                for e in b.events.iter().filter(|e| e.id > from) {
                    self.cursor = e.id;
                    let shared = if self.public_only {
                        e.public.as_ref()
                    } else {
                        Some(&e.full)
                    };
                    if let Some(frames) = shared {
                        self.pending.push_back(Outgoing {
                            ws: frames.ws.clone(),
                            sse: frames.sse.clone(),
                        });
                    }
                }
                self.wanted = self.wanted.max(self.cursor);
            }
            _ => self.wanted = self.wanted.max(n.last_id),
        }
    }

    /// Reads the events after the cursor from the store, queueing those this client may see.
    async fn fill(&mut self) -> db::Result<()> {
        self.state.live.count_store_read();
        let mut c = self.state.db.conn().await?;
        let events = db::events::since(
            &mut c,
            &self.org_id,
            self.cursor,
            Timestamp::from_micros(0),
            BATCH,
        )
        .await?;
        if events.is_empty() {
            self.wanted = self.cursor;
        }
        for e in events {
            self.cursor = e.id;
            if !self.public_only || e.public {
                self.pending.push_back(self.envelope(&e));
            }
        }
        Ok(())
    }

    fn envelope(&self, e: &Stored) -> Outgoing {
        let json = crate::events::envelope(&self.slug, e, self.public_only);
        Outgoing {
            sse: crate::events::sse_frame(e.id, &e.kind, &json),
            ws: super::websocket::text_frame(&json),
        }
    }

    /// Queues one `resync`: the client should reload its state; its id is where the log stands.
    fn resync(&mut self) {
        let e = Stored {
            id: self.cursor,
            kind: EventType::Resync.as_str().into(),
            at: self.state.now(),
            public: true,
            data: serde_json::json!({}),
        };
        self.pending.clear();
        self.pending.push_back(self.envelope(&e));
    }
}

/// The client's address: the peer, or what a trusted proxy says it forwarded for.
fn client_ip(state: &AppState, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let trusted = &state.config.trusted_proxies;
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

fn too_many() -> Response {
    json_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many open live streams from your address",
        BTreeMap::new(),
    )
}

fn unavailable() -> Response {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        code_for(StatusCode::SERVICE_UNAVAILABLE),
        "live updates are unavailable right now",
        BTreeMap::new(),
    )
}

/// Opens a feed for a client, or answers why not.
async fn feed_for(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    org: (&Id, &str),
    public_only: bool,
    after: Option<i64>,
) -> Result<Feed, Response> {
    let ip = client_ip(state, peer.ip(), headers);
    let slot = state
        .live
        .open_stream(ip, state.config.max_streams_per_ip)
        .ok_or_else(too_many)?;
    Feed::open(state, org.0, org.1, public_only, after, slot)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "live stream not opened");
            unavailable()
        })
}

/// The keep-alive clock of one stream: first tick one period after it opens.
fn heartbeat(state: &AppState) -> tokio::time::Interval {
    let every = state.config.live_heartbeat;
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    beat
}

fn sse(feed: Feed) -> Response {
    // Frames are written as prebuilt bytes (shared by every stream for live events); a comment
    // line every `live_heartbeat` (15 s) keeps proxies from closing the connection. One interval
    // per stream, not a timeout armed per event: with thousands of streams, each timer counts.
    let beat = heartbeat(&feed.state);
    let stream = futures_util::stream::unfold((feed, beat), |(mut f, mut beat)| async move {
        let frame = tokio::select! {
            next = f.next() => match next {
                Some(o) => o.sse,
                None => return None,
            },
            _ = beat.tick() => axum::body::Bytes::from_static(b":\n\n"),
        };
        Some((Ok::<_, Infallible>(frame), (f, beat)))
    });
    let mut r = Response::new(axum::body::Body::from_stream(stream));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}

/// While events come faster than this, a WebSocket stream writes at most once per this long
/// (the first event after a quiet spell goes at once).
const COALESCE: std::time::Duration = std::time::Duration::from_millis(50);

async fn ws(mut socket: Socket, mut feed: Feed) {
    // A ping every `live_heartbeat` (15 s), as SSE's heartbeat: proxies keep the connection,
    // and a peer that has gone away is noticed when the write fails.
    let mut beat = heartbeat(&feed.state);
    let mut last_write = None;
    loop {
        tokio::select! {
            _ = beat.tick() => {
                if socket.ping().await.is_err() {
                    return;
                }
            }
            item = feed.next() => match item {
                Some(o) => {
                    // In a burst, wait out the rest of the window since the last write, so
                    // what arrives meanwhile goes in the same write: a client gets a burst in
                    // a few writes, not one per event, whatever the server's pace.
                    if let Some(due) = last_write.map(|at| at + COALESCE) {
                        if due > tokio::time::Instant::now() {
                            tokio::time::sleep_until(due).await;
                        }
                    }
                    let mut frames = vec![o.ws];
                    frames.extend(std::iter::from_fn(|| feed.ready().map(|o| o.ws)));
                    if socket.send(&frames).await.is_err() {
                        return;
                    }
                    last_write = Some(tokio::time::Instant::now());
                }
                None => return socket.close(GOING_AWAY, "server going away").await,
            },
            heard = socket.hear() => {
                if socket.answer(&heard).await.is_err() || heard.end {
                    return;
                }
            }
        }
    }
}

fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// `?since=<id>` of a WebSocket.
#[derive(serde::Deserialize)]
pub struct Since {
    pub since: Option<i64>,
}

/// The org behind a public page, if the caller may see it (same rule as the page: a private
/// page only for signed-in members).
async fn public_org(state: &AppState, slug: &str, headers: &HeaderMap) -> Result<Id, Response> {
    let not_found =
        || super::dashboard::error_page(StatusCode::NOT_FOUND, "There is nothing at this address.");
    let pages = state.snapshots.by_slug(slug).ok_or_else(not_found)?;
    if pages.private {
        let member = match super::extract::session_user(state, headers).await {
            Ok(Some((user, _))) => {
                let mut c = state.db.conn().await.map_err(|_| unavailable())?;
                db::members::role_of(&mut c, &pages.org_id, &user.id)
                    .await
                    .ok()
                    .flatten()
                    .is_some()
            }
            _ => false,
        };
        if !member {
            let to = format!("/login?next=/status/{}", pages.slug);
            return Err((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response());
        }
    }
    Ok(pages.org_id.clone())
}

/// `GET /status/{slug}/events`: the public page's events as Server-Sent Events.
pub async fn public_sse(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    public_sse_for(&state, &slug, peer, &headers).await
}

/// The public page's events for `slug`, wherever the page is served (Beacon host or custom domain).
pub async fn public_sse_for(
    state: &AppState,
    slug: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Response {
    let org_id = match public_org(state, slug, headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let after = last_event_id(headers);
    match feed_for(state, peer, headers, (&org_id, slug), true, after).await {
        Ok(feed) => sse(feed),
        Err(r) => r,
    }
}

/// `GET /status/{slug}/ws`: the public page's events over a WebSocket.
pub async fn public_ws(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<Since>,
    headers: HeaderMap,
    upgrade: Upgrade,
) -> Response {
    public_ws_for(&state, &slug, peer, &headers, q.since, upgrade).await
}

/// The public page's events for `slug` over a WebSocket, wherever the page is served (Beacon
/// host or custom domain).
pub async fn public_ws_for(
    state: &AppState,
    slug: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
    since: Option<i64>,
    upgrade: Upgrade,
) -> Response {
    let org_id = match public_org(state, slug, headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    match feed_for(state, peer, headers, (&org_id, slug), true, since).await {
        Ok(feed) => upgrade.on_upgrade(move |socket| ws(socket, feed)),
        Err(r) => r,
    }
}

/// `GET /api/v1/orgs/{org}/events`: every event of the org as Server-Sent Events.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{org}/events",
    tag = "live",
    params(
        ("org" = String, Path, description = "Organization slug"),
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id"),
    ),
    responses(
        (status = 200, description = "A stream of events; each `data:` is an EventEnvelope", content_type = "text/event-stream", body = EventEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn api_sse(
    State(state): State<AppState>,
    super::extract::ApiOrg(access): super::extract::ApiOrg,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = access.require(Permission::ReadDashboard) {
        return super::error::ApiError(e).into_response();
    }
    let after = last_event_id(&headers);
    let org = (access.org_id(), access.org.slug.as_str());
    match feed_for(&state, peer, &headers, org, false, after).await {
        Ok(feed) => sse(feed),
        Err(r) => r,
    }
}

/// `GET /api/v1/orgs/{org}/ws`: every event of the org over a WebSocket.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{org}/ws",
    tag = "live",
    params(
        ("org" = String, Path, description = "Organization slug"),
        ("since" = Option<i64>, Query, description = "Resume after this event id"),
    ),
    responses(
        (status = 101, description = "Switching to a WebSocket; each text message is an EventEnvelope", body = EventEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn api_ws(
    State(state): State<AppState>,
    super::extract::ApiOrg(access): super::extract::ApiOrg,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<Since>,
    headers: HeaderMap,
    upgrade: Upgrade,
) -> Response {
    if let Err(e) = access.require(Permission::ReadDashboard) {
        return super::error::ApiError(e).into_response();
    }
    let org = (access.org_id(), access.org.slug.as_str());
    match feed_for(&state, peer, &headers, org, false, q.since).await {
        Ok(feed) => upgrade.on_upgrade(move |socket| ws(socket, feed)),
        Err(r) => r,
    }
}

/// The envelope of every live event (SSE `data:` and WebSocket text message).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventEnvelope {
    /// The event's id in its org's log: 1, 2, 3… (a `resync` carries where the log stands).
    pub id: i64,
    /// What happened.
    #[schema(value_type = String, example = "incident.created")]
    pub r#type: EventType,
    /// The org's slug.
    pub org: String,
    /// When it happened (RFC 3339).
    pub at: String,
    /// The object, shaped like Statuspage v2: `component`, `incident`, `incident_update`,
    /// `scheduled_maintenance` or `status`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}
