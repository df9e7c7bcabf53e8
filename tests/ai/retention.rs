//! History retention (`history.retention_days`): the background task
//! deletes only the rows older than the retention, on both databases, as
//! the server's clock moves; `/metrics` counts them.

use std::time::Duration;

use serde_json::json;

use crate::common::{history, spawn_app_with_clock, Backend, TestApp};
use crate::on_every_backend;

on_every_backend!(retention_deletes_only_what_is_old);

async fn ask(app: &TestApp, token: &str, prompt: &str) {
    let resp = app
        .post_json_with_token("/ai/completions", token, &json!({"prompt": prompt}))
        .await;
    assert_eq!(resp.status(), 200);
}

async fn retention_deletes_only_what_is_old(backend: Backend) {
    let Some(app) = spawn_app_with_clock(
        backend,
        &[
            ("history.retention_days", "30"),
            ("history.retention_batch_size", "2"),
            ("history.retention_interval_secs", "1"),
            // Sessions and access tokens that outlive the days the clock moves.
            ("auth.access_token_ttl_secs", "100000000"),
            ("auth.refresh_token_ttl_secs", "100000000"),
        ],
    )
    .await
    else {
        return;
    };
    let me = app.new_user_token().await;
    let other = app.new_user_token().await;
    for n in 0..5 {
        ask(&app, &me, &format!("old {n}")).await;
    }
    // 29 days on: nothing is old enough yet.
    app.advance(29 * 86_400);
    ask(&app, &other, "recent").await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(history(&app, &me).await.len(), 5, "29 days old: kept");
    // 31 days after the first five: they go (three batches of at most
    // two), the row of 2 days ago stays.
    app.advance(2 * 86_400);
    ask(&app, &me, "new").await;
    for _ in 0..200 {
        let mine = history(&app, &me).await;
        if mine.len() == 1 {
            assert_eq!(mine[0]["prompt"], "new");
            let theirs = history(&app, &other).await;
            assert_eq!(theirs.len(), 1, "a row 2 days old is kept");
            let scrape = app.get("/metrics").await.text().await.expect("metrics");
            assert!(scrape.contains("history_rows_deleted_total"), "{scrape}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expired rows were never deleted");
}
