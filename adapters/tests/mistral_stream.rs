//! MistralClient (streamed) against a wiremock server.

// Test code throughout, helpers outside `#[test]` functions included.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{client, request, requests, server_with};
use futures::StreamExt;
use nextarget_ports::llm::{LlmClient, LlmError, StreamEvent, Usage};
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

fn sse(chunks: &[&str]) -> ResponseTemplate {
    let body: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(format!(": keep-alive\n\n{body}"))
}

async fn collect(server: &MockServer) -> Vec<Result<StreamEvent, LlmError>> {
    let stream = client(&server.uri(), Duration::from_secs(5))
        .stream(request(false))
        .await
        .expect("stream starts");
    stream.collect().await
}

#[tokio::test]
async fn streamed_success_yields_deltas_then_done() {
    let server = server_with(sse(&[
        r#"{"model":"m-1","choices":[{"delta":{"role":"assistant","content":""}}]}"#,
        r#"{"model":"m-1","choices":[{"delta":{"content":"Hel"},"finish_reason":null}]}"#,
        r#"{"model":"m-1","choices":[{"delta":{"content":"lo é"}}]}"#,
        r#"{"model":"m-1","choices":[{"delta":{"content":"!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#,
        "[DONE]",
    ]))
    .await;
    let items = collect(&server).await;
    let expected = vec![
        Ok(StreamEvent::Delta("Hel".into())),
        Ok(StreamEvent::Delta("lo é".into())),
        Ok(StreamEvent::Delta("!".into())),
        Ok(StreamEvent::Done {
            model: "m-1".into(),
            finish_reason: "stop".into(),
            usage: Usage {
                prompt_tokens: 5,
                completion_tokens: 3,
                total_tokens: 8,
            },
        }),
    ];
    assert_eq!(items, expected);
    let body: Value = serde_json::from_slice(&requests(&server).await[0].body).expect("json");
    assert_eq!(body["stream"], json!(true));
}

#[tokio::test]
async fn stream_cut_in_the_middle_ends_with_an_error() {
    let server = server_with(sse(&[
        r#"{"choices":[{"delta":{"content":"a"}}]}"#,
        r#"{"choices":[{"delta":{"content":"b"}}]}"#,
    ]))
    .await;
    let items = collect(&server).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0], Ok(StreamEvent::Delta("a".into())));
    assert_eq!(items[1], Ok(StreamEvent::Delta("b".into())));
    assert!(matches!(items[2], Err(LlmError::Upstream { .. })));
}

#[tokio::test]
async fn malformed_stream_chunk_ends_with_an_error() {
    let server = server_with(sse(&[
        r#"{"choices":[{"delta":{"content":"a"}}]}"#,
        "{oops",
    ]))
    .await;
    let items = collect(&server).await;
    assert_eq!(items.len(), 2);
    assert!(matches!(
        items[1],
        Err(LlmError::Upstream {
            status: Some(200),
            ..
        })
    ));
}

#[tokio::test]
async fn stream_refused_before_start_is_an_err() {
    let server = server_with(ResponseTemplate::new(429).insert_header("retry-after", "1.5")).await;
    let started = client(&server.uri(), Duration::from_secs(5))
        .stream(request(false))
        .await;
    assert!(matches!(
        started,
        Err(LlmError::RateLimited {
            retry_after_secs: Some(2)
        })
    ));
}
