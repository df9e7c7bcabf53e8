//! Mistral, played by wiremock for the tests that run the real binary
//! (`tests/ops/shutdown.rs`, the cluster test): a whole answer and a
//! streamed one, each held `delay` so that requests are in flight when the
//! server is stopped or killed.

use std::time::Duration;

use serde_json::json;
use wiremock::{
    matchers::{body_partial_json, method, path},
    Mock, MockServer, ResponseTemplate,
};

pub async fn mount(server: &MockServer, delay: Duration) {
    let whole = json!({
        "model": "mistral-small-latest",
        "choices": [{"message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"stream": false})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(whole)
                .set_delay(delay),
        )
        .mount(server)
        .await;
    let chunks = [
        r#"{"model":"mistral-small-latest","choices":[{"delta":{"content":"hel"}}]}"#,
        r#"{"model":"mistral-small-latest","choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
        "[DONE]",
    ];
    let body: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(body)
                .set_delay(delay),
        )
        .mount(server)
        .await;
}
