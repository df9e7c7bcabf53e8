//! Property tests of the SSE decoder: whatever bytes the network brings,
//! and however they are split, it never panics, and a valid stream decodes
//! to the same events for every split.

use proptest::prelude::*;

use super::sse::{SseDecoder, SseEvent};

/// Decodes `bytes` fed in the chunks that `cuts` (positions) delimit.
fn decode_split(bytes: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    let mut start = 0;
    for cut in cuts {
        events.extend(decoder.push(&bytes[start..cut]));
        start = cut;
    }
    events.extend(decoder.push(&bytes[start..]));
    events.extend(decoder.finish());
    events
}

/// A well-formed stream: events of `data:` lines (any text without line
/// breaks), optional names, comments, `\n` or `\r\n` line ends.
fn valid_stream() -> impl Strategy<Value = Vec<u8>> {
    let line = "[^\r\n]{0,20}";
    let event = (
        proptest::option::of("[a-z]{1,8}"),
        proptest::collection::vec(line, 1..4),
        any::<bool>(),
        any::<bool>(),
    );
    proptest::collection::vec(event, 0..6).prop_map(|events| {
        let mut out = String::new();
        for (name, data, crlf, comment) in events {
            let eol = if crlf { "\r\n" } else { "\n" };
            if comment {
                out.push_str(&format!(": keep-alive{eol}"));
            }
            if let Some(name) = name {
                out.push_str(&format!("event: {name}{eol}"));
            }
            for d in data {
                out.push_str(&format!("data: {d}{eol}"));
            }
            out.push_str(eol);
        }
        out.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_chunks_never_panic(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..32)
    ) {
        let mut decoder = SseDecoder::new();
        for chunk in &chunks {
            let _ = decoder.push(chunk);
        }
        let _ = decoder.finish();
        // Still usable afterwards.
        let events = decoder.push(b"data: ok\n\n");
        prop_assert_eq!(events.last().map(|e| e.data.as_str()), Some("ok"));
    }

    #[test]
    fn any_split_of_a_valid_stream_gives_the_same_events(
        stream in valid_stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let whole = decode_split(&stream, &[]);
        prop_assert_eq!(decode_split(&stream, &cuts), whole);
    }

    #[test]
    fn any_split_of_arbitrary_bytes_gives_the_same_events(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assert_eq!(decode_split(&bytes, &cuts), decode_split(&bytes, &[]));
    }
}
