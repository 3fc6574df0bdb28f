//! The test harness: each test gets the real app on port 0 with its own fresh database
//! (a temp SQLite file, or a new PostgreSQL database when `BEACON_TEST_DATABASE_URL` is set),
//! a clock it can move, and HTTP helpers.
#![allow(dead_code)]

use beacon::app::App;
use beacon::clock::{Clock, ManualClock, SystemClock};
use beacon::config::{Config, SignupMode};
use beacon::domain::{Id, Role};
use beacon::ops::{self, accounts::NewAccount, Actor, OrgAccess};
use beacon::state::AppState;
use reqwest::StatusCode;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

/// A running Beacon for one test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub setup_url: Option<String>,
    pub http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    db: Option<TestDb>,
    signup: SignupMode,
}

/// Starts Beacon with open sign-up.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(SignupMode::Open).await
}

/// Starts Beacon with the given sign-up mode.
pub async fn spawn_app_with(signup: SignupMode) -> TestApp {
    let db = TestDb::new().await;
    let clock = ManualClock::new(SystemClock.now());
    let url = db.url.clone();
    start(Some(db), &url, clock, signup).await
}

/// Starts a second instance on `app`'s database and clock, as another server sharing it would be.
/// `app` keeps the database: drop the second instance first (or with it).
pub async fn spawn_second(app: &TestApp) -> TestApp {
    let url = app
        .db
        .as_ref()
        .expect("the first instance owns the database")
        .url
        .clone();
    start(None, &url, app.clock.clone(), app.signup).await
}

/// Starts Beacon with open sign-up and settings changed by `tweak`.
pub async fn spawn_app_configured(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new().await;
    let clock = ManualClock::new(SystemClock.now());
    let url = db.url.clone();
    let mut config = Config::for_database(&url);
    tweak(&mut config);
    start_with(Some(db), config, clock).await
}

async fn start(db: Option<TestDb>, url: &str, clock: ManualClock, signup: SignupMode) -> TestApp {
    let mut config = Config::for_database(url);
    config.signup = signup;
    start_with(db, config, clock).await
}

async fn start_with(db: Option<TestDb>, config: Config, clock: ManualClock) -> TestApp {
    let signup = config.signup;
    let app = App::build(config, Arc::new(clock.clone()))
        .await
        .expect("app builds");
    let addr = app.local_addr();
    let state = app.state().clone();
    let setup_url = app.setup_url().map(str::to_owned);
    let server = tokio::spawn(async move {
        let _ = app.run_until_stopped(std::future::pending()).await;
    });
    TestApp {
        addr,
        base: format!("http://{addr}"),
        state,
        clock,
        setup_url,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        server,
        db,
        signup,
    }
}

/// A user made for a test, with the org it was put in.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: Id,
    pub email: String,
    pub password: String,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// Stops this server (as a crash would: no goodbye) and starts a new one on the same database
    /// and clock.
    pub async fn restart(mut self) -> TestApp {
        self.server.abort();
        let _ = (&mut self.server).await;
        self.state.db.pool().close().await;
        let db = self.db.take().expect("the database is still here");
        let url = db.url.clone();
        start(Some(db), &url, self.clock.clone(), self.signup).await
    }

    /// An absolute URL on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates an account directly.
    pub async fn user(&self, email: &str) -> TestUser {
        let account = NewAccount::parse(email, email.split('@').next().unwrap(), PASSWORD).unwrap();
        let user = ops::accounts::create_user(&self.state, account)
            .await
            .unwrap();
        TestUser {
            id: user.id,
            email: user.email,
            password: PASSWORD.to_owned(),
        }
    }

    /// Creates an org owned by a new user `owner@<slug>.test`; returns the owner.
    pub async fn org(&self, slug: &str) -> TestUser {
        let owner = self.user(&format!("owner@{slug}.test")).await;
        let user = beacon::db::users::get(&mut self.state.db.conn().await.unwrap(), &owner.id)
            .await
            .unwrap();
        ops::orgs::create(&self.state, &user, slug, &format!("Org {slug}"))
            .await
            .unwrap();
        owner
    }

    /// Adds a new user to the org with a role, directly.
    pub async fn member(&self, slug: &str, email: &str, role: Role) -> TestUser {
        let user = self.user(email).await;
        let mut c = self.state.db.conn().await.unwrap();
        let org = beacon::db::orgs::find_by_slug(&mut c, slug)
            .await
            .unwrap()
            .unwrap();
        beacon::db::members::insert(&mut c, &org.id, self.state.now(), &user.id, role)
            .await
            .unwrap();
        user
    }

    /// An API token of the org with a role (created as its first owner would).
    pub async fn token(&self, slug: &str, role: Role) -> String {
        let mut c = self.state.db.conn().await.unwrap();
        let org = beacon::db::orgs::find_by_slug(&mut c, slug)
            .await
            .unwrap()
            .unwrap();
        drop(c);
        let access = OrgAccess {
            org,
            role: Role::Owner,
            actor: Actor::token("test-setup"),
        };
        ops::tokens::create(&self.state, &access, &format!("{role} token"), role)
            .await
            .unwrap()
            .1
    }

    /// Emails queued for an address, oldest first.
    pub async fn emails_to(&self, email: &str) -> Vec<beacon::db::outbox::Email> {
        beacon::db::outbox::emails_to(&mut self.state.db.conn().await.unwrap(), email)
            .await
            .unwrap()
    }

    /// The first link to this server in the newest email to an address.
    pub async fn link_in_last_email(&self, email: &str) -> String {
        let emails = self.emails_to(email).await;
        let body = &emails.last().expect("an email was queued").body;
        let start = body.find(&self.base).expect("the email holds a link");
        body[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Sends a request with an optional bearer token and JSON body; returns status and JSON.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.unwrap();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    /// A browser-like client with its own cookie jar.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// A browser already signed in as `user`.
    pub async fn signed_in(&self, user: &TestUser) -> Browser {
        let b = self.browser();
        let res = b
            .submit(
                "/login",
                "/login",
                &[("email", &user.email), ("password", &user.password)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {} works",
            user.email
        );
        b
    }
}

/// A cookie-keeping client that fills forms the way a browser does (CSRF field included).
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    /// GETs a page; returns status and body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Loads `page` (for its CSRF token) and posts `fields` to `action`.
    pub async fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let (_, html) = self.get(page).await;
        let csrf = csrf_of(&html).unwrap_or_default();
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}{action}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_of(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}

/// The redirect target of a response.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A fresh database: a temp SQLite file, or a new PostgreSQL database dropped afterwards.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempdir::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("BEACON_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                use sqlx::Connection;
                sqlx::any::install_default_drivers();
                let name = format!("beacon_test_{}", beacon::domain::ids::random_string(12));
                let mut conn = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .expect("connect to BEACON_TEST_DATABASE_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin_url.split('?').next().unwrap();
                let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
                TestDb {
                    url,
                    _dir: None,
                    pg: Some((admin_url, name)),
                }
            }
            _ => {
                let dir = tempdir::TempDir::new();
                let url = format!("sqlite:{}", dir.path().join("beacon.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // Best effort, on a thread of its own: the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::AnyConnection::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A minimal temporary directory (removed on drop), to avoid a dependency for one type.
pub mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> TempDir {
            let path = std::env::temp_dir().join(format!(
                "beacon-test-{}",
                beacon::domain::ids::random_string(12)
            ));
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
