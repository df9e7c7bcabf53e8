//! A small, pure, incremental decoder for server-sent events.
//!
//! Bytes are pushed as they come off the network, split anywhere (inside a
//! line, inside a `\r\n`, inside a multi-byte UTF-8 character). Complete lines
//! are decoded as UTF-8 (invalid sequences become U+FFFD, never a panic);
//! `data:` lines accumulate until a blank line dispatches the event. Comments
//! (`:` lines) and unknown fields are ignored. A line longer than
//! [`MAX_LINE_BYTES`] is dropped so a hostile peer cannot grow memory forever.

/// The longest line kept; longer lines are discarded.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, when one was given.
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

/// Incremental SSE decoder; see the module documentation.
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    skipping_long_line: bool,
    data: Option<String>,
    event: Option<String>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                if !self.skipping_long_line {
                    let line = std::mem::take(&mut self.line);
                    self.process_line(&line, &mut out);
                }
                self.line.clear();
                self.skipping_long_line = false;
            } else if !self.skipping_long_line {
                if self.line.len() >= MAX_LINE_BYTES {
                    self.line.clear();
                    self.skipping_long_line = true;
                } else {
                    self.line.push(b);
                }
            }
        }
        out
    }

    /// Flushes at end of input: a last line without a newline and an event
    /// without its blank line are still dispatched.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        let mut out = Vec::new();
        if !self.line.is_empty() && !self.skipping_long_line {
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, &mut out);
        }
        self.line.clear();
        self.skipping_long_line = false;
        self.dispatch(&mut out);
        out
    }

    fn process_line(&mut self, raw: &[u8], out: &mut Vec<SseEvent>) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            self.dispatch(out);
            return;
        }
        let line = String::from_utf8_lossy(raw);
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "event" => self.event = Some(value.to_owned()),
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = self.event.take();
        if let Some(data) = self.data.take() {
            out.push(SseEvent { event, data });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn decodes_whole_events() {
        let mut d = SseDecoder::new();
        let ev = d.push(b"data: {\"a\":1}\n\ndata: [DONE]\n\n");
        assert_eq!(data(&ev), vec!["{\"a\":1}", "[DONE]"]);
    }

    #[test]
    fn handles_crlf_and_split_at_every_byte() {
        let input = "data: one\r\n\r\n: comment\r\nid: 3\r\nretry: 5\r\ndata: two\r\n\r\n";
        let mut d = SseDecoder::new();
        let mut ev = Vec::new();
        for b in input.as_bytes() {
            ev.extend(d.push(std::slice::from_ref(b)));
        }
        assert_eq!(data(&ev), vec!["one", "two"]);
    }

    #[test]
    fn utf8_split_across_chunks() {
        let input = "data: é€😀\n\n".as_bytes();
        for cut in 0..input.len() {
            let mut d = SseDecoder::new();
            let mut ev = d.push(&input[..cut]);
            ev.extend(d.push(&input[cut..]));
            assert_eq!(data(&ev), vec!["é€😀"], "cut at {cut}");
        }
    }

    #[test]
    fn multi_line_data_event_name_and_no_space() {
        let mut d = SseDecoder::new();
        let ev = d.push(b"event: done\ndata:a\ndata: b\n\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].event.as_deref(), Some("done"));
        assert_eq!(ev[0].data, "a\nb");
    }

    #[test]
    fn blank_lines_without_data_dispatch_nothing() {
        let mut d = SseDecoder::new();
        assert!(d.push(b"\n\n: ping\n\nevent: x\n\n").is_empty());
    }

    #[test]
    fn finish_flushes_unterminated_event() {
        let mut d = SseDecoder::new();
        assert!(d.push(b"data: [DONE]").is_empty());
        assert_eq!(data(&d.finish()), vec!["[DONE]"]);
        assert!(d.finish().is_empty());
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let mut d = SseDecoder::new();
        let mut seed: u32 = 12345;
        for _ in 0..2000 {
            let mut chunk = Vec::new();
            for _ in 0..(seed % 17) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                chunk.push((seed >> 16) as u8);
            }
            let _ = d.push(&chunk);
        }
        let _ = d.finish();
        let ev = d.push(b"\xff\xfe data: \xc3\n\ndata: ok\n\n");
        assert_eq!(ev.last().map(|e| e.data.as_str()), Some("ok"));
    }

    #[test]
    fn overlong_line_is_dropped() {
        let mut d = SseDecoder::new();
        let mut big = b"data: ".to_vec();
        big.resize(MAX_LINE_BYTES + 10, b'x');
        assert!(d.push(&big).is_empty());
        let ev = d.push(b"\ndata: small\n\n");
        assert_eq!(data(&ev), vec!["small"]);
    }
}
