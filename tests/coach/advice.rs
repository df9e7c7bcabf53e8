//! `POST /coach/advice` end to end: with the fake LLM, and with wiremock
//! standing in for Mistral.

use serde_json::{json, Value};
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{
    history, problem, spawn_app, spawn_app_on_mistral, spawn_app_with, Backend, TestApp,
};
use crate::on_every_backend;

on_every_backend!(the_fake_llm_gives_scored_advice_stored_as_coach);

async fn the_fake_llm_gives_scored_advice_stored_as_coach(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.new_user_token().await;
    let body = json!({
        "goal": "courir un 10 km en moins de 50 minutes d'ici juin",
        "profile": {"level": "beginner", "age": 34, "constraints": ["genou fragile"]},
        "max_items": 4
    });
    let resp = app
        .post_json_with_token("/coach/advice", &token, &body)
        .await;
    assert_eq!(resp.status(), 200);
    let out: Value = resp.json().await.expect("json");
    let advice = out["advice"].as_array().expect("advice");
    assert!((1..=4).contains(&advice.len()), "{out}");
    let scores: Vec<f64> = advice
        .iter()
        .map(|a| a["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    assert!(advice
        .iter()
        .all(|a| a["title"].is_string() && a["detail"].is_string() && a["category"].is_string()));
    assert_eq!(
        out["advices"].as_array().map(Vec::len),
        Some(advice.len()),
        "v0.1 alias"
    );
    let rows = history(&app, &token).await;
    assert_eq!(rows[0]["id"], out["id"]);
    assert_eq!(rows[0]["kind"], "coach");
    assert!(
        rows[0]["prompt"]
            .as_str()
            .expect("prompt")
            .contains("genou fragile"),
        "constraints reach the prompt"
    );
}

async fn mistral_coach(replies: Vec<ResponseTemplate>) -> (TestApp, MockServer, String) {
    let mock = MockServer::start().await;
    for reply in replies {
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(reply)
            .up_to_n_times(1)
            .mount(&mock)
            .await;
    }
    let (app, token) =
        spawn_app_on_mistral(Backend::Sqlite, &mock.uri(), &[("llm.timeout_secs", "2")])
            .await
            .expect("app");
    (app, mock, token)
}

fn reply(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "model": "mistral-small-latest",
        "choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}
    }))
}

#[tokio::test]
async fn a_fenced_list_reply_is_read_and_the_concrete_item_ranks_first() {
    let content = "Here you go:\n```json\n[{\"title\": \"Be motivated\", \"detail\": \"Stay positive.\"}, \
        {\"title\": \"Run 10 km intervals\", \"detail\": \"Run 5 x 1 km at 10 km race pace twice a week for 8 weeks.\"}]\n```";
    let (app, mock, token) = mistral_coach(vec![reply(content)]).await;
    let out: Value = app
        .post_json_with_token(
            "/coach/advice",
            &token,
            &json!({"goal": "run 10 km in 50 minutes", "language": "en", "top_n": 2}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(out["advice"][0]["title"], "Run 10 km intervals", "{out}");
    assert_eq!(out["advice"].as_array().map(Vec::len), Some(2));
    let sent: Value =
        serde_json::from_slice(&mock.received_requests().await.expect("requests")[0].body)
            .expect("json");
    assert_eq!(sent["response_format"]["type"], "json_object");
}

#[tokio::test]
async fn nothing_readable_twice_is_502_unparseable_advice() {
    let (app, mock, token) =
        mistral_coach(vec![reply("Sorry, I can't."), reply("Still no.")]).await;
    let resp = app
        .post_json_with_token("/coach/advice", &token, &json!({"goal": "sleep better"}))
        .await;
    problem(resp, 502, "unparseable_advice").await;
    assert_eq!(
        mock.received_requests().await.expect("requests").len(),
        2,
        "asked once more to reformat"
    );
    assert_eq!(history(&app, &token).await.len(), 2);
}

#[tokio::test]
async fn upstream_errors_map_as_for_completions() {
    let (app, _mock, token) =
        mistral_coach(vec![ResponseTemplate::new(503), ResponseTemplate::new(503)]).await;
    problem(
        app.post_json_with_token("/coach/advice", &token, &json!({"goal": "x"}))
            .await,
        502,
        "upstream_error",
    )
    .await;
}

#[tokio::test]
async fn out_of_range_requests_are_validation_errors() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let token = app.new_user_token().await;
    for body in [
        json!({"goal": ""}),
        json!({"goal": "   "}),
        json!({"goal": "x".repeat(501)}),
        json!({"goal": "x", "context": "c".repeat(4001)}),
        json!({"goal": "x", "max_items": 0}),
        json!({"goal": "x", "max_items": 11}),
        json!({"goal": "x", "top_n": 50}),
        json!({"goal": "x", "profile": {"age": -3}}),
    ] {
        let resp = app
            .post_json_with_token("/coach/advice", &token, &body)
            .await;
        problem(resp, 422, "validation_error").await;
    }
    problem(
        app.post_json_with_token("/coach/advice", &token, &json!({"context": "no goal"}))
            .await,
        400,
        "bad_request",
    )
    .await;
    assert!(history(&app, &token).await.is_empty());
}

#[tokio::test]
async fn coach_and_completions_share_one_rate_limit() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("rate_limit.ai_requests_per_minute", "2")],
    )
    .await
    .expect("app");
    let token = app.new_user_token().await;
    assert_eq!(
        app.post_json_with_token("/ai/completions", &token, &json!({"prompt": "hi"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_json_with_token("/coach/advice", &token, &json!({"goal": "sleep"}))
            .await
            .status(),
        200
    );
    problem(
        app.post_json_with_token("/coach/advice", &token, &json!({"goal": "sleep"}))
            .await,
        429,
        "rate_limited",
    )
    .await;
}
