//! The scripted fake LLM (`llm.fake_script`) through the whole server, on
//! the example script a tester starts from (config/fake-llm-script.example.toml):
//! each rule kind, whole and streamed; a broken script refused at start.

use serde_json::{json, Value};

use crate::common::{problem, spawn_app_with, Backend, TestApp};
use crate::support::ask;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/config/fake-llm-script.example.toml"
);

async fn scripted() -> (TestApp, String) {
    let app = spawn_app_with(Backend::Sqlite, &[("llm.fake_script", EXAMPLE)])
        .await
        .expect("app");
    let token = app.new_user_token().await;
    (app, token)
}

async fn streamed(app: &TestApp, token: &str, prompt: &str) -> String {
    ask(app, token, json!({"prompt": prompt, "stream": true}))
        .await
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn a_reply_rule_answers_whole_and_streamed() {
    let (app, token) = scripted().await;
    let resp = ask(&app, &token, json!({"prompt": "mon genou me fait mal"})).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert!(body["content"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Ménagez votre genou"));
    assert!(
        body["usage"]["completion_tokens"]
            .as_u64()
            .unwrap_or_default()
            > 0
    );
    let text = streamed(&app, &token, "genou encore").await;
    assert!(text.contains("\"delta\":\"Ménagez \""), "{text}");
    assert!(text.contains("event: done"), "{text}");
}

#[tokio::test]
async fn status_rules_fail_as_the_provider_would() {
    let (app, token) = scripted().await;
    let resp = ask(&app, &token, json!({"prompt": "surcharge !"})).await;
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    problem(resp, 429, "upstream_rate_limited").await;
    problem(
        ask(&app, &token, json!({"prompt": "grosse panne"})).await,
        502,
        "upstream_error",
    )
    .await;
    let text = streamed(&app, &token, "panne en stream").await;
    assert!(text.contains("upstream_error"), "{text}");
}

#[tokio::test]
async fn a_delay_rule_waits_then_the_builtin_fake_answers() {
    let (app, token) = scripted().await;
    let started = std::time::Instant::now();
    let resp = ask(&app, &token, json!({"prompt": "a slow one please"})).await;
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    let body: Value = resp.json().await.expect("json");
    assert!(body["content"]
        .as_str()
        .unwrap_or_default()
        .starts_with("(fake LLM)"));
}

#[tokio::test]
async fn a_cut_rule_drops_the_stream_after_its_words() {
    let (app, token) = scripted().await;
    let text = streamed(&app, &token, "test de coupure").await;
    assert_eq!(text.matches("\"delta\"").count(), 3, "{text}");
    assert!(
        text.contains("event: error") && !text.contains("event: done"),
        "{text}"
    );
    problem(
        ask(&app, &token, json!({"prompt": "coupure"})).await,
        502,
        "upstream_error",
    )
    .await;
    // No rule matches: the built-in fake.
    let resp = ask(&app, &token, json!({"prompt": "bonjour"})).await;
    let body: Value = resp.json().await.expect("json");
    assert!(body["content"]
        .as_str()
        .unwrap_or_default()
        .starts_with("(fake LLM)"));
}

#[tokio::test]
async fn a_broken_script_stops_start_up_naming_the_file_and_rule() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "[[rule]]\ncontains = \"a\"\nreply = \"x\"\n\n[[rule]]\nmatches = \"(\"\nreply = \"y\"\n",
    )
    .expect("write");
    let path = path.to_str().expect("utf-8").to_owned();
    let db = crate::common::test_database(Backend::Sqlite)
        .await
        .expect("db");
    let settings = nextarget::config::load_for_tests(&[
        ("database.url", db.url.as_str()),
        ("llm.fake_script", path.as_str()),
    ])
    .expect("settings");
    let err = nextarget::app::Application::build(settings)
        .await
        .err()
        .expect("refused");
    let message = format!("{err:#}");
    assert!(
        message.contains("broken.toml") && message.contains("rule 2"),
        "{message}"
    );
}
