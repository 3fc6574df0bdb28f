//! One worker process of `bench/live-load/run`: opens `--count` SSE or WebSocket subscribers to
//! one Beacon page, each bound to one of the `--source` loopback addresses (so many workers do not
//! run out of ephemeral ports), and records when each subscriber receives each event.
//!
//! It speaks JSON lines on stdout and takes one-word commands on stdin:
//! - once every subscriber has connected or given up: `{"connected": n, "failed": n, "error": ..}`;
//! - `mark`: forget what was received so far; answers `{"marked": true}`;
//! - `wait C MS`: waits until every live subscriber has received C status changes since the mark,
//!   or MS milliseconds, then answers `{"subs": [[first_us, count, last_us, reads, alive], ..]}`:
//!   per subscriber, the receive times (microseconds since the Unix epoch) of its first and last
//!   `service.status_changed` event since the mark, how many it got, in how many socket reads
//!   they arrived (SSE only; 0 for WebSocket) and whether its stream is still open;
//! - `quit` or end of input: exits.

mod sse;

use futures_util::StreamExt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sse,
    Ws,
}

struct Args {
    kind: Kind,
    server: SocketAddr,
    path: String,
    count: usize,
    sources: Vec<IpAddr>,
    concurrency: usize,
}

/// What one subscriber received since the last mark.
#[derive(Default, Clone)]
struct Rec {
    /// (receive time in µs since the epoch, socket read number) of each status change.
    changes: Vec<(u64, u64)>,
    alive: bool,
}

type Recs = Arc<Mutex<Vec<Rec>>>;

fn usage() -> ! {
    eprintln!(
        "usage: live-load --kind sse|ws --server 127.0.0.1:PORT --path /status/acme/events \
         --count N --source 127.0.0.2[,127.0.0.3..] [--concurrency 200]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        kind: Kind::Sse,
        server: "127.0.0.1:8080".parse().unwrap(),
        path: String::new(),
        count: 0,
        sources: vec![],
        concurrency: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--kind" => {
                a.kind = match value.as_str() {
                    "sse" => Kind::Sse,
                    "ws" => Kind::Ws,
                    _ => usage(),
                }
            }
            "--server" => a.server = value.parse().unwrap_or_else(|_| usage()),
            "--path" => a.path = value,
            "--count" => a.count = value.parse().unwrap_or_else(|_| usage()),
            "--concurrency" => a.concurrency = value.parse().unwrap_or_else(|_| usage()),
            "--source" => {
                a.sources = value
                    .split(',')
                    .map(|s| s.parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            _ => usage(),
        }
    }
    if a.path.is_empty() || a.count == 0 || a.sources.is_empty() || a.concurrency == 0 {
        usage()
    }
    a
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn say(line: serde_json::Value) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn connect(server: SocketAddr, source: IpAddr) -> std::io::Result<TcpStream> {
    let socket = match source {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(source, 0))?;
    let stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends the GET, reads the head; returns the stream and the body bytes already read.
async fn open_sse(args: &Args, source: IpAddr) -> Result<(TcpStream, Vec<u8>, bool), String> {
    let mut s = connect(args.server, source)
        .await
        .map_err(|e| e.to_string())?;
    let req = sse::request(&args.server.to_string(), &args.path);
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before the response head".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = sse::head_end(&buf) {
            let chunked = sse::check_head(&buf[..end])?;
            return Ok((s, buf[end..].to_vec(), chunked));
        }
    }
}

async fn read_sse(
    mut s: TcpStream,
    first: Vec<u8>,
    chunked: bool,
    i: usize,
    recs: Recs,
) -> Result<(), String> {
    let (mut dec, mut lines, mut out) = (sse::Chunked::default(), sse::Lines::default(), vec![]);
    let mut buf = vec![0u8; 4096];
    let mut pending = first;
    let mut reads = 0u64;
    loop {
        if !pending.is_empty() {
            let t = now_us();
            reads += 1;
            out.clear();
            if chunked {
                dec.feed(&pending, &mut out)?;
            } else {
                out.extend_from_slice(&pending);
            }
            let events = lines.feed(&out);
            if events.iter().any(|e| e.status_changed) {
                let mut r = recs.lock().unwrap();
                for _ in events.iter().filter(|e| e.status_changed) {
                    r[i].changes.push((t, reads));
                }
            }
            if dec.ended {
                return Err("stream ended".into());
            }
        }
        let n = s.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("server closed the stream".into());
        }
        pending = buf[..n].to_vec();
    }
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn open_ws(args: &Args, source: IpAddr) -> Result<Ws, String> {
    let s = connect(args.server, source)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("ws://{}{}", args.server, args.path);
    let (ws, resp) = tokio_tungstenite::client_async(url, s)
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().as_u16() != 101 {
        return Err(format!("answered {}", resp.status()));
    }
    Ok(ws)
}

async fn read_ws(mut ws: Ws, i: usize, recs: Recs) -> Result<(), String> {
    use tokio_tungstenite::tungstenite::Message;
    while let Some(msg) = ws.next().await {
        let t = now_us();
        match msg.map_err(|e| e.to_string())? {
            Message::Text(text) => {
                let v: serde_json::Value =
                    serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
                if v["type"] == "service.status_changed" {
                    recs.lock().unwrap()[i].changes.push((t, 0));
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    Err("server closed the socket".into())
}

/// Connects subscriber `i` (a few tries: a loaded server's accept queue may overflow), then
/// reads until the stream ends.
async fn subscriber(
    args: Arc<Args>,
    i: usize,
    recs: Recs,
    gate: Arc<Semaphore>,
    done: tokio::sync::mpsc::UnboundedSender<Result<(), String>>,
) {
    let source = args.sources[i % args.sources.len()];
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
        let permit = gate.acquire().await.expect("never closed");
        let opened = match args.kind {
            Kind::Sse => open_sse(&args, source).await.map(either_sse),
            Kind::Ws => open_ws(&args, source)
                .await
                .map(|ws| Opened::Ws(Box::new(ws))),
        };
        drop(permit);
        match opened {
            Ok(stream) => {
                recs.lock().unwrap()[i].alive = true;
                let _ = done.send(Ok(()));
                let _ = match stream {
                    Opened::Sse(s, first, chunked) => {
                        read_sse(s, first, chunked, i, recs.clone()).await
                    }
                    Opened::Ws(ws) => read_ws(*ws, i, recs.clone()).await,
                };
                recs.lock().unwrap()[i].alive = false;
                return;
            }
            Err(e) => last = e,
        }
    }
    let _ = done.send(Err(last));
}

enum Opened {
    Sse(TcpStream, Vec<u8>, bool),
    Ws(Box<Ws>),
}

fn either_sse((s, first, chunked): (TcpStream, Vec<u8>, bool)) -> Opened {
    Opened::Sse(s, first, chunked)
}

fn report(recs: &Recs) -> serde_json::Value {
    let r = recs.lock().unwrap();
    let subs: Vec<serde_json::Value> = r
        .iter()
        .map(|s| {
            let first = s.changes.first().map(|c| c.0);
            let last = s.changes.last().map(|c| c.0);
            let mut reads: Vec<u64> = s.changes.iter().map(|c| c.1).filter(|n| *n > 0).collect();
            reads.dedup();
            serde_json::json!([first, s.changes.len(), last, reads.len(), s.alive])
        })
        .collect();
    serde_json::json!({ "subs": subs })
}

fn main() {
    let args = Arc::new(parse_args());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(run(args));
}

async fn run(args: Arc<Args>) {
    let recs: Recs = Arc::new(Mutex::new(vec![Rec::default(); args.count]));
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..args.count {
        tokio::spawn(subscriber(
            args.clone(),
            i,
            recs.clone(),
            gate.clone(),
            tx.clone(),
        ));
    }
    drop(tx);
    let (mut ok, mut failed, mut error) = (0usize, 0usize, None);
    while ok + failed < args.count {
        match rx.recv().await {
            Some(Ok(())) => ok += 1,
            Some(Err(e)) => {
                failed += 1;
                error.get_or_insert(e);
            }
            None => break,
        }
    }
    say(serde_json::json!({ "connected": ok, "failed": failed, "error": error }));

    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = stdin.next_line().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["mark"] => {
                for r in recs.lock().unwrap().iter_mut() {
                    r.changes.clear();
                }
                say(serde_json::json!({ "marked": true }));
            }
            ["wait", count, ms] => {
                let count: usize = count.parse().unwrap_or(1);
                let ms: u64 = ms.parse().unwrap_or(10_000);
                let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
                loop {
                    let all = recs
                        .lock()
                        .unwrap()
                        .iter()
                        .all(|r| !r.alive || r.changes.len() >= count);
                    if all || tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                say(report(&recs));
            }
            ["quit"] => break,
            _ => say(serde_json::json!({ "error": format!("unknown command {line:?}") })),
        }
    }
}
