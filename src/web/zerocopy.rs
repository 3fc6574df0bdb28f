//! Large snapshot bodies sent without copying them, as nginx sends a static file (Linux).
//!
//! A status page's HTML runs to 100 KiB and more. Written from the heap, every response costs a
//! copy of it into the socket; nginx sends the same bytes from the page cache with `sendfile(2)`
//! and skips that copy, which was a fifth of the server's CPU on the page benchmark. So each
//! snapshot also writes its large bodies into one file and remembers where their heap bytes live
//! ([`promote`]); [`Conn`], the socket every connection writes through, recognises a write of
//! such bytes by their address and sends them from the file instead. Everything else is written
//! as usual. The cost is the large bodies held twice (heap and file).
//!
//! The file is an unnamed one (`O_TMPFILE`, mode 0600) in the temporary directory (`TMPDIR`,
//! else `/tmp`), which disappears with its last descriptor; where that fails, a sealed in-memory
//! file (`memfd_create(2)`); where both fail (or off Linux) the bodies are written from the heap.
//! A disk file's page cache sent the 137 KB page about 10% faster than shared memory did (55k
//! against 50k req/s, 64 connections, Linux 6.18 on ext4), as it did for nginx serving the same
//! file from `/tmp` or from `/dev/shm`. Each body starts on a page of the file: `sendfile` of a
//! body starting mid-page was three times slower.
//!
//! A response's head goes first with `sendmsg(MSG_MORE)`, so TCP holds it for the body that
//! follows and both leave in full-sized segments, as nginx's `tcp_nopush` does with `TCP_CORK`
//! (two system calls fewer per response than corking and uncorking).
//!
//! rustix gives safe `O_TMPFILE`, `memfd_create`, seals, `sendmsg` and `sendfile`: the crate
//! keeps `forbid(unsafe_code)`.

use axum::body::Bytes;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Bodies at least this long are also kept in a file.
pub const MIN_LEN: usize = 32 * 1024;

/// Each body starts on a page of its file. `sendfile` of a body that starts mid-page was three
/// times slower than of the same body page-aligned (19k against 55k req/s for the 137 KB page,
/// 64 connections, Linux 6.18): every page it hands to TCP is split across two.
const PAGE: usize = 4096;

/// Writes shorter than this are copied as usual, even from a promoted body (the tail of a
/// partial send): copying a few KiB is cheap, and small writes, such as live events, never look
/// at the registry's lock.
const SENDFILE_MIN: usize = 4096;

/// A TCP connection whose writes of promoted bytes go out with `sendfile(2)`.
pub struct Conn {
    tcp: TcpStream,
}

impl Conn {
    pub fn new(tcp: TcpStream) -> Conn {
        Conn { tcp }
    }

    /// The socket, off this runtime.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.tcp.into_std()
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        #[cfg(target_os = "linux")]
        {
            if let Some(poll) = linux::poll_write(&self.tcp, cx, bufs) {
                return poll;
            }
        }
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Copies every body of at least [`MIN_LEN`] bytes into one sealed in-memory file, so [`Conn`]
/// can send them with `sendfile(2)`. The bytes do not change; on failure (or off Linux) nothing
/// does.
pub fn promote<'a>(bodies: impl IntoIterator<Item = &'a mut Bytes>) {
    let large: Vec<&mut Bytes> = bodies.into_iter().filter(|b| b.len() >= MIN_LEN).collect();
    if large.is_empty() {
        return;
    }
    #[cfg(target_os = "linux")]
    match linux::map(large.iter().map(|b| &b[..])) {
        Ok(file) => {
            let mut at = 0;
            for body in large {
                let len = body.len();
                *body = file.slice(at..at + len);
                at += len.next_multiple_of(PAGE);
            }
        }
        Err(e) => tracing::debug!(error = %e, "large bodies stay on the heap"),
    }
}

/// Whether these bytes lie in a promoted file (tests: proves the `sendfile` path is taken).
pub fn is_promoted(bytes: &[u8]) -> bool {
    #[cfg(target_os = "linux")]
    return linux::region(bytes).is_some();
    #[cfg(not(target_os = "linux"))]
    return false;
}

#[cfg(target_os = "linux")]
mod linux {
    use super::*;
    use rustix::fs::{MemfdFlags, Mode, OFlags, SealFlags};
    use std::collections::BTreeMap;
    use std::fs::File;
    use std::io::Write;
    use std::os::fd::{AsFd, OwnedFd};
    use std::sync::{Arc, RwLock};
    use tokio::io::Interest;

    /// Every live promoted buffer: its start address -> (its length, the file with its bytes).
    type Regions = BTreeMap<usize, (usize, Arc<OwnedFd>)>;
    static REGIONS: RwLock<Regions> = RwLock::new(BTreeMap::new());

    /// Bytes kept twice: on the heap, for everything that reads them, and in a sealed memfd,
    /// for `sendfile`. Forgotten by the registry when the last `Bytes` slice of it goes.
    struct Promoted {
        data: Vec<u8>,
    }

    impl AsRef<[u8]> for Promoted {
        fn as_ref(&self) -> &[u8] {
            &self.data
        }
    }

    impl Drop for Promoted {
        fn drop(&mut self) {
            let file = REGIONS
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&(self.data.as_ptr() as usize));
            // Closed (and a spool file's blocks freed) after the lock, which every large write
            // takes to look its bytes up.
            drop(file);
        }
    }

    /// The bytes of `parts`, one after another, registered with a sealed memfd holding a copy.
    pub(super) fn map<'a>(parts: impl Iterator<Item = &'a [u8]>) -> io::Result<Bytes> {
        let mut data = Vec::new();
        for part in parts {
            // Padded so the next part starts on a page of the file (offsets in the heap copy and
            // in the file are the same).
            data.resize(data.len().next_multiple_of(PAGE), 0);
            data.extend_from_slice(part);
        }
        let file = match spool_file(&data) {
            Ok(file) => file,
            Err(e) => {
                tracing::debug!(error = %e, "no spool file in the temporary directory: memfd");
                sealed_memfd(&data)?
            }
        };
        REGIONS
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(data.as_ptr() as usize, (data.len(), Arc::new(file.into())));
        // The heap buffer does not move when `data` does: the registered address stays true.
        Ok(Bytes::from_owner(Promoted { data }))
    }

    /// `data` in an unnamed file of the temporary directory (`O_TMPFILE`, mode 0600: no name,
    /// gone with its last descriptor).
    fn spool_file(data: &[u8]) -> io::Result<File> {
        let fd = rustix::fs::open(
            std::env::temp_dir(),
            OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
            Mode::RUSR | Mode::WUSR,
        )?;
        let mut file = File::from(fd);
        file.write_all(data)?;
        Ok(file)
    }

    /// `data` in a sealed in-memory file.
    fn sealed_memfd(data: &[u8]) -> io::Result<File> {
        let fd = rustix::fs::memfd_create(
            "beacon-snapshot",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        let mut file = File::from(fd);
        file.write_all(data)?;
        rustix::fs::fcntl_add_seals(
            &file,
            SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL,
        )?;
        Ok(file)
    }

    /// The file and offset holding `bytes`, when they lie wholly in one promoted buffer.
    pub(super) fn region(bytes: &[u8]) -> Option<(Arc<OwnedFd>, u64)> {
        region_at(bytes.as_ptr() as usize, bytes.len())
    }

    /// The file and offset holding the `len` bytes at address `start`.
    pub(super) fn region_at(start: usize, len: usize) -> Option<(Arc<OwnedFd>, u64)> {
        if len == 0 {
            return None;
        }
        let regions = REGIONS.read().unwrap_or_else(|p| p.into_inner());
        let (&base, (size, file)) = regions.range(..=start).next_back()?;
        (start + len <= base + size).then(|| (file.clone(), (start - base) as u64))
    }

    /// Writes `bufs` when one of them lies in a promoted buffer: the slices before it with
    /// `sendmsg(MSG_MORE)` (TCP holds them for the body), or that slice itself with `sendfile`.
    /// Either is a partial write, which the caller continues. `None` when no slice is promoted.
    pub(super) fn poll_write(
        tcp: &TcpStream,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Option<Poll<io::Result<usize>>> {
        let (first, (file, offset)) = bufs
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() >= SENDFILE_MIN)
            .find_map(|(i, b)| region(b).map(|r| (i, r)))?;
        // Empty slices before it count as nothing written.
        Some(if bufs[..first].iter().all(|b| b.is_empty()) {
            let len = bufs[first].len();
            poll_io(tcp, cx, || {
                let mut at = offset;
                Ok(rustix::fs::sendfile(
                    tcp.as_fd(),
                    &file,
                    Some(&mut at),
                    len,
                )?)
            })
        } else {
            poll_io(tcp, cx, || {
                Ok(rustix::net::sendmsg(
                    tcp,
                    &bufs[..first],
                    &mut rustix::net::SendAncillaryBuffer::default(),
                    rustix::net::SendFlags::MORE | rustix::net::SendFlags::NOSIGNAL,
                )?)
            })
        })
    }

    /// Runs a non-blocking write once the socket is writable, waiting again on `WouldBlock`.
    fn poll_io(
        tcp: &TcpStream,
        cx: &mut Context<'_>,
        mut write: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(tcp.poll_write_ready(cx))?;
            match tcp.try_io(Interest::WRITABLE, &mut write) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn only_large_bodies_are_promoted_and_their_bytes_do_not_change() {
        let big = pattern(MIN_LEN + 1000);
        let other = pattern(MIN_LEN * 3);
        let mut bodies = vec![
            Bytes::from(big.clone()),
            Bytes::from_static(b"small"),
            Bytes::from(other.clone()),
        ];
        promote(bodies.iter_mut());
        assert_eq!(&bodies[0][..], &big[..]);
        assert_eq!(&bodies[1][..], b"small");
        assert_eq!(&bodies[2][..], &other[..]);
        assert!(!is_promoted(&bodies[1]));
        if cfg!(target_os = "linux") {
            assert!(is_promoted(&bodies[0]) && is_promoted(&bodies[2][10..500]));
        }
        #[cfg(target_os = "linux")]
        for body in [&bodies[0], &bodies[2]] {
            let (_, offset) = linux::region(body).unwrap();
            assert_eq!(
                offset % PAGE as u64,
                0,
                "each body starts on a page of the file"
            );
        }
        #[cfg(target_os = "linux")]
        {
            let (start, len) = (bodies[2].as_ptr() as usize, bodies[2].len());
            assert!(linux::region_at(start, len).is_some());
            drop(bodies);
            // The mapping went with its last slice: nothing claims those addresses any more.
            assert!(linux::region_at(start, len).is_none());
        }
    }

    #[tokio::test]
    async fn a_response_of_heap_and_promoted_bytes_arrives_intact() {
        let body = pattern(400 * 1024);
        let mut promoted = [Bytes::from(body.clone())];
        promote(promoted.iter_mut());
        let body_bytes = promoted[0].clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let reader = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut conn = Conn::new(TcpStream::connect(addr).await.unwrap());
        let head = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        let tail = b"-end".to_vec();
        // Written as hyper writes: vectored, continuing after every partial write.
        let (mut h, mut b, mut t) = (&head[..], &body_bytes[..], &tail[..]);
        while !(h.is_empty() && b.is_empty() && t.is_empty()) {
            let slices = [IoSlice::new(h), IoSlice::new(b), IoSlice::new(t)];
            let mut n = conn.write_vectored(&slices).await.unwrap();
            for part in [&mut h, &mut b, &mut t] {
                let k = n.min(part.len());
                *part = &part[k..];
                n -= k;
            }
        }
        conn.shutdown().await.unwrap();
        let got = reader.await.unwrap();
        let mut want = head.clone();
        want.extend_from_slice(&body);
        want.extend_from_slice(&tail);
        assert_eq!(got.len(), want.len());
        assert!(got == want, "the bytes on the wire are the bytes written");
    }
}
