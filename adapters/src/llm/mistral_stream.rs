//! Turns an SSE response body into the port's [`CompletionStream`].
//!
//! Each chunk must arrive within the idle timeout of the previous one, else
//! the stream ends with [`LlmError::Timeout`]. Deltas are passed on as they
//! are decoded; the single `Done` comes at `data: [DONE]` (or at the end of
//! the body after a finish reason). A malformed chunk, a broken connection or
//! an end without a finish reason ends the stream with an `Err` item.

use std::collections::VecDeque;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::StreamExt;
use nextarget_ports::llm::{CompletionStream, LlmError, StreamEvent};

use super::mistral_wire::{Step, StreamState};
use super::sse::SseDecoder;

type Item = Result<StreamEvent, LlmError>;

/// Wraps `body` (network chunks, split anywhere) as a completion stream.
pub(super) fn sse_completion_stream<B>(
    body: BoxStream<'static, Result<B, LlmError>>,
    model: &str,
    idle: Duration,
) -> CompletionStream
where
    B: AsRef<[u8]> + Send + 'static,
{
    let reader = StreamReader {
        body,
        decoder: SseDecoder::new(),
        state: StreamState::new(model),
        pending: VecDeque::new(),
        idle,
        finished: false,
    };
    futures::stream::unfold(reader, StreamReader::next).boxed()
}

struct StreamReader<B> {
    body: BoxStream<'static, Result<B, LlmError>>,
    decoder: SseDecoder,
    state: StreamState,
    pending: VecDeque<Item>,
    idle: Duration,
    finished: bool,
}

impl<B: AsRef<[u8]>> StreamReader<B> {
    async fn next(mut self) -> Option<(Item, Self)> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some((item, self));
            }
            if self.finished {
                return None;
            }
            let mut out = Vec::new();
            match tokio::time::timeout(self.idle, self.body.next()).await {
                Err(_) => {
                    out.push(Err(LlmError::Timeout));
                    self.finished = true;
                }
                Ok(Some(Err(e))) => {
                    out.push(Err(e));
                    self.finished = true;
                }
                Ok(Some(Ok(bytes))) => {
                    let events = self.decoder.push(bytes.as_ref());
                    self.finished = self.feed(events, &mut out);
                }
                Ok(None) => {
                    let events = self.decoder.finish();
                    if !self.feed(events, &mut out) {
                        out.push(self.state.on_eof());
                    }
                    self.finished = true;
                }
            }
            self.pending.extend(out);
        }
    }

    /// Feeds decoded events to the state machine; true when the stream ended.
    fn feed(&mut self, events: Vec<super::sse::SseEvent>, out: &mut Vec<Item>) -> bool {
        events
            .iter()
            .any(|event| matches!(self.state.on_event(event, out), Step::End))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str =
        "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"h€\"}}]}\r\n\r\n\
        : ping\r\n\r\n\
        data: {\"choices\":[{\"delta\":{\"content\":\"y\"},\"finish_reason\":\"stop\"}],\
        \"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\r\n\r\n\
        data: [DONE]\r\n\r\ndata: {\"ignored\":true}\r\n\r\n";

    async fn run(chunks: Vec<Result<Vec<u8>, LlmError>>, idle_ms: u64) -> Vec<Item> {
        let body = futures::stream::iter(chunks).boxed();
        sse_completion_stream(body, "req-model", Duration::from_millis(idle_ms))
            .collect()
            .await
    }

    fn done(finish: &str, total: u32) -> Item {
        Ok(StreamEvent::Done {
            model: "m".into(),
            finish_reason: finish.into(),
            usage: nextarget_ports::llm::Usage {
                prompt_tokens: 1,
                completion_tokens: 2,
                total_tokens: total,
            },
        })
    }

    #[tokio::test]
    async fn any_chunk_split_gives_the_same_events() {
        let bytes = BODY.as_bytes();
        for size in [1, 2, 3, 7, 64, bytes.len()] {
            let chunks = bytes.chunks(size).map(|c| Ok(c.to_vec())).collect();
            let items = run(chunks, 1000).await;
            let expected = vec![
                Ok(StreamEvent::Delta("h€".into())),
                Ok(StreamEvent::Delta("y".into())),
                done("stop", 3),
            ];
            assert_eq!(items, expected, "chunk size {size}");
        }
    }

    #[tokio::test]
    async fn end_after_finish_reason_without_done_marker_is_fine() {
        let cut = BODY.find("data: [DONE]").unwrap_or(0);
        let items = run(vec![Ok(BODY.as_bytes()[..cut].to_vec())], 1000).await;
        assert_eq!(items.last(), Some(&done("stop", 3)));
    }

    #[tokio::test]
    async fn transport_error_ends_the_stream() {
        let broken = LlmError::Upstream {
            status: None,
            message: "broken".into(),
        };
        let items = run(
            vec![Ok(b"data: {}\n\n".to_vec()), Err(broken.clone())],
            1000,
        )
        .await;
        assert_eq!(items, vec![Err(broken)]);
    }

    #[tokio::test]
    async fn idle_timeout_ends_the_stream() {
        let body = futures::stream::pending::<Result<Vec<u8>, LlmError>>().boxed();
        let items: Vec<Item> = sse_completion_stream(body, "m", Duration::from_millis(50))
            .collect()
            .await;
        assert_eq!(items, vec![Err(LlmError::Timeout)]);
    }
}
