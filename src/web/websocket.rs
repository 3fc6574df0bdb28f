//! The server side of the live WebSocket streams (RFC 6455), which only ever send.
//!
//! A live stream sends the same few event messages to thousands of clients and hears nothing
//! from them but pings and a close. So each event's frame is built once, with the event, and
//! shared by every stream ([`text_frame`]); a stream writes all it has pending in one write; and
//! a connection keeps no per-connection write buffer and a read buffer of a few hundred bytes.
//! A general WebSocket library keeps both buffers per connection and frames every message for
//! every client. What clients send is read and answered as the protocol requires (pings get
//! pongs, a close gets a close), and anything else from them is read and dropped.

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest frame a client may send (it has nothing to say but pings and a close).
const MAX_CLIENT_FRAME: u64 = 64 * 1024;

/// Close codes used here (RFC 6455, section 7.4.1).
pub const GOING_AWAY: u16 = 1001;
const PROTOCOL_ERROR: u16 = 1002;
const TOO_BIG: u16 = 1009;

/// A request to become a WebSocket, checked: answered with `101 Switching Protocols` by
/// [`Upgrade::on_upgrade`].
pub struct Upgrade {
    accept: HeaderValue,
    on_upgrade: hyper::upgrade::OnUpgrade,
}

/// Why a request is not a WebSocket handshake: 400, 405 or 426, with the reason as text.
pub struct NotAnUpgrade(StatusCode, &'static str);

impl IntoResponse for NotAnUpgrade {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

impl Upgrade {
    /// Checks a handshake request (RFC 6455, section 4.2.1) and takes its connection.
    pub fn from_parts(parts: &mut Parts) -> Result<Upgrade, NotAnUpgrade> {
        let bad = |why| NotAnUpgrade(StatusCode::BAD_REQUEST, why);
        if parts.method != Method::GET {
            return Err(NotAnUpgrade(
                StatusCode::METHOD_NOT_ALLOWED,
                "a WebSocket opens with GET",
            ));
        }
        let h = &parts.headers;
        if !has_token(h, header::CONNECTION, "upgrade") {
            return Err(bad(
                "this address is a WebSocket: Connection: upgrade is missing",
            ));
        }
        if !has_token(h, header::UPGRADE, "websocket") {
            return Err(bad(
                "this address is a WebSocket: Upgrade: websocket is missing",
            ));
        }
        if h.get(header::SEC_WEBSOCKET_VERSION).map(|v| v.as_bytes()) != Some(b"13") {
            return Err(bad("only WebSocket version 13 is spoken here"));
        }
        let key = h
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or_else(|| bad("Sec-WebSocket-Key is missing"))?;
        let accept = accept_key(key.as_bytes());
        let on_upgrade = parts
            .extensions
            .remove::<hyper::upgrade::OnUpgrade>()
            .ok_or(NotAnUpgrade(
                StatusCode::UPGRADE_REQUIRED,
                "this connection cannot be upgraded",
            ))?;
        Ok(Upgrade { accept, on_upgrade })
    }

    /// Answers `101 Switching Protocols` and, once the connection has switched, runs `serve`
    /// with it.
    pub fn on_upgrade<F, Fut>(self, serve: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => serve(Socket::new(upgraded)).await,
                Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
            }
        });
        let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
        let h = r.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(header::SEC_WEBSOCKET_ACCEPT, self.accept);
        r
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = NotAnUpgrade;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Upgrade::from_parts(parts)
    }
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64 of the SHA-1 of the key and the
/// protocol's GUID.
fn accept_key(key: &[u8]) -> HeaderValue {
    use base64::Engine;
    use sha1::Digest;
    let mut sha = sha1::Sha1::new();
    sha.update(key);
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let encoded = base64::engine::general_purpose::STANDARD.encode(sha.finalize());
    HeaderValue::from_str(&encoded).expect("base64 is a valid header value")
}

/// An unmasked frame from the server: FIN, `opcode`, the length, the payload.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= usize::from(u16::MAX) => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// One text message as a whole frame, ready to be written to any number of sockets.
pub fn text_frame(text: &str) -> Bytes {
    frame(0x1, text.as_bytes()).into()
}

fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    frame(0x8, &payload)
}

/// The code to answer a client's close with (RFC 6455, sections 5.5.1 and 7.4): its own code
/// echoed, 1000 when it gave none, 1002 when it gave one no endpoint may send (under 1000,
/// 1004-1006, 1015, unassigned 1016-2999, over 4999) or a one-byte body.
fn close_reply(payload: &[u8]) -> u16 {
    match *payload {
        [] => 1000,
        [a, b, ..] => match u16::from_be_bytes([a, b]) {
            code @ (1000..=1003 | 1007..=1014 | 3000..=4999) => code,
            _ => PROTOCOL_ERROR,
        },
        [_] => PROTOCOL_ERROR,
    }
}

/// What a client sent, as far as a sending-only stream cares: what to answer (pongs, a close),
/// and whether the connection is over (the client closed it, broke the protocol or went away).
#[derive(Debug, Default, PartialEq)]
pub struct Heard {
    pub answer: Vec<u8>,
    pub end: bool,
}

/// A WebSocket connection that sends frames and answers what the client sends.
pub struct Socket {
    io: TokioIo<hyper::upgrade::Upgraded>,
    /// Bytes read from the client and not yet a whole frame.
    input: Vec<u8>,
}

/// A parsed client frame: its opcode and unmasked payload, and how many bytes it took.
#[derive(Debug, PartialEq)]
struct ClientFrame {
    opcode: u8,
    payload: Vec<u8>,
    len: usize,
}

/// The first whole frame in `buf`: `Ok(None)` when more bytes are needed, `Err(code)` when the
/// client broke the protocol (RFC 6455, section 5: client frames are masked, control frames
/// are short and unfragmented, no extensions were agreed).
fn parse(buf: &[u8]) -> Result<Option<ClientFrame>, u16> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    let (fin, rsv, opcode) = (b0 & 0x80 != 0, b0 & 0x70, b0 & 0x0f);
    if rsv != 0 || b1 & 0x80 == 0 || !matches!(opcode, 0x0..=0x2 | 0x8..=0xa) {
        return Err(PROTOCOL_ERROR);
    }
    let (len, mut at) = match b1 & 0x7f {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => (u64::from_be_bytes(b.try_into().expect("8 bytes")), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    if opcode >= 0x8 && (!fin || len > 125) {
        return Err(PROTOCOL_ERROR);
    }
    if len > MAX_CLIENT_FRAME {
        return Err(TOO_BIG);
    }
    let Some(mask) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    let mask = [mask[0], mask[1], mask[2], mask[3]];
    at += 4;
    let end = at + len as usize;
    let Some(body) = buf.get(at..end) else {
        return Ok(None);
    };
    let payload = body
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    Ok(Some(ClientFrame {
        opcode,
        payload,
        len: end,
    }))
}

impl Socket {
    fn new(upgraded: hyper::upgrade::Upgraded) -> Socket {
        Socket {
            io: TokioIo::new(upgraded),
            input: Vec::new(),
        }
    }

    /// Writes whole frames, all of them in one write when there are several.
    pub async fn send(&mut self, frames: &[Bytes]) -> std::io::Result<()> {
        match frames {
            [] => Ok(()),
            [one] => self.io.write_all(one).await,
            many => self.io.write_all(&many.concat()).await,
        }
    }

    /// A ping (keep-alive): the client answers with a pong, and a dead peer shows as an error.
    pub async fn ping(&mut self) -> std::io::Result<()> {
        self.io.write_all(&[0x89, 0x00]).await
    }

    /// Sends a close frame and ends the connection.
    pub async fn close(mut self, code: u16, reason: &str) {
        let _ = self.io.write_all(&close_frame(code, reason)).await;
        let _ = self.io.shutdown().await;
    }

    /// Writes the answer to what was heard.
    pub async fn answer(&mut self, heard: &Heard) -> std::io::Result<()> {
        self.io.write_all(&heard.answer).await
    }

    /// Waits for the client to send something and says what to answer. Cancel-safe (it only
    /// reads: what was read stays buffered), so it can wait beside the stream's other work.
    pub async fn hear(&mut self) -> Heard {
        if self.input.capacity() - self.input.len() < 128 {
            self.input.reserve(256);
        }
        match self.io.read_buf(&mut self.input).await {
            Ok(0) | Err(_) => {
                return Heard {
                    answer: Vec::new(),
                    end: true,
                }
            }
            Ok(_) => {}
        }
        let mut heard = Heard::default();
        loop {
            match parse(&self.input) {
                Ok(None) => break,
                Ok(Some(f)) => {
                    self.input.drain(..f.len);
                    match f.opcode {
                        0x8 => {
                            heard
                                .answer
                                .extend(close_frame(close_reply(&f.payload), ""));
                            heard.end = true;
                            break;
                        }
                        0x9 => heard.answer.extend(frame(0xa, &f.payload)),
                        _ => {} // pongs, and messages this stream does not read
                    }
                }
                Err(code) => {
                    heard.answer.extend(close_frame(code, ""));
                    heard.end = true;
                    break;
                }
            }
        }
        if self.input.is_empty() {
            self.input = Vec::new(); // nothing held between messages
        }
        heard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame: masked, as clients must send them.
    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = vec![first];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn the_accept_key_is_the_one_of_the_rfc_example() {
        // RFC 6455, section 1.3.
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn server_frames_carry_their_length_in_the_shortest_form() {
        assert_eq!(&text_frame("Hi")[..], b"\x81\x02Hi");
        let long = "x".repeat(300);
        let f = text_frame(&long);
        assert_eq!(&f[..4], &[0x81, 126, 0x01, 0x2c]);
        assert_eq!(f.len(), 304);
        let huge = "y".repeat(70_000);
        let f = text_frame(&huge);
        assert_eq!(&f[..2], &[0x81, 127]);
        assert_eq!(u64::from_be_bytes(f[2..10].try_into().unwrap()), 70_000);
        assert_eq!(close_frame(1001, "bye"), b"\x88\x05\x03\xe9bye");
    }

    #[test]
    fn client_frames_are_unmasked_whole_or_waited_for() {
        let ping = masked(0x89, b"are you there");
        for cut in 0..ping.len() {
            assert_eq!(parse(&ping[..cut]), Ok(None), "cut at {cut}");
        }
        let mut two = ping.clone();
        two.extend(masked(0x81, &[b'z'; 200]));
        let first = parse(&two).unwrap().unwrap();
        assert_eq!(
            (first.opcode, &first.payload[..], first.len),
            (0x9, &b"are you there"[..], ping.len())
        );
        let second = parse(&two[first.len..]).unwrap().unwrap();
        assert_eq!((second.opcode, second.payload.len()), (0x1, 200));
    }

    #[test]
    fn a_close_is_answered_with_its_code_unless_that_code_may_not_be_sent() {
        assert_eq!(close_reply(&[]), 1000);
        assert_eq!(close_reply(&[0x03, 0xe8]), 1000);
        assert_eq!(close_reply(b"\x03\xe9going"), 1001);
        assert_eq!(close_reply(&[0x0f, 0xa0]), 4000);
        for bad in [999u16, 1005, 1006, 1015, 2000, 5000] {
            assert_eq!(close_reply(&bad.to_be_bytes()), PROTOCOL_ERROR, "{bad}");
        }
        assert_eq!(close_reply(&[0x03]), PROTOCOL_ERROR, "a one-byte body");
    }

    #[test]
    fn protocol_breaches_are_refused_with_their_close_code() {
        let mut unmasked = masked(0x81, b"hi");
        unmasked[1] &= 0x7f;
        assert_eq!(parse(&unmasked), Err(PROTOCOL_ERROR));
        assert_eq!(parse(&masked(0xc1, b"hi")), Err(PROTOCOL_ERROR), "RSV bit");
        assert_eq!(parse(&masked(0x83, b"hi")), Err(PROTOCOL_ERROR), "opcode");
        assert_eq!(
            parse(&masked(0x09, b"hi")),
            Err(PROTOCOL_ERROR),
            "fragmented ping"
        );
        let mut huge = vec![0x82, 0x80 | 127];
        huge.extend_from_slice(&(1u64 << 40).to_be_bytes());
        assert_eq!(parse(&huge), Err(TOO_BIG));
    }
}
