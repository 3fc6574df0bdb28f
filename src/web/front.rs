//! The front door: every connection's first requests, answered before hyper sees them when they
//! are plain `GET`s for a public page's documents.
//!
//! A status page gets its heaviest traffic when something is broken, and nearly all of it is one
//! kind of request: `GET` of a page, its JSON or a badge, over a kept-alive connection. For those
//! this module does what a static file server does: one read, a parse of the request head in
//! place (`httparse`, no allocation), a snapshot lookup and ETag check, and one write of a
//! response head prebuilt with the snapshot ([`Variant::head`]) and its body (sent with
//! `sendfile` when large, by [`Conn`]). Through hyper the same answer cost a request and a
//! response object, a `HeaderMap` clone, header parsing and encoding, and a timer re-armed per
//! request: on the page benchmark Beacon served 0.9x nginx's requests per second that way.
//!
//! Anything else (another method, HTTP/1.0, a request with a body or an upgrade, a path that is
//! not a public document, a private page, a head that did not arrive whole in one read) is
//! handed to hyper with the bytes already read, and hyper serves that connection from then on.
//! The answers are the same either way: the head is encoded from the same headers hyper would
//! send, and tests compare the two.

use super::zerocopy::Conn;
use crate::public::snapshot::Variant;
use crate::state::AppState;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use bytes::{Buf, BytesMut};
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// The most header lines a request answered here may have; a request with more goes to hyper.
const MAX_HEADERS: usize = 32;

/// Room for the first read. A request head longer than what one read brings goes to hyper.
const READ_BUFFER: usize = 4096;

/// The head of a response with these headers, as hyper would write it, but without the `Date`
/// line and the blank line that ends it ([`write_head`] adds both). `content_length` is `None`
/// for a `304`, which has none.
pub fn encode_head(
    status: StatusCode,
    headers: &HeaderMap,
    content_length: Option<usize>,
) -> Bytes {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(len) = content_length {
        out.extend_from_slice(format!("content-length: {len}\r\n").as_bytes());
    }
    Bytes::from(out)
}

/// `head`, then `Connection: close` when asked, the `Date` line and the blank line, into `out`.
fn write_head(out: &mut Vec<u8>, head: &[u8], close: bool) {
    out.clear();
    out.extend_from_slice(head);
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"date: ");
    http_date(|date| out.extend_from_slice(date));
    out.extend_from_slice(b"\r\n\r\n");
}

/// The current time as an HTTP date, formatted once a second per thread.
fn http_date(f: impl FnOnce(&[u8])) {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    CACHE.with_borrow_mut(|(at, text)| {
        if *at != second {
            *at = second;
            *text = httpdate::fmt_http_date(now);
        }
        f(text.as_bytes());
    });
}

/// A front-door thread gives up its core after this many responses in a row, so the clients it
/// has just answered (and everything else on the machine) get to run. Without it, on the page
/// benchmark (wrk on the same two cores), a lane ran long bursts while the clients waiting for
/// it could not: p50 fell to 90-170 µs but p99 rose to 4-8 ms, against nginx's 2-3 ms. Every
/// response (sched_yield after each) cost a third of the throughput; every 32 kept p99 near or
/// below nginx's with throughput 1.1-1.3x nginx's.
const YIELD_EVERY: u32 = 32;

/// Counts a response; every [`YIELD_EVERY`]th yields the thread's core.
fn answered_one() {
    use std::cell::Cell;
    thread_local! { static SINCE_YIELD: Cell<u32> = const { Cell::new(0) }; }
    SINCE_YIELD.with(|n| {
        let count = n.get() + 1;
        if count >= YIELD_EVERY {
            n.set(0);
            std::thread::yield_now();
        } else {
            n.set(count);
        }
    });
}

/// What to do with the bytes at the front of the read buffer.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    /// A request this module answers.
    Answer(Request<'a>),
    /// Not a whole request head yet.
    Partial,
    /// Hyper's to answer.
    Pass,
}

/// A plain `GET`, parsed in place: what it takes to answer it from the snapshot.
#[derive(Debug, PartialEq)]
struct Request<'a> {
    /// The length of its head.
    consumed: usize,
    path: &'a str,
    query: Option<&'a str>,
    host: Option<&'a str>,
    accept_encoding: Option<&'a str>,
    if_none_match: Option<&'a str>,
    /// The client sent `Connection: close`.
    close: bool,
}

/// A header value as `HeaderValue::to_str` reads it: visible ASCII (and tabs) only.
fn text(value: &[u8]) -> Option<&str> {
    value
        .iter()
        .all(|&b| b == b'\t' || (32..127).contains(&b))
        .then(|| std::str::from_utf8(value).ok())
        .flatten()
}

/// Reads the request head at the front of `buf`, if it is one this module may answer.
fn parse<'a>(buf: &'a [u8]) -> Step<'a> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let consumed = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Step::Partial,
        Err(_) => return Step::Pass,
    };
    if req.method != Some("GET") || req.version != Some(1) {
        return Step::Pass;
    }
    // Only targets of plain URI characters: hyper (the `http` crate) refuses some others, such
    // as `"`, `<` or `>`, with a 400, and the answer must not depend on who gives it.
    let Some(target) = req.path.filter(|t| {
        t.starts_with('/')
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b))
    }) else {
        return Step::Pass;
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut parsed = Request {
        consumed,
        path,
        query,
        host: None,
        accept_encoding: None,
        if_none_match: None,
        close: false,
    };
    for h in req.headers.iter() {
        let name = h.name;
        let value = h.value;
        let first = |slot: &mut Option<&'a str>| {
            if slot.is_none() {
                *slot = text(value);
            }
        };
        if name.eq_ignore_ascii_case("host") {
            first(&mut parsed.host);
        } else if name.eq_ignore_ascii_case("accept-encoding") {
            first(&mut parsed.accept_encoding);
        } else if name.eq_ignore_ascii_case("if-none-match") {
            first(&mut parsed.if_none_match);
        } else if name.eq_ignore_ascii_case("connection") {
            for token in text(h.value).unwrap_or("").split(',') {
                let token = token.trim();
                if token.eq_ignore_ascii_case("close") {
                    parsed.close = true;
                } else if token.eq_ignore_ascii_case("upgrade") {
                    return Step::Pass;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            if h.value != b"0" {
                return Step::Pass;
            }
        } else if ["transfer-encoding", "upgrade", "expect"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
        {
            return Step::Pass;
        }
    }
    Step::Answer(parsed)
}

/// Serves a connection: requests answered here while they come, then hyper (`hyper`, given the
/// connection and the bytes read but not answered) once one is not. Returns when the connection
/// closes, is idle for `idle`, or `stopping` turns true: between requests at once, or after
/// the answer to one already read, sent with `Connection: close` (as hyper does).
pub async fn serve<H, F>(
    mut conn: Conn,
    state: &AppState,
    idle: Duration,
    stopping: tokio::sync::watch::Receiver<bool>,
    hyper: H,
) where
    H: FnOnce(Rewind) -> F,
    F: Future<Output = ()>,
{
    let mut buf = BytesMut::with_capacity(READ_BUFFER);
    let mut out = Vec::new();
    let stopped = || *stopping.borrow();
    let until_stopped = {
        let mut flag = stopping.clone();
        async move {
            let _ = flag.wait_for(|v| *v).await;
        }
    };
    let mut until_stopped = std::pin::pin!(until_stopped);
    let mut last = Instant::now();
    let timer = tokio::time::sleep_until(last + idle);
    let mut timer = std::pin::pin!(timer);
    loop {
        // Answer every whole request already read (a client may pipeline).
        while !buf.is_empty() {
            let (consumed, close, answered) = match parse(&buf) {
                Step::Answer(request) => (
                    request.consumed,
                    request.close || stopped(),
                    answer(state, &request),
                ),
                Step::Partial | Step::Pass => (0, false, None),
            };
            let Some((head, body, status)) = answered else {
                return hyper(Rewind::new(conn, buf.freeze())).await;
            };
            state.metrics.public_hit(status);
            write_head(&mut out, &head, close);
            if let Err(e) = write_all(&mut conn, &out, &body).await {
                tracing::debug!(error = %e, "writing a response failed");
                return;
            }
            if close {
                let _ = std::future::poll_fn(|cx| Pin::new(&mut conn).poll_shutdown(cx)).await;
                return;
            }
            buf.advance(consumed);
            // The idle time counts from the end of the answer, as hyper's does.
            last = Instant::now();
            answered_one();
        }
        buf.reserve(READ_BUFFER);
        let read = tokio::select! {
            biased;
            read = conn.read_buf(&mut buf) => read,
            () = &mut timer => {
                let deadline = last + idle;
                if Instant::now() >= deadline {
                    return;
                }
                timer.as_mut().reset(deadline);
                continue;
            }
            () = &mut until_stopped => return,
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => last = Instant::now(),
        }
    }
}

/// The prebuilt head, the body and the status of the answer to `request`, when it is a document
/// of a page that is not private.
fn answer(state: &AppState, request: &Request) -> Option<(Bytes, Bytes, u16)> {
    super::public::with_document(
        state,
        request.host,
        request.path,
        request.query,
        request.accept_encoding,
        request.if_none_match,
        |variant: &Variant, fresh| {
            if fresh {
                (variant.head_not_modified.clone(), Bytes::new(), 304)
            } else {
                (variant.head.clone(), variant.body.clone(), 200)
            }
        },
    )
}

/// Writes a response's head and body, continuing after partial writes, and flushes it.
async fn write_all(conn: &mut Conn, head: &[u8], body: &[u8]) -> io::Result<()> {
    let mut slices = [IoSlice::new(head), IoSlice::new(body)];
    let mut bufs = &mut slices[..];
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        let n =
            std::future::poll_fn(|cx| Pin::new(&mut *conn).poll_write_vectored(cx, bufs)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut bufs, n);
    }
    std::future::poll_fn(|cx| Pin::new(&mut *conn).poll_flush(cx)).await
}

/// A connection handed to hyper: the bytes the front door read but did not answer come first.
pub struct Rewind {
    read: Bytes,
    conn: Conn,
}

impl Rewind {
    pub fn new(conn: Conn, read: Bytes) -> Rewind {
        Rewind { read, conn }
    }

    /// The socket, taken off this runtime (to be served on another), and the bytes read.
    pub fn into_std(self) -> io::Result<(std::net::TcpStream, Bytes)> {
        Ok((self.conn.into_std()?, self.read))
    }
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.read.is_empty() {
            let n = self.read.len().min(buf.remaining());
            buf.put_slice(&self.read[..n]);
            self.read.advance(n);
            if self.read.is_empty() {
                // Lets go of the front door's read buffer (a live stream lives long).
                self.read = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.conn).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.conn).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.conn).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.conn.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.conn).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.conn).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    fn answer(raw: &str) -> Request<'_> {
        match parse(raw.as_bytes()) {
            Step::Answer(r) => r,
            other => panic!("expected an answer for {raw:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_get_is_parsed_in_place() {
        let raw = "GET /status/acme/history?month=2026-11 HTTP/1.1\r\nHost: status.example.com\r\n\
                   accept-encoding: gzip, br\r\nIf-None-Match: \"abc\"\r\nUser-Agent: x\r\n\r\nGET /";
        let r = answer(raw);
        assert_eq!(r.consumed, raw.len() - "GET /".len());
        assert_eq!(r.path, "/status/acme/history");
        assert_eq!(r.query, Some("month=2026-11"));
        assert_eq!(r.host, Some("status.example.com"));
        assert_eq!(r.accept_encoding, Some("gzip, br"));
        assert_eq!(r.if_none_match, Some("\"abc\""));
        assert!(!r.close);
        assert!(answer("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").close);
        assert!(!answer("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").close);
        // The first of repeated headers counts, as `HeaderMap::get` reads them.
        let r = answer("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        assert_eq!(r.host, Some("a"));
    }

    #[test]
    fn everything_but_a_plain_get_goes_to_hyper() {
        for raw in [
            "HEAD /status/acme HTTP/1.1\r\n\r\n",
            "POST /status/acme HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET /status/acme HTTP/1.0\r\n\r\n",
            "GET http://example.com/status/acme HTTP/1.1\r\n\r\n",
            "GET * HTTP/1.1\r\n\r\n",
            "GET /status/acme?a=<x> HTTP/1.1\r\n\r\n",
            "GET /status/acme?q=\"x\" HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        ] {
            assert_eq!(parse(raw.as_bytes()), Step::Pass, "{raw:?}");
        }
        // A TLS client hello on the plain port.
        assert_eq!(
            parse(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"),
            Step::Pass
        );
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        let raw = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(parse(raw.as_bytes()), Step::Pass);
    }

    #[test]
    fn a_head_not_yet_whole_is_partial() {
        for raw in ["", "G", "GET /status/acme HTTP/1.1\r\nHost: x\r\n"] {
            assert_eq!(parse(raw.as_bytes()), Step::Partial, "{raw:?}");
        }
    }

    #[test]
    fn header_values_that_are_not_visible_ascii_are_ignored() {
        let raw = b"GET / HTTP/1.1\r\nAccept-Encoding: gz\xffip\r\n\r\n";
        let Step::Answer(r) = parse(raw) else {
            panic!("a GET with an odd header value is still a GET")
        };
        assert_eq!(r.accept_encoding, None);
    }

    #[test]
    fn heads_are_encoded_as_hyper_writes_them() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        h.insert(header::ETAG, HeaderValue::from_static("\"x\""));
        let head = encode_head(StatusCode::OK, &h, Some(12));
        assert_eq!(
            &head[..],
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\netag: \"x\"\r\ncontent-length: 12\r\n"
        );
        let head = encode_head(StatusCode::NOT_MODIFIED, &h, None);
        assert!(head.starts_with(b"HTTP/1.1 304 Not Modified\r\n"));
        assert!(!head.windows(14).any(|w| w == b"content-length"));
        let mut out = Vec::new();
        write_head(&mut out, b"HTTP/1.1 200 OK\r\n", true);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\nconnection: close\r\ndate: "));
        assert!(text.ends_with(" GMT\r\n\r\n"), "{text:?}");
        let date = &text["HTTP/1.1 200 OK\r\nconnection: close\r\ndate: ".len()..text.len() - 4];
        assert!(httpdate::parse_http_date(date).is_ok(), "{date:?}");
    }
}
