//! The example of docs/testing.md, kept as a test so it cannot rot: a
//! mockall `MockLlmClient` behind `POST /ai/completions` of the whole
//! server, everything else (storage, auth, history) real.

use std::sync::Arc;

use nextarget::{
    app::{Application, Overrides},
    config,
};
use nextarget_ports::{mocks::MockLlmClient, ChatRole, Completion, Usage};
use serde_json::{json, Value};

#[tokio::test]
async fn a_mock_llm_behind_the_whole_server() {
    // The model answers once, to exactly this prompt.
    let mut llm = MockLlmClient::new();
    llm.expect_complete()
        .withf(|request| {
            request
                .messages
                .last()
                .is_some_and(|m| m.role == ChatRole::User && m.content == "How do I start running?")
        })
        .times(1)
        .returning(|_| {
            Ok(Completion {
                model: "mistral-small-latest".into(),
                content: "Start slowly: three short runs a week.".into(),
                finish_reason: "stop".into(),
                usage: Usage {
                    prompt_tokens: 5,
                    completion_tokens: 7,
                    total_tokens: 12,
                },
            })
        });

    // The whole server on a fresh SQLite file and any free port.
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let settings = config::load_for_tests(&[("database.url", url.as_str())]).expect("settings");
    let overrides = Overrides {
        llm: Some(Arc::new(llm)),
        ..Overrides::default()
    };
    let app = Application::build_with(settings, overrides)
        .await
        .expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));

    // Sign up, ask, and read the mock's answer back, then from the history.
    let http = reqwest::Client::new();
    let signed_up: Value = http
        .post(format!("{base}/auth/register"))
        .json(&json!({"email": "tess@example.com", "password": "tundra-Velvet-93-orbit"}))
        .send()
        .await
        .expect("sign up")
        .json()
        .await
        .expect("tokens");
    let token = signed_up["access_token"].as_str().expect("access token");
    let answer: Value = http
        .post(format!("{base}/ai/completions"))
        .bearer_auth(token)
        .json(&json!({"prompt": "How do I start running?"}))
        .send()
        .await
        .expect("completion")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["content"], "Start slowly: three short runs a week.");
    assert_eq!(answer["usage"]["total_tokens"], 12);
    let history: Value = http
        .get(format!("{base}/ai/history"))
        .bearer_auth(token)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    assert_eq!(history["items"][0]["response"], answer["content"]);
}
