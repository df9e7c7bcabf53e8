//! What schemathesis (scripts/schemathesis.sh) found, pinned down as tests
//! that run with `cargo test`.

use serde_json::json;

use crate::common::{problem, spawn_app, spawn_app_with, Backend};

#[tokio::test]
async fn a_405_lists_the_allowed_methods() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let resp = app
        .client
        .put(app.url("/users/me"))
        .send()
        .await
        .expect("put");
    let allow = resp
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(allow, "DELETE, GET, HEAD");
    problem(resp, 405, "method_not_allowed").await;
    // A templated path too: `/auth/sessions/{id}` for any one id.
    let resp = app
        .client
        .put(app.url("/auth/sessions/0199e5a4-1f7a-7c3e-8d2b-5a6f7e8d9c0b"))
        .send()
        .await
        .expect("put");
    let allow = resp.headers().get("allow").and_then(|v| v.to_str().ok());
    assert_eq!(allow, Some("DELETE"));
    problem(resp, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn a_body_without_json_content_type_is_a_documented_415() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let resp = app
        .client
        .post(app.url("/auth/login"))
        .body("{}")
        .send()
        .await
        .expect("post");
    problem(resp, 415, "unsupported_media_type").await;
    let spec = app.spec().await;
    for path in [
        "/auth/login",
        "/auth/register",
        "/ai/completions",
        "/coach/advice",
    ] {
        assert!(
            spec["paths"][path]["post"]["responses"]["415"].is_object(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_served_spec_states_the_configured_models_and_prompt_limit() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("llm.allowed_models", "m-1,m-2"),
            ("llm.model", "m-1"),
            ("llm.max_prompt_chars", "300"),
        ],
    )
    .await
    .expect("app");
    let spec = app.spec().await;
    let props = &spec["components"]["schemas"]["CompletionRequestBody"]["properties"];
    assert_eq!(props["model"]["enum"], json!(["m-1", "m-2", null]));
    assert_eq!(props["prompt"]["maxLength"], json!(300));
}

#[tokio::test]
async fn strings_sent_as_numbers_or_booleans_are_bad_requests() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let token = app.new_user_token().await;
    for body in [
        json!({"prompt": 42}),
        json!({"prompt": "hi", "system": false}),
        json!({"prompt": "hi", "model": 1}),
    ] {
        let resp = app
            .post_json_with_token("/ai/completions", &token, &body)
            .await;
        problem(resp, 400, "bad_request").await;
    }
    let resp = app
        .post_json_with_token(
            "/coach/advice",
            &token,
            &json!({"goal": "run", "profile": {"constraints": [false]}}),
        )
        .await;
    problem(resp, 400, "bad_request").await;
}
