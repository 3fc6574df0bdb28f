//! Just enough HTTP/1.1 for one Server-Sent Events subscriber: a hand-written GET, the response
//! head, a chunked-body decoder and SSE line parsing. Cheaper per connection than any client
//! library, which is what lets one process hold ten thousand of them.

/// Where a response head ends, if it has arrived.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The GET request for an SSE stream.
pub fn request(host: &str, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\
         Cache-Control: no-cache\r\nUser-Agent: beacon-live-load\r\n\r\n"
    )
}

/// Checks the head says 200 and tells whether the body is chunked.
pub fn check_head(head: &[u8]) -> Result<bool, String> {
    let text = String::from_utf8_lossy(head);
    let status = text.lines().next().unwrap_or("");
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("answered {status:?}"));
    }
    let lower = text.to_ascii_lowercase();
    if !lower.contains("content-type: text/event-stream") {
        return Err("not text/event-stream".into());
    }
    Ok(lower.contains("transfer-encoding: chunked"))
}

/// Decodes a chunked body incrementally.
#[derive(Default)]
pub struct Chunked {
    /// Bytes left in the current chunk's data, then 2 for its CRLF.
    data_left: usize,
    crlf_left: usize,
    size_line: Vec<u8>,
    /// The last (zero-size) chunk was seen.
    pub ended: bool,
}

impl Chunked {
    /// Appends the decoded bytes of `input` to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        while !input.is_empty() && !self.ended {
            if self.data_left > 0 {
                let n = self.data_left.min(input.len());
                out.extend_from_slice(&input[..n]);
                self.data_left -= n;
                input = &input[n..];
            } else if self.crlf_left > 0 {
                let n = self.crlf_left.min(input.len());
                self.crlf_left -= n;
                input = &input[n..];
            } else if let Some(nl) = input.iter().position(|b| *b == b'\n') {
                self.size_line.extend_from_slice(&input[..nl]);
                input = &input[nl + 1..];
                let line = String::from_utf8_lossy(&self.size_line).into_owned();
                self.size_line.clear();
                let hex = line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(hex, 16)
                    .map_err(|_| format!("bad chunk size line {line:?}"))?;
                if size == 0 {
                    self.ended = true;
                } else {
                    self.data_left = size;
                    self.crlf_left = 2;
                }
            } else {
                self.size_line.extend_from_slice(input);
                input = &[];
            }
        }
        Ok(())
    }
}

/// One event as far as the load tool cares: its id and whether it is a status change.
#[derive(Debug, PartialEq)]
pub struct Parsed {
    pub id: i64,
    pub status_changed: bool,
}

/// Splits decoded SSE text into events; keeps a partial line or event for the next call.
#[derive(Default)]
pub struct Lines {
    text: Vec<u8>,
    id: Option<i64>,
    kind: String,
}

impl Lines {
    /// Consumes `decoded` and returns the events it completed.
    pub fn feed(&mut self, decoded: &[u8]) -> Vec<Parsed> {
        self.text.extend_from_slice(decoded);
        let mut done = Vec::new();
        let mut start = 0;
        while let Some(nl) = self.text[start..].iter().position(|b| *b == b'\n') {
            let mut line = &self.text[start..start + nl];
            start += nl + 1;
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            if line.is_empty() {
                if let Some(id) = self.id.take() {
                    done.push(Parsed {
                        id,
                        status_changed: self.kind == "service.status_changed",
                    });
                }
                self.kind.clear();
            } else if let Some(v) = line.strip_prefix(b"id:") {
                self.id = String::from_utf8_lossy(v).trim().parse().ok();
            } else if let Some(v) = line.strip_prefix(b"event:") {
                self.kind = String::from_utf8_lossy(v).trim().to_owned();
            }
        }
        self.text.drain(..start);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_sse_split_anywhere_yields_the_same_events() {
        let chunk = |s: &str| format!("{:x}\r\n{s}\r\n", s.len());
        let body = [
            chunk("id: 7\nevent: service.updated\n\n"),
            chunk("id: 8\nevent: service.status_changed\ndata: {\"id\":8}\n\n"),
            chunk(":\n\n"),
        ]
        .concat();
        let body = body.as_bytes();
        for cut in 0..body.len() {
            let (mut c, mut l, mut out, mut got) =
                (Chunked::default(), Lines::default(), vec![], vec![]);
            for part in [&body[..cut], &body[cut..]] {
                out.clear();
                c.feed(part, &mut out).unwrap();
                got.extend(l.feed(&out));
            }
            assert_eq!(
                got,
                vec![
                    Parsed {
                        id: 7,
                        status_changed: false
                    },
                    Parsed {
                        id: 8,
                        status_changed: true
                    }
                ],
                "cut at {cut}"
            );
        }
    }
}
