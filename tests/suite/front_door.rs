//! The front door: plain `GET`s of public documents answered before hyper, over raw TCP, and
//! the same answers as hyper gives once a connection is handed to it.

use crate::common::{spawn_app, spawn_app_configured, TestApp};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

/// One response read off a raw connection.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// Lowercased names; `date` left out (it moves with the clock).
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A raw HTTP/1.1 connection to the app.
struct Raw {
    reader: BufReader<TcpStream>,
}

impl Raw {
    async fn open(app: &TestApp) -> Raw {
        Raw {
            reader: BufReader::new(TcpStream::connect(app.addr).await.unwrap()),
        }
    }

    async fn send(&mut self, bytes: &str) {
        self.reader
            .get_mut()
            .write_all(bytes.as_bytes())
            .await
            .unwrap();
    }

    /// Reads the next response (a body by `Content-Length`; none for a 304).
    async fn answer(&mut self) -> Answer {
        timeout(WAIT, async {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            assert!(line.starts_with("HTTP/1.1 "), "a status line: {line:?}");
            let status = line[9..12].parse().unwrap();
            let mut headers = BTreeMap::new();
            loop {
                line.clear();
                self.reader.read_line(&mut line).await.unwrap();
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                let (name, value) = l.split_once(": ").expect("a header line");
                let name = name.to_ascii_lowercase();
                if name == "date" {
                    assert!(value.ends_with(" GMT"), "an HTTP date: {value:?}");
                    continue;
                }
                assert!(
                    headers.insert(name, value.to_owned()).is_none(),
                    "no header twice: {l}"
                );
            }
            let len: usize = headers
                .get("content-length")
                .map_or(0, |v| v.parse().unwrap());
            let mut body = vec![0; len];
            self.reader.read_exact(&mut body).await.unwrap();
            Answer {
                status,
                headers,
                body,
            }
        })
        .await
        .expect("an answer within 10 s")
    }

    /// Whether the server closed the connection (reads end) within 10 s.
    async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(
            timeout(WAIT, self.reader.read_to_end(&mut rest)).await,
            Ok(Ok(0))
        )
    }
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: beacon.test\r\n{extra}\r\n")
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_and_the_rest_of_the_connection_goes_to_hyper() {
    let app = spawn_app().await;
    app.org("acme").await;
    let status = app
        .http
        .get(app.url("/status/acme/api/v2/status.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut raw = Raw::open(&app).await;
    // Three requests in one write: two documents, then one the front door hands to hyper,
    // then a document again (hyper answers it now).
    raw.send(&format!(
        "{}{}{}{}",
        get("/status/acme/api/v2/status.json", ""),
        get("/status/acme/badge.svg", ""),
        get("/healthz", ""),
        get("/status/acme/api/v2/status.json", ""),
    ))
    .await;
    let first = raw.answer().await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, status);
    let badge = raw.answer().await;
    assert_eq!(badge.status, 200);
    assert!(badge.headers["content-type"].starts_with("image/svg+xml"));
    let health = raw.answer().await;
    assert_eq!((health.status, &health.body[..]), (200, &b"ok"[..]));
    let again = raw.answer().await;
    assert_eq!((again.status, &again.body), (200, &first.body));
    assert_eq!(again.headers, first.headers);
    // A path with no document, then a method the front door leaves alone.
    raw.send(&get("/status/acme/nothing-here", "")).await;
    assert_eq!(raw.answer().await.status, 404);
    let mut raw = Raw::open(&app).await;
    raw.send(&get("/status/nobody", "")).await;
    assert_eq!(raw.answer().await.status, 404);
    let mut raw = Raw::open(&app).await;
    raw.send("DELETE /status/acme HTTP/1.1\r\nHost: beacon.test\r\n\r\n")
        .await;
    assert!(raw.answer().await.status >= 400);
}

#[tokio::test]
async fn the_front_door_and_hyper_give_the_same_answers() {
    let app = spawn_app().await;
    app.org("acme").await;
    let docs = [
        "/status/acme",
        "/status/acme/api/v2/summary.json",
        "/status/acme/history.atom",
        "/status/acme/badge.svg",
    ];
    for doc in docs {
        for encoding in ["", "Accept-Encoding: gzip\r\n", "Accept-Encoding: br\r\n"] {
            // On a new connection the front door answers; after `/healthz` hyper does.
            let mut front = Raw::open(&app).await;
            front.send(&get(doc, encoding)).await;
            let by_front = front.answer().await;
            let mut hyper = Raw::open(&app).await;
            hyper
                .send(&format!("{}{}", get("/healthz", ""), get(doc, encoding)))
                .await;
            hyper.answer().await;
            let by_hyper = hyper.answer().await;
            assert_eq!(by_front.status, 200, "{doc} {encoding}");
            assert_eq!(by_front.headers, by_hyper.headers, "{doc} {encoding}");
            assert!(
                by_front.body == by_hyper.body,
                "{doc} {encoding}: same body"
            );
            // Revalidation: a 304 with the same headers both ways, no body.
            let etag = by_front.headers["etag"].clone();
            let conditional = format!("{encoding}If-None-Match: W/\"other\", {etag}\r\n");
            front.send(&get(doc, &conditional)).await;
            hyper.send(&get(doc, &conditional)).await;
            let (a, b) = (front.answer().await, hyper.answer().await);
            assert_eq!((a.status, b.status), (304, 304), "{doc} {encoding}");
            assert_eq!(a.headers, b.headers, "{doc} {encoding}");
            assert!(!a.headers.contains_key("content-type"));
            assert!(!a.headers.contains_key("content-length"));
        }
    }
}

#[tokio::test]
async fn a_client_asking_to_close_gets_its_answer_then_the_connection_closes() {
    let app = spawn_app().await;
    app.org("acme").await;
    let mut raw = Raw::open(&app).await;
    raw.send(&get(
        "/status/acme/api/v2/status.json",
        "Connection: close\r\n",
    ))
    .await;
    let answer = raw.answer().await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["connection"], "close");
    assert!(raw.closed().await, "the server closes after answering");
}

#[tokio::test]
async fn a_request_head_split_across_writes_is_still_answered() {
    let app = spawn_app().await;
    app.org("acme").await;
    let mut raw = Raw::open(&app).await;
    let request = get("/status/acme/api/v2/status.json", "Accept: */*\r\n");
    let (start, rest) = request.split_at(20);
    raw.send(start).await;
    raw.send(rest).await;
    let answer = raw.answer().await;
    assert_eq!(answer.status, 200);
    assert!(String::from_utf8(answer.body)
        .unwrap()
        .starts_with("{\"page\":"));
}

#[tokio::test]
async fn idle_connections_are_closed_before_and_after_a_request() {
    let app = spawn_app_configured(|c| c.idle_timeout = Duration::from_millis(100)).await;
    app.org("acme").await;
    let mut silent = Raw::open(&app).await;
    assert!(
        silent.closed().await,
        "a connection that never asks is closed"
    );
    let mut raw = Raw::open(&app).await;
    raw.send(&get("/status/acme/api/v2/status.json", "")).await;
    assert_eq!(raw.answer().await.status, 200);
    assert!(
        raw.closed().await,
        "a kept-alive connection left idle is closed"
    );
    // The same once hyper serves the connection.
    let mut raw = Raw::open(&app).await;
    raw.send(&get("/healthz", "")).await;
    assert_eq!(raw.answer().await.status, 200);
    assert!(raw.closed().await, "hyper closes it too");
}
