//! The daily token budget (`rate_limit.ai_tokens_per_day`): refused calls
//! never reach the provider, calls are charged their real usage (streams
//! at their end, an estimate when cut short), `/users/me/usage` tells, the
//! day ends at UTC midnight, and two instances on Redis share one budget.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{
    history, problem, redis_url, spawn_app_on_mistral, spawn_app_with_clock, spawn_instance,
    test_database, Backend, TestApp,
};
use crate::on_every_backend;
use crate::support::{ask, completion, hanging_provider};

/// Each answer of the mock costs 12 tokens (`support::completion`).
const BUDGET: &str = "20";

async fn provider() -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("ok")))
        .mount(&mock)
        .await;
    mock
}

async fn usage(app: &TestApp, token: &str) -> Value {
    let resp = app.get_with_token("/users/me/usage", token).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

async fn calls_made(mock: &MockServer) -> usize {
    mock.received_requests().await.unwrap_or_default().len()
}

on_every_backend!(a_spent_budget_refuses_before_the_provider_until_midnight);

async fn a_spent_budget_refuses_before_the_provider_until_midnight(backend: Backend) {
    let mock = provider().await;
    let Some((app, token)) = spawn_app_on_mistral(
        backend,
        &mock.uri(),
        &[("rate_limit.ai_tokens_per_day", BUDGET)],
    )
    .await
    else {
        return;
    };
    let fresh = usage(&app, &token).await;
    assert_eq!(fresh["tokens_used"], 0);
    assert_eq!(fresh["tokens_limit"], 20);
    assert_eq!(fresh["requests_limit"], 20);
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(fresh["day"], today);
    // 0 then 12 tokens used: both below 20, both start (and the second
    // completes past the budget: its real usage is charged).
    for _ in 0..2 {
        assert_eq!(
            ask(&app, &token, json!({"prompt": "hi"})).await.status(),
            200
        );
    }
    let resp = ask(&app, &token, json!({"prompt": "hi"})).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    let body = problem(resp, 429, "token_budget_exceeded").await;
    assert!(body["detail"]
        .as_str()
        .expect("detail")
        .contains("midnight"));
    let midnight = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .expect("tomorrow")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let left = u64::try_from((midnight - chrono::Utc::now()).num_seconds()).expect("ahead");
    assert!(retry.abs_diff(left) <= 2, "{retry} s, midnight in {left} s");
    assert_eq!(
        calls_made(&mock).await,
        2,
        "the refused call never went upstream"
    );
    assert_eq!(history(&app, &token).await.len(), 2);
    let spent = usage(&app, &token).await;
    assert_eq!(
        (
            spent["tokens_used"].as_u64(),
            spent["requests_used"].as_u64()
        ),
        (Some(24), Some(2))
    );
    // Another user has a budget of their own.
    let other = app.new_user_token().await;
    assert_eq!(
        ask(&app, &other, json!({"prompt": "hi"})).await.status(),
        200
    );
    // The coach shares the budget.
    let coach = app
        .post_json_with_token("/coach/advice", &token, &json!({"goal": "run faster"}))
        .await;
    problem(coach, 429, "token_budget_exceeded").await;
    let scrape = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        scrape.contains("ai_token_budget_refusals_total"),
        "{scrape}"
    );
    assert!(
        scrape.contains("ai_tokens_charged_total{source=\"reported\"}"),
        "{scrape}"
    );
}

#[tokio::test]
async fn the_budget_renews_at_utc_midnight() {
    let mock = provider().await;
    let uri = mock.uri();
    let app = spawn_app_with_clock(
        Backend::Sqlite,
        &[
            ("llm.provider", "mistral"),
            ("llm.base_url", &uri),
            ("llm.api_key", "test-key"),
            ("rate_limit.ai_tokens_per_day", "10"),
            // An access token that outlives the move to midnight.
            ("auth.access_token_ttl_secs", "200000"),
        ],
    )
    .await
    .expect("app");
    let token = app.new_user_token().await;
    assert_eq!(
        ask(&app, &token, json!({"prompt": "hi"})).await.status(),
        200
    );
    let resp = ask(&app, &token, json!({"prompt": "hi"})).await;
    let retry: i64 = resp.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    problem(resp, 429, "token_budget_exceeded").await;
    app.advance(retry);
    assert_eq!(
        ask(&app, &token, json!({"prompt": "hi"})).await.status(),
        200
    );
    let renewed = usage(&app, &token).await;
    assert_eq!(
        (
            renewed["tokens_used"].as_u64(),
            renewed["requests_used"].as_u64()
        ),
        (Some(12), Some(1))
    );
}

#[tokio::test]
async fn two_instances_on_redis_share_one_budget() {
    let Some(redis) = redis_url() else { return };
    let mock = provider().await;
    let uri = mock.uri();
    let db = test_database(Backend::Sqlite).await.expect("db");
    let settings = [
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", redis.as_str()),
        ("rate_limit.ai_tokens_per_day", BUDGET),
        ("llm.provider", "mistral"),
        ("llm.base_url", uri.as_str()),
        ("llm.api_key", "test-key"),
    ];
    let first = spawn_instance(&db, &settings, None).await;
    let second = spawn_instance(&db, &settings, None).await;
    let token = first.new_user_token().await;
    let mut statuses = Vec::new();
    for app in [&first, &second, &first, &second] {
        statuses.push(
            ask(app, &token, json!({"prompt": "hi"}))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    assert_eq!(calls_made(&mock).await, 2);
    for app in [&first, &second] {
        assert_eq!(usage(app, &token).await["tokens_used"], 24);
    }
}

#[tokio::test]
async fn a_stream_is_charged_its_final_usage_at_its_end() {
    let chunks = [
        r#"{"model":"mistral-small-latest","choices":[{"delta":{"content":"Sleep "}}]}"#,
        r#"{"model":"mistral-small-latest","choices":[{"delta":{"content":"more."},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":20,"total_tokens":50}}"#,
        "[DONE]",
    ];
    let body: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(body),
        )
        .mount(&mock)
        .await;
    let (app, token) = spawn_app_on_mistral(
        Backend::Sqlite,
        &mock.uri(),
        &[("rate_limit.ai_tokens_per_day", "40")],
    )
    .await
    .expect("app");
    let text = ask(&app, &token, json!({"prompt": "tips", "stream": true}))
        .await
        .text()
        .await
        .expect("body");
    assert!(text.contains("event: done"), "{text}");
    // Charged before `done` was sent: 50, the provider's final usage.
    assert_eq!(usage(&app, &token).await["tokens_used"], 50);
    let resp = ask(&app, &token, json!({"prompt": "tips", "stream": true})).await;
    problem(resp, 429, "token_budget_exceeded").await;
}

#[tokio::test]
async fn a_stream_cut_short_is_charged_an_estimate_of_its_text() {
    let provider = hanging_provider().await;
    let (app, token) = spawn_app_on_mistral(
        Backend::Sqlite,
        &provider,
        &[
            ("llm.timeout_secs", "30"),
            ("rate_limit.ai_tokens_per_day", "1000"),
        ],
    )
    .await
    .expect("app");
    let mut resp = ask(&app, &token, json!({"prompt": "x", "stream": true})).await;
    let first = resp.chunk().await.expect("chunk").expect("some bytes");
    assert!(String::from_utf8_lossy(&first).contains("partial"));
    drop(resp);
    // Noticed at the next write to the gone client (the 5 s keep-alive).
    for _ in 0..240 {
        let now = usage(&app, &token).await;
        if now["requests_used"] == 1 {
            // "x" is 1 token, "partial" 2 (a token per 4 characters).
            assert_eq!(now["tokens_used"], 3);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the cancelled stream was never charged");
}
