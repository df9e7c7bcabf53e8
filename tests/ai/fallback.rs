//! Fallback models (`llm.fallbacks`, `llm.fallback_models`): tried when the
//! primary fails before its first byte with a timeout, a refused
//! connection or a 5xx; never on a 4xx, never once a stream has started.
//! The answer and the history row name the model that answered.

use std::time::Duration;

use nextarget::config::LlmFallback;
use serde_json::{json, Value};
use wiremock::{
    matchers::{body_partial_json, method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{
    history, problem, refusing::Refusing, spawn_app_on_mistral, spawn_instance_with, test_database,
    Backend, TestApp,
};
use crate::on_every_backend;
use crate::support::{ask, completion, partial_stream_provider, AfterDelta};

const PRIMARY: &str = "mistral-small-latest";
const FALLBACK: &str = "fallback-model";

/// What the fallback model answers.
fn fallback_answer() -> ResponseTemplate {
    let mut body = completion("from the fallback");
    body["model"] = json!(FALLBACK);
    ResponseTemplate::new(200).set_body_json(body)
}

/// One provider serving both models: the primary answers `primary`, the
/// fallback answers.
async fn provider(primary: ResponseTemplate) -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"model": PRIMARY})))
        .respond_with(primary)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"model": FALLBACK})))
        .respond_with(fallback_answer())
        .mount(&mock)
        .await;
    mock
}

/// Requests the provider got for `model`.
async fn calls_for(mock: &MockServer, model: &str) -> usize {
    mock.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| serde_json::from_slice::<Value>(&r.body).is_ok_and(|b| b["model"] == model))
        .count()
}

async fn app_on(backend: Backend, mock: &MockServer) -> Option<(TestApp, String)> {
    spawn_app_on_mistral(
        backend,
        &mock.uri(),
        &[("llm.timeout_secs", "1"), ("llm.fallback_models", FALLBACK)],
    )
    .await
}

/// A server whose primary is Mistral at `primary_url`, with one fallback
/// at `fallback`'s address under `api_key` (the primary's when `None`),
/// and a signed-up user's token.
async fn app_with_fallback_at(
    primary_url: &str,
    fallback: &MockServer,
    api_key: Option<&str>,
) -> (TestApp, String) {
    let fallback_url = url::Url::parse(&fallback.uri()).expect("url");
    let db = test_database(Backend::Sqlite).await.expect("db");
    let app = spawn_instance_with(
        &db,
        &[
            ("llm.provider", "mistral"),
            ("llm.base_url", primary_url),
            ("llm.api_key", "test-key"),
        ],
        None,
        |s| {
            s.llm.fallbacks.push(LlmFallback {
                model: FALLBACK.into(),
                base_url: Some(fallback_url),
                api_key: api_key.map(|k| k.to_owned().into()),
            });
        },
    )
    .await;
    let token = app.new_user_token().await;
    (app, token)
}

/// The fallback answered: its model in the answer and in history.
async fn answered_by_the_fallback(app: &TestApp, token: &str) {
    let resp = ask(app, token, json!({"prompt": "hi"})).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["model"], FALLBACK);
    assert_eq!(body["content"], "from the fallback");
    let rows = history(app, token).await;
    assert_eq!(rows[0]["id"], body["id"]);
    assert_eq!(rows[0]["model"], FALLBACK);
    assert_eq!(rows[0]["status"], "ok");
}

on_every_backend!(a_503_of_the_primary_is_answered_by_the_fallback);

async fn a_503_of_the_primary_is_answered_by_the_fallback(backend: Backend) {
    let mock = provider(ResponseTemplate::new(503)).await;
    let Some((app, token)) = app_on(backend, &mock).await else {
        return;
    };
    answered_by_the_fallback(&app, &token).await;
    assert!(calls_for(&mock, PRIMARY).await >= 1);
    assert_eq!(calls_for(&mock, FALLBACK).await, 1);
    let scrape = app.get("/metrics").await.text().await.expect("metrics");
    for attempt in [
        format!("llm_attempts_total{{model=\"{PRIMARY}\",outcome=\"upstream_error\"}}"),
        format!("llm_attempts_total{{model=\"{FALLBACK}\",outcome=\"ok\"}}"),
    ] {
        assert!(scrape.contains(&attempt), "{attempt} in {scrape}");
    }
}

#[tokio::test]
async fn a_primary_timing_out_is_answered_by_the_fallback() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(completion("too late"))
        .set_delay(Duration::from_secs(3));
    let mock = provider(slow).await;
    let (app, token) = app_on(Backend::Sqlite, &mock).await.expect("app");
    answered_by_the_fallback(&app, &token).await;
}

#[tokio::test]
async fn a_primary_refusing_connections_is_answered_by_a_fallback_elsewhere() {
    let refusing = Refusing::new();
    let mock = provider(ResponseTemplate::new(500)).await;
    let (app, token) = app_with_fallback_at(&refusing.url("http"), &mock, Some("other-key")).await;
    answered_by_the_fallback(&app, &token).await;
    let sent = mock.received_requests().await.unwrap_or_default();
    assert_eq!(sent.len(), 1, "only the fallback's request reached it");
    assert_eq!(sent[0].headers["authorization"], "Bearer other-key");
}

#[tokio::test]
async fn a_4xx_of_the_primary_is_the_answer_and_no_fallback_is_tried() {
    let cases = [
        (ResponseTemplate::new(400), 502, "upstream_error"),
        (ResponseTemplate::new(401), 502, "upstream_error"),
        (
            ResponseTemplate::new(429).insert_header("retry-after", "7"),
            429,
            "upstream_rate_limited",
        ),
    ];
    for (primary, status, code) in cases {
        let mock = provider(primary).await;
        let (app, token) = app_on(Backend::Sqlite, &mock).await.expect("app");
        problem(
            ask(&app, &token, json!({"prompt": "hi"})).await,
            status,
            code,
        )
        .await;
        assert_eq!(calls_for(&mock, FALLBACK).await, 0, "{code}: no fallback");
        assert_eq!(history(&app, &token).await[0]["model"], PRIMARY);
    }
}

#[tokio::test]
async fn a_stream_that_started_is_never_switched_to_a_fallback() {
    let primary = partial_stream_provider(AfterDelta::Close).await;
    let mock = provider(ResponseTemplate::new(500)).await;
    let (app, token) = app_with_fallback_at(&primary, &mock, None).await;
    let text = ask(&app, &token, json!({"prompt": "hi", "stream": true}))
        .await
        .text()
        .await
        .expect("body");
    assert!(text.contains("partial"), "{text}");
    assert!(text.contains("event: error"), "{text}");
    assert!(!text.contains("from the fallback"), "{text}");
    assert!(mock
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
    assert_eq!(history(&app, &token).await[0]["status"], "error");
}
