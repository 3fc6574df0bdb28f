//! The application: built from a configuration, bound to a port, served until told to stop.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;
use anyhow::Context;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use futures_util::future::Either;
use http_body_util::Either as BodyEither;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// A built, bound, not yet serving Beacon.
pub struct App {
    listener: TcpListener,
    state: AppState,
    setup_url: Option<String>,
    /// With PostgreSQL: the connection hearing other instances' changes, open before the first
    /// snapshot build so no change falls in between.
    events: Option<sqlx::postgres::PgListener>,
}

impl App {
    /// Connects and migrates the database, binds the listener (port 0 picks a free port), listens
    /// for other instances' changes (PostgreSQL), and opens the one-time setup link when no
    /// account exists.
    pub async fn build(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        let db = Db::connect(&config.database_url).await.with_context(|| {
            format!(
                "connecting to the database at {}",
                crate::config::redact_url(&config.database_url)
            )
        })?;
        db.migrate().await.context("migrating the database")?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {} (--bind / BEACON_BIND)", config.bind))?;
        let addr = listener.local_addr()?;
        if config.base_url.is_none() {
            config.base_url = Some(format!("http://{addr}"));
        }
        let events = match db.backend() {
            crate::db::Backend::Postgres => Some(
                crate::worker::listener::connect(&config.database_url)
                    .await
                    .context("listening for other instances' changes")?,
            ),
            crate::db::Backend::Sqlite => None,
        };
        let state = AppState::new(db, config, clock);
        crate::public::snapshot::rebuild_all(&state)
            .await
            .context("building the public pages")?;
        let no_users = crate::db::users::count(&mut *state.db.conn().await?).await? == 0;
        let setup_url = if no_users {
            let token = crate::domain::ids::random_string(32);
            *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
            Some(state.url(&format!("/setup?token={token}")))
        } else {
            None
        };
        Ok(App {
            listener,
            state,
            setup_url,
            events,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state (database, clock, settings).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The one-time setup URL, while no account exists.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and returns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let _workers = AbortOnDrop(crate::worker::spawn_all(&self.state, self.events));
        let router = crate::web::router(self.state.clone());
        // Live streams never finish on their own: end them when shutdown starts.
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            state.live.close();
        };
        serve(self.listener, self.state, router, shutdown).await;
        Ok(())
    }
}

/// Accepts connections and serves each first with the front door ([`crate::web::front`]), which
/// answers plain `GET`s of public documents itself, then with hyper's HTTP/1 connection directly
/// (upgrades on, for WebSocket), giving handlers the peer as `ConnectInfo<SocketAddr>`. Not
/// `axum::serve`: its connection handling makes hyper keep a larger read buffer per connection,
/// which measured 20.5 KiB against 10.9 KiB per idle live stream (BENCHMARKS.md, "Live
/// updates"). On hyper's connections too a public page's documents are answered before the
/// router is reached ([`crate::web::public::fast`]).
/// When `shutdown` completes it stops accepting, asks every connection to finish its in-flight
/// request, and returns once all have closed.
async fn serve(
    listener: TcpListener,
    state: AppState,
    router: Router,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, _) = watch::channel(false);
    let (open_tx, open_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let lanes = Lanes::start();
    let main = tokio::runtime::Handle::current();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // As nginx's `tcp_nodelay`: a response's last segment goes out without waiting for
        // the client's ACK of the one before.
        let _ = tcp.set_nodelay(true);
        let Ok(tcp) = tcp.into_std() else { continue };
        let connection = Connection {
            state: state.clone(),
            router: router.clone(),
            peer,
            stopping: stop.subscribe(),
            open: open_rx.clone(),
            main: main.clone(),
        };
        lanes.next().spawn(connection.front(tcp));
    }
    drop(listener);
    stop.send_replace(true);
    drop(open_rx);
    open_tx.closed().await;
    drop(lanes);
}

/// One accepted connection and what serving it takes.
struct Connection {
    state: AppState,
    router: Router,
    peer: SocketAddr,
    stopping: watch::Receiver<bool>,
    /// Held until the connection closes: serving ends once every one is gone.
    open: watch::Receiver<()>,
    /// The main runtime, where hyper serves a connection the front door hands over.
    main: tokio::runtime::Handle,
}

impl Connection {
    /// The front door, on a lane; hyper on the main runtime from the first request it does not
    /// answer.
    async fn front(self, tcp: std::net::TcpStream) {
        let Ok(tcp) = tokio::net::TcpStream::from_std(tcp) else {
            return;
        };
        let state = self.state.clone();
        let idle = state.config.idle_timeout;
        let stopping = self.stopping.clone();
        let main = self.main.clone();
        let hand_over = move |rewind: crate::web::front::Rewind| async move {
            match rewind.into_std() {
                Ok((tcp, read)) => {
                    main.spawn(self.hyper(tcp, read));
                }
                Err(e) => tracing::debug!(error = %e, "handing a connection over failed"),
            }
        };
        crate::web::front::serve(
            crate::web::zerocopy::Conn::new(tcp),
            &state,
            idle,
            stopping,
            hand_over,
        )
        .await;
    }

    /// Hyper serves the connection, starting with the bytes the front door read.
    async fn hyper(self, tcp: std::net::TcpStream, read: axum::body::Bytes) {
        let Ok(tcp) = tokio::net::TcpStream::from_std(tcp) else {
            return;
        };
        let Connection {
            state,
            router,
            peer,
            stopping,
            open,
            ..
        } = self;
        let idle = state.config.idle_timeout;
        let service = service_fn(move |mut req: Request<Incoming>| {
            if let Some(response) = crate::web::public::fast(&state, &req) {
                return Either::Left(std::future::ready(Ok::<_, Infallible>(
                    response.map(BodyEither::Left),
                )));
            }
            req.extensions_mut().insert(ConnectInfo(peer));
            let routed = router.clone().oneshot(req.map(Body::new));
            Either::Right(async move {
                let response = routed.await?;
                Ok(response.map(BodyEither::Right))
            })
        });
        let io = crate::web::front::Rewind::new(crate::web::zerocopy::Conn::new(tcp), read);
        // Hyper's header read timeout: a client slow to send a request head, or a kept-alive
        // connection idle that long, is closed.
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(idle)
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let mut conn = std::pin::pin!(conn);
        let served = tokio::select! {
            served = conn.as_mut() => served,
            () = until_true(stopping) => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = served {
            tracing::debug!(error = %e, "connection ended with an error");
        }
        drop(open);
    }
}

/// One single-threaded runtime per core (a lane), each serving the front door of the
/// connections dealt to it in turn, as nginx runs one worker process per core: a connection's
/// requests are read, answered and woken on one thread, with no hand-offs between the threads
/// of a shared scheduler. Everything else (the router, live streams, workers) stays on the main
/// runtime, to which the front door hands a connection it does not answer. On the page
/// benchmark this served 5-15% more requests per second than the front door on the main
/// runtime's two workers.
///
/// Dropping it ends the lanes, and with them any connection still on one.
struct Lanes {
    lanes: Vec<(
        tokio::runtime::Handle,
        Option<tokio::sync::oneshot::Sender<()>>,
    )>,
    next: std::sync::atomic::AtomicUsize,
}

impl Lanes {
    /// Starts one lane per core.
    fn start() -> Lanes {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        let lanes = (0..n)
            .filter_map(|i| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                let handle = rt.handle().clone();
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                std::thread::Builder::new()
                    .name(format!("beacon-lane-{i}"))
                    .spawn(move || {
                        rt.block_on(async move {
                            let _ = rx.await;
                        });
                    })
                    .ok()?;
                Some((handle, Some(tx)))
            })
            .collect();
        Lanes {
            lanes,
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The lane for the next connection (the current runtime if no lane could start).
    fn next(&self) -> tokio::runtime::Handle {
        if self.lanes.is_empty() {
            return tokio::runtime::Handle::current();
        }
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.lanes.len();
        self.lanes[i].0.clone()
    }
}

impl Drop for Lanes {
    fn drop(&mut self) {
        for (_, stop) in &mut self.lanes {
            if let Some(stop) = stop.take() {
                let _ = stop.send(());
            }
        }
    }
}

/// Completes once the watched flag is true (or its sender is gone).
async fn until_true(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}

/// Stops the workers when serving ends, however it ends (even if the serving future is dropped).
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for w in &self.0 {
            w.abort();
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
