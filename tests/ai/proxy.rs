//! `/ai/completions` through the proxy, with wiremock standing in for Mistral:
//! each upstream outcome gets its contract status and a history row.

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use crate::common::{history, problem, spawn_app_on_mistral, Backend};
use crate::on_every_backend;
use crate::support::{ask, completion, mistral_app};

on_every_backend!(
    a_completion_is_answered_and_in_history_at_once,
    a_streamed_completion_ends_with_done_after_its_row_is_stored,
);

async fn a_completion_is_answered_and_in_history_at_once(backend: Backend) {
    let upstream = ResponseTemplate::new(200).set_body_json(completion("Run 3 times a week."));
    let Some((app, _mock, token)) = mistral_app(backend, upstream).await else {
        return;
    };
    let resp = ask(
        &app,
        &token,
        json!({"prompt": "How do I get faster?", "temperature": 0.2}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["content"], "Run 3 times a week.");
    assert_eq!(body["completion"], body["content"], "v0.1 alias");
    assert_eq!(body["usage"]["total_tokens"], 12);
    assert_eq!(body["finish_reason"], "stop");
    assert!(body["latency_ms"].is_u64());
    let rows = history(&app, &token).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], body["id"]);
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[0]["prompt"], "How do I get faster?");
    assert_eq!(rows[0]["response"], "Run 3 times a week.");
    assert_eq!(rows[0]["usage"]["total_tokens"], 12);
}

async fn a_streamed_completion_ends_with_done_after_its_row_is_stored(backend: Backend) {
    let chunks = [
        r#"{"model":"mistral-small-latest","choices":[{"delta":{"content":"Sleep "}}]}"#,
        r#"{"model":"mistral-small-latest","choices":[{"delta":{"content":"more."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
        "[DONE]",
    ];
    let body: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    let upstream = ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body);
    let Some((app, _mock, token)) = mistral_app(backend, upstream).await else {
        return;
    };
    let resp = ask(&app, &token, json!({"prompt": "tips", "stream": true})).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/event-stream"));
    let text = resp.text().await.expect("body");
    assert!(text.contains(r#"data: {"delta":"Sleep "}"#), "{text}");
    let done = text.split("event: done\n").nth(1).expect("done event");
    let data: Value =
        serde_json::from_str(done.trim().trim_start_matches("data: ")).expect("done data");
    assert_eq!(data["usage"]["total_tokens"], 5);
    let rows = history(&app, &token).await;
    assert_eq!(rows[0]["id"], data["id"]);
    assert_eq!(rows[0]["response"], "Sleep more.");
    assert_eq!(rows[0]["status"], "ok");
}

/// Each upstream failure: its status and code, and an error row in history.
async fn failure_is_mapped_and_recorded(
    upstream: ResponseTemplate,
    status: u16,
    code: &str,
) -> Value {
    let (app, _mock, token) = mistral_app(Backend::Sqlite, upstream).await.expect("app");
    let resp = ask(&app, &token, json!({"prompt": "hello"})).await;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = problem(resp, status, code).await;
    let rows = history(&app, &token).await;
    assert_eq!(rows.len(), 1, "one history row");
    assert_eq!(rows[0]["status"], "error");
    assert_eq!(rows[0]["error_code"], code);
    json!({"problem": body, "retry_after": retry_after})
}

#[tokio::test]
async fn an_upstream_401_is_a_502() {
    failure_is_mapped_and_recorded(
        ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})),
        502,
        "upstream_error",
    )
    .await;
}

#[tokio::test]
async fn an_upstream_429_passes_its_retry_after_on() {
    let out = failure_is_mapped_and_recorded(
        ResponseTemplate::new(429).insert_header("retry-after", "7"),
        429,
        "upstream_rate_limited",
    )
    .await;
    assert_eq!(out["retry_after"], "7");
}

#[tokio::test]
async fn an_upstream_500_is_a_502() {
    failure_is_mapped_and_recorded(ResponseTemplate::new(500), 502, "upstream_error").await;
}

#[tokio::test]
async fn malformed_upstream_json_is_a_502() {
    failure_is_mapped_and_recorded(
        ResponseTemplate::new(200).set_body_string("{not json"),
        502,
        "upstream_error",
    )
    .await;
}

#[tokio::test]
async fn a_reply_slower_than_the_timeout_is_a_504() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(completion("late"))
        .set_delay(std::time::Duration::from_secs(3));
    failure_is_mapped_and_recorded(slow, 504, "upstream_timeout").await;
}

#[tokio::test]
async fn an_unreachable_provider_is_a_503() {
    let refusing = crate::common::refusing::Refusing::new();
    let (app, token) = spawn_app_on_mistral(Backend::Sqlite, &refusing.url("http"), &[])
        .await
        .expect("app");
    problem(
        ask(&app, &token, json!({"prompt": "hello"})).await,
        503,
        "llm_unavailable",
    )
    .await;
    assert_eq!(
        history(&app, &token).await[0]["error_code"],
        "llm_unavailable"
    );
}

#[tokio::test]
async fn a_stream_cut_in_the_middle_ends_with_an_error_event_and_an_error_row() {
    let body = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"Half \"}}]}\n\n";
    let upstream = ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body);
    let (app, _mock, token) = mistral_app(Backend::Sqlite, upstream).await.expect("app");
    let text = ask(&app, &token, json!({"prompt": "x", "stream": true}))
        .await
        .text()
        .await
        .expect("body");
    assert!(text.contains("event: error"), "{text}");
    assert!(text.contains("upstream_error"), "{text}");
    assert!(!text.contains("event: done"), "{text}");
    let rows = history(&app, &token).await;
    assert_eq!(rows[0]["status"], "error");
    assert_eq!(rows[0]["response"], "Half ");
}

#[tokio::test]
async fn checks_happen_before_any_upstream_call() {
    let (app, mock, token) = mistral_app(Backend::Sqlite, ResponseTemplate::new(500))
        .await
        .expect("app");
    let long = "x".repeat(8001);
    let body = problem(
        ask(&app, &token, json!({"prompt": long})).await,
        422,
        "prompt_too_long",
    )
    .await;
    assert!(
        body["detail"].as_str().expect("detail").contains("8000"),
        "{body}"
    );
    problem(
        ask(&app, &token, json!({"prompt": "hi", "model": "gpt-4"})).await,
        422,
        "validation_error",
    )
    .await;
    problem(
        ask(&app, &token, json!({"prompt": ""})).await,
        422,
        "validation_error",
    )
    .await;
    problem(
        ask(&app, &token, json!({"prompt": "hi", "temperature": 9})).await,
        422,
        "validation_error",
    )
    .await;
    problem(
        ask(&app, &token, json!({"prompt": "hi", "max_tokens": -1})).await,
        422,
        "validation_error",
    )
    .await;
    problem(
        app.post_json("/ai/completions", &json!({"prompt": "hi"}))
            .await,
        401,
        "unauthorized",
    )
    .await;
    assert!(mock.received_requests().await.expect("recorded").is_empty());
    assert!(history(&app, &token).await.is_empty());
}
