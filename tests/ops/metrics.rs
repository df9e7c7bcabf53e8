//! `/metrics`: Prometheus text holding every series of CONTRACT.md's
//! Operations section after some traffic. The recorder is process-wide, so
//! the assertions ask for series that exist, not for exact counts.

use serde_json::json;

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::on_every_backend;

/// The lines of the scrape that start with `name{` and carry every label.
fn series<'a>(text: &'a str, name: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .collect()
}

fn assert_series(text: &str, name: &str, labels: &[&str]) {
    assert!(
        !series(text, name, labels).is_empty(),
        "no {name} series with {labels:?} in:\n{text}"
    );
}

async fn scrape(app: &TestApp) -> String {
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    resp.text().await.expect("text")
}

async fn some_traffic(app: &TestApp) {
    let token = app.new_user_token().await;
    assert_eq!(app.get_with_token("/users/me", &token).await.status(), 200);
    for _ in 0..3 {
        app.post_json_with_token("/ai/completions", &token, &json!({"prompt": "hello"}))
            .await;
    }
    let failed = app.login("nobody@example.com", "wrong-password-123").await;
    assert_eq!(failed.status(), 401);
    let unknown = app.client.get(app.url("/no/such/path")).send().await;
    assert_eq!(unknown.expect("request").status(), 404);
}

async fn the_scrape_holds_every_operations_series(backend: Backend) {
    let overrides = [("rate_limit.ai_requests_per_minute", "2")];
    let Some(app) = spawn_app_with(backend, &overrides).await else {
        return;
    };
    some_traffic(&app).await;
    let text = scrape(&app).await;

    let me = [r#"route="/users/me""#, r#"method="GET""#, r#"status="200""#];
    assert_series(&text, "http_requests_total", &me);
    assert_series(&text, "http_request_duration_seconds_bucket", &me);
    assert_series(
        &text,
        "http_requests_total",
        &[r#"route="unmatched""#, r#"status="404""#],
    );
    assert!(
        !text.contains("/no/such/path"),
        "raw paths never become labels"
    );
    assert_series(
        &text,
        "http_requests_total",
        &[r#"route="/ai/completions""#, r#"status="429""#],
    );
    assert_series(&text, "llm_requests_total", &[r#"outcome="ok""#, "model="]);
    assert_series(
        &text,
        "llm_request_duration_seconds_bucket",
        &[r#"outcome="ok""#],
    );
    assert_series(&text, "llm_tokens_total", &[r#"kind="completion""#]);
    assert_series(
        &text,
        "ai_proxy_overhead_seconds_bucket",
        &[r#"route="/ai/completions""#],
    );
    assert_series(&text, "rate_limit_rejections_total", &[r#"scope="ai""#]);
    assert_series(
        &text,
        "login_failures_total",
        &[r#"reason="invalid_credentials""#],
    );
    assert_series(&text, "db_pool_connections", &[r#"state="idle""#]);
    assert_series(&text, "db_pool_connections", &[r#"state="in_use""#]);
    assert!(
        text.lines()
            .any(|l| l.starts_with("db_pool_max_connections ")),
        "{text}"
    );
}

on_every_backend!(the_scrape_holds_every_operations_series);

#[tokio::test]
async fn metrics_is_documented_as_plain_text_under_operations() {
    let spec: serde_json::Value =
        serde_json::from_str(&nextarget::http::openapi_json()).expect("spec");
    let get = &spec["paths"]["/metrics"]["get"];
    assert_eq!(get["tags"][0], "Operations", "{get}");
    let content = get["responses"]["200"]["content"]
        .as_object()
        .expect("content");
    assert!(
        content.keys().any(|k| k.starts_with("text/plain")),
        "{content:?}"
    );
}
