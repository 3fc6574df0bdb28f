//! Live updates inside one process: after a write commits, the org's new events are read from
//! the store once, rendered once, and broadcast with "org X has events up to id N"; every open
//! stream standing inside that batch sends it as it is, and a stream that is elsewhere (resuming,
//! lagging) reads the store by id itself. So what a client gets is always what committed, and a
//! slow client only ever falls behind itself.
//!
//! Several instances on one PostgreSQL database pass the notice to each other (see
//! `worker::listener`); only the notice travels, and each instance reads the events from the
//! database once for its own streams.

use crate::domain::Id;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// How many notices a subscriber may fall behind before it is told to resync.
pub const CAPACITY: usize = 1024;

/// "The org's log has events up to `last_id`."
#[derive(Debug, Clone)]
pub struct Notice {
    pub org_id: Id,
    pub last_id: i64,
    /// The new events, read from the store and rendered once for every stream (absent when the
    /// notice came from another instance: streams then read the store themselves).
    pub batch: Option<Arc<Batch>>,
}

/// Events `after + 1 ..= last_id` of one org, each rendered once as its dashboard envelope and,
/// if public, as its public one.
#[derive(Debug)]
pub struct Batch {
    pub after: i64,
    pub events: Vec<Rendered>,
}

/// One event, ready to send to any number of streams: its dashboard form and, unless public
/// streams must not see it, its public form.
#[derive(Debug)]
pub struct Rendered {
    pub id: i64,
    pub full: Frames,
    pub public: Option<Frames>,
}

/// One envelope as a whole WebSocket frame and as a whole Server-Sent Events frame.
#[derive(Debug)]
pub struct Frames {
    pub ws: axum::body::Bytes,
    pub sse: axum::body::Bytes,
}

impl Frames {
    fn of(id: i64, kind: &str, json: &str) -> Frames {
        Frames {
            ws: crate::web::websocket::text_frame(json),
            sse: sse_frame(id, kind, json),
        }
    }
}

/// The Server-Sent Events frame of one event: `id`, `event` and the envelope as `data`.
pub fn sse_frame(id: i64, kind: &str, json: &str) -> axum::body::Bytes {
    // The envelope is compact JSON: it has no line breaks that would end the data field.
    format!("id: {id}\nevent: {kind}\ndata: {json}\n\n").into()
}

impl Notice {
    /// The notice as sent to other instances: `<org_id>:<last_id>:<sender instance id>`.
    pub fn to_wire(&self, instance_id: &str) -> String {
        format!("{}:{}:{instance_id}", self.org_id, self.last_id)
    }

    /// Reads a notice sent by another instance, with the id of the instance that sent it.
    pub fn from_wire(payload: &str) -> Option<(Notice, &str)> {
        let mut parts = payload.splitn(3, ':');
        let org_id = Id::parse(parts.next()?)?;
        let last_id = parts.next()?.parse().ok()?;
        let sender = parts.next()?;
        Some((
            Notice {
                org_id,
                last_id,
                batch: None,
            },
            sender,
        ))
    }
}

/// The envelope of a stored event, `{"id","type","org","at","data"}`, in its dashboard form or,
/// with `public_only`, with private services taken out of its data.
pub fn envelope(slug: &str, e: &crate::db::events::Event, public_only: bool) -> String {
    let data = if public_only {
        crate::ops::events::public_view(&e.data)
    } else {
        e.data.clone()
    };
    serde_json::json!({"id": e.id, "type": e.kind, "org": slug, "at": e.at.to_rfc3339(), "data": data}).to_string()
}

/// Renders events once for every stream.
pub fn render(slug: &str, after: i64, events: &[crate::db::events::Event]) -> Batch {
    Batch {
        after,
        events: events
            .iter()
            .map(|e| Rendered {
                id: e.id,
                full: Frames::of(e.id, &e.kind, &envelope(slug, e, false)),
                public: e
                    .public
                    .then(|| Frames::of(e.id, &e.kind, &envelope(slug, e, true))),
            })
            .collect(),
    }
}

/// Per org: the last event id announced to this process's streams (where the next batch starts),
/// behind a lock held for the whole of an announcement, so batches go out in order and each
/// begins where the one before ended.
pub type Announced = Arc<tokio::sync::Mutex<Option<i64>>>;

/// The process's fan-out point, open-stream counts and shutdown switch.
pub struct Hub {
    /// Shared, not cloned, by every receiver: a notice reaches thousands of streams at once.
    notices: broadcast::Sender<Arc<Notice>>,
    announced: Mutex<HashMap<Id, Announced>>,
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
    closing: watch::Sender<bool>,
    /// How often a stream read events from the store itself instead of taking a batch rendered
    /// for all (resuming, lagging, another instance's notice when the store was unreadable).
    store_reads: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            notices: broadcast::channel(CAPACITY).0,
            announced: Mutex::default(),
            per_ip: Arc::default(),
            closing: watch::channel(false).0,
            store_reads: AtomicU64::new(0),
        }
    }
}

impl Hub {
    /// Tells every stream of the org that its log reaches `last_id`. Never waits.
    pub fn publish(&self, org_id: &Id, last_id: i64) {
        let _ = self.notices.send(Arc::new(Notice {
            org_id: org_id.clone(),
            last_id,
            batch: None,
        }));
    }

    /// Publishes a batch read and rendered once; streams that stand inside it send its events
    /// after their cursor as they are, the others read the store.
    pub fn publish_batch(&self, org_id: &Id, batch: Batch) {
        let last_id = batch.events.last().map_or(batch.after, |e| e.id);
        let _ = self.notices.send(Arc::new(Notice {
            org_id: org_id.clone(),
            last_id,
            batch: Some(Arc::new(batch)),
        }));
    }

    /// The org's announcement lock and the last id announced here (see [`Announced`]).
    pub fn announced(&self, org_id: &Id) -> Announced {
        self.announced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(org_id.clone())
            .or_default()
            .clone()
    }

    /// A stream opened where the org's log stood at `latest`: before anything was announced in
    /// this process, that is where the first batch starts (so a stream that opened then gets it
    /// as is instead of reading the store).
    pub async fn opened_at(&self, org_id: &Id, latest: i64) {
        let announced = self.announced(org_id);
        announced.lock().await.get_or_insert(latest);
    }

    /// A receiver of every notice from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.notices.subscribe()
    }

    /// Counts one more open stream for `ip`, or `None` when it already holds `max`.
    pub fn open_stream(&self, ip: IpAddr, max: usize) -> Option<StreamSlot> {
        let mut counts = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            ip,
            per_ip: self.per_ip.clone(),
        })
    }

    /// Open streams, all addresses together.
    pub fn open_streams(&self) -> usize {
        self.per_ip
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .sum()
    }

    /// Counts one stream reading events from the store for itself.
    pub fn count_store_read(&self) {
        self.store_reads.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times streams read events from the store for themselves.
    pub fn store_reads(&self) -> u64 {
        self.store_reads.load(Ordering::Relaxed)
    }

    /// Ends every stream (at shutdown), so serving can finish.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// The shutdown switch, for a stream to watch for as long as it is open.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

/// One open stream of a client address; dropping it frees the slot.
pub struct StreamSlot {
    ip: IpAddr,
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_slots_are_capped_per_address_and_freed_on_drop() {
        let hub = Hub::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = hub.open_stream(ip, 2).unwrap();
        let _b = hub.open_stream(ip, 2).unwrap();
        assert!(hub.open_stream(ip, 2).is_none());
        assert!(hub.open_stream("10.0.0.2".parse().unwrap(), 2).is_some());
        drop(a);
        assert!(hub.open_stream(ip, 2).is_some());
    }

    #[test]
    fn a_notice_survives_the_trip_to_another_instance_and_garbage_is_refused() {
        let notice = Notice {
            org_id: Id::parse("abcdefghij12").unwrap(),
            last_id: 42,
            batch: None,
        };
        let wire = notice.to_wire("instance0001");
        let (back, sender) = Notice::from_wire(&wire).unwrap();
        assert_eq!(
            (back.org_id, back.last_id, sender),
            (notice.org_id, 42, "instance0001")
        );
        for bad in [
            "",
            "abcdefghij12",
            "abcdefghij12:x:i",
            "NOT AN ID:1:i",
            "abcdefghij12:1",
        ] {
            assert!(Notice::from_wire(bad).is_none(), "{bad:?}");
        }
    }
}
