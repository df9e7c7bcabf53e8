//! `/ai/history` paging, ownership and deletion; a client that goes away.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{history, problem, spawn_app, spawn_app_on_mistral, Backend};
use crate::on_every_backend;
use crate::support::hanging_provider;

on_every_backend!(
    history_is_paged_newest_first_and_private,
    deleting_the_user_deletes_the_history
);

async fn history_is_paged_newest_first_and_private(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = app.new_user_token().await;
    let other = app.new_user_token().await;
    for n in 0..5 {
        let resp = app
            .post_json_with_token(
                "/ai/completions",
                &me,
                &json!({"prompt": format!("question {n}")}),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    app.post_json_with_token("/ai/completions", &other, &json!({"prompt": "not yours"}))
        .await;

    let mut prompts = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/ai/history?limit=2&cursor={c}"),
            None => "/ai/history?limit=2".to_owned(),
        };
        let page: Value = app
            .get_with_token(&query, &me)
            .await
            .json()
            .await
            .expect("json");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        prompts.extend(
            items
                .iter()
                .map(|i| i["prompt"].as_str().expect("prompt").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        prompts,
        [
            "question 4",
            "question 3",
            "question 2",
            "question 1",
            "question 0"
        ]
    );
}

async fn deleting_the_user_deletes_the_history(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.new_user_token().await;
    app.post_json_with_token("/ai/completions", &token, &json!({"prompt": "hello"}))
        .await;
    assert_eq!(history(&app, &token).await.len(), 1);
    assert_eq!(app.delete_me(&token).await.status(), 204);
    let count = app.count("SELECT COUNT(*) FROM interactions").await;
    assert_eq!(count, 0);
}

#[tokio::test]
async fn bad_limits_and_cursors_are_validation_errors() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let token = app.new_user_token().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "cursor=not-a-cursor",
        "cursor=%F0%9F%91%80",
    ] {
        problem(
            app.get_with_token(&format!("/ai/history?{query}"), &token)
                .await,
            422,
            "validation_error",
        )
        .await;
    }
    problem(
        app.get_with_token("/ai/history?limit=abc", &token).await,
        400,
        "bad_request",
    )
    .await;
}

#[tokio::test]
async fn a_client_that_goes_away_leaves_a_cancelled_row_with_the_partial_answer() {
    let provider = hanging_provider().await;
    let (app, token) =
        spawn_app_on_mistral(Backend::Sqlite, &provider, &[("llm.timeout_secs", "30")])
            .await
            .expect("app");
    let mut resp = app
        .post_json_with_token(
            "/ai/completions",
            &token,
            &json!({"prompt": "x", "stream": true}),
        )
        .await;
    let first = resp.chunk().await.expect("chunk").expect("some bytes");
    assert!(String::from_utf8_lossy(&first).contains("partial"));
    drop(resp);
    // Noticed at the next write to the gone client: the 5 s SSE keep-alive.
    for _ in 0..240 {
        let rows = history(&app, &token).await;
        if let Some(row) = rows.first() {
            assert_eq!(row["status"], "cancelled");
            assert_eq!(row["response"], "partial");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no cancelled row within 12 s");
}
