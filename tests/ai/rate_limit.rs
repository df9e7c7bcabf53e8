//! The per-user AI rate limit: in one instance, on Redis, and shared by two
//! instances on Redis.

use serde_json::{json, Value};

use crate::common::{problem, redis_url, spawn_app_with, spawn_instance, test_database, Backend};

/// The default budget (20 a minute): the 21st request is refused.
async fn the_21st_request_in_a_minute_gets_429(overrides: &[(&str, &str)]) {
    let app = spawn_app_with(Backend::Sqlite, overrides)
        .await
        .expect("app");
    let token = app.new_user_token().await;
    for _ in 0..20 {
        let resp = app
            .post_json_with_token("/ai/completions", &token, &json!({"prompt": "hi"}))
            .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = app
        .post_json_with_token("/ai/completions", &token, &json!({"prompt": "hi"}))
        .await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!(
        (1..=3).contains(&retry),
        "one request frees up every 3 s: {retry}"
    );
    problem(resp, 429, "rate_limited").await;
    // Another user has a budget of their own.
    let other = app.new_user_token().await;
    assert_eq!(
        app.post_json_with_token("/ai/completions", &other, &json!({"prompt": "hi"}))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_21st_request_gets_429_on_memory() {
    the_21st_request_in_a_minute_gets_429(&[]).await;
}

#[tokio::test]
async fn the_21st_request_gets_429_on_redis() {
    let Some(redis) = redis_url() else { return };
    the_21st_request_in_a_minute_gets_429(&[
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", &redis),
    ])
    .await;
}

#[tokio::test]
async fn two_instances_on_redis_share_one_limit() {
    let Some(redis) = redis_url() else { return };
    let db = test_database(Backend::Sqlite).await.expect("db");
    let settings = [
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", redis.as_str()),
        ("rate_limit.ai_requests_per_minute", "3"),
    ];
    let first = spawn_instance(&db, &settings, None).await;
    let second = spawn_instance(&db, &settings, None).await;
    let token = first.new_user_token().await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        let app = if n % 2 == 0 { &first } else { &second };
        statuses.push(
            app.post_json_with_token("/ai/completions", &token, &json!({"prompt": "hi"}))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let ready: Value = second
        .client
        .get(second.url("/ready"))
        .send()
        .await
        .expect("ready")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["checks"]["redis"], "ok");
}
