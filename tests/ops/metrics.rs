//! `/metrics`: Prometheus text holding every series of CONTRACT.md's
//! Operations section, counting this test's own traffic. The recorder is
//! process-wide (every test of this binary records into it), so the test
//! reads each series before and after its traffic and checks the change:
//! exactly, for series only this test's server produces (its own model
//! name, its own pool size); at least its own requests, for the HTTP series
//! other tests may add to meanwhile.

use serde_json::json;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::on_every_backend;

/// The lines of the scrape that start with `name{` and carry every label.
fn series<'a>(text: &'a str, name: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .collect()
}

/// The sum of those series' values (0 when there is none yet).
fn total(text: &str, name: &str, labels: &[&str]) -> f64 {
    series(text, name, labels)
        .iter()
        .map(|l| {
            let value = l.rsplit(' ').next().unwrap_or_default();
            value.parse::<f64>().expect("a sample value")
        })
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    resp.text().await.expect("text")
}

const ME_CALLS: usize = 5;
/// With `rate_limit.ai_requests_per_minute = AI_PER_MINUTE`: that many
/// answered, the rest refused.
const COMPLETIONS: usize = 5;
const AI_PER_MINUTE: usize = 2;
const FAILED_LOGINS: usize = 3;
const UNMATCHED: usize = 3;
const POOL_MAX: &str = "7";

async fn some_traffic(app: &TestApp) {
    let token = app.new_user_token().await;
    for _ in 0..ME_CALLS {
        assert_eq!(app.get_with_token("/users/me", &token).await.status(), 200);
    }
    for _ in 0..COMPLETIONS {
        app.post_json_with_token("/ai/completions", &token, &json!({"prompt": "hello"}))
            .await;
    }
    for _ in 0..FAILED_LOGINS {
        let failed = app.login("nobody@example.com", "wrong-password-123").await;
        assert_eq!(failed.status(), 401);
    }
    for _ in 0..UNMATCHED {
        let unknown = app.client.get(app.url("/no/such/path")).send().await;
        assert_eq!(unknown.expect("request").status(), 404);
    }
}

/// The two backends' runs of the test, one after the other: their traffic
/// is the same, so neither counts the other's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

#[allow(clippy::cast_precision_loss)] // counts of a few requests
async fn the_scrape_holds_every_operations_series(backend: Backend) {
    let _alone = ONE_AT_A_TIME.lock().await;
    let model = format!("metrics-test-{}", Uuid::new_v4().simple());
    let per_minute = AI_PER_MINUTE.to_string();
    let overrides = [
        ("rate_limit.ai_requests_per_minute", per_minute.as_str()),
        ("llm.model", model.as_str()),
        ("database.max_connections", POOL_MAX),
    ];
    let Some(app) = spawn_app_with(backend, &overrides).await else {
        return;
    };
    let before = scrape(&app).await;
    some_traffic(&app).await;
    let text = scrape(&app).await;
    let grew =
        |name: &str, labels: &[&str]| total(&text, name, labels) - total(&before, name, labels);
    let at_least = |name: &str, labels: &[&str], count: usize| {
        let seen = grew(name, labels);
        assert!(
            seen >= count as f64,
            "{name} {labels:?} grew by {seen}, this test alone made {count}:\n{text}"
        );
    };

    // This test's server alone has this model: exactly its calls.
    let ours = format!(r#"model="{model}""#);
    let answered = [ours.as_str(), r#"outcome="ok""#];
    assert_eq!(grew("llm_requests_total", &answered), AI_PER_MINUTE as f64);
    assert_eq!(
        grew("llm_request_duration_seconds_count", &answered),
        AI_PER_MINUTE as f64
    );
    assert!(grew("llm_tokens_total", &[ours.as_str(), r#"kind="completion""#]) > 0.0);
    // Sampled from this server's pool when it renders.
    assert!(
        text.lines()
            .any(|l| l == format!("db_pool_max_connections {POOL_MAX}")),
        "{text}"
    );
    assert_eq!(
        series(&text, "db_pool_connections", &[r#"state="idle""#]).len(),
        1
    );
    assert_eq!(
        series(&text, "db_pool_connections", &[r#"state="in_use""#]).len(),
        1
    );

    // Series other tests of this binary may add to: at least ours.
    let me = [r#"route="/users/me""#, r#"method="GET""#, r#"status="200""#];
    at_least("http_requests_total", &me, ME_CALLS);
    at_least("http_request_duration_seconds_count", &me, ME_CALLS);
    let unmatched = [r#"route="unmatched""#, r#"status="404""#];
    at_least("http_requests_total", &unmatched, UNMATCHED);
    assert!(
        !text.contains("/no/such/path"),
        "raw paths never become labels"
    );
    let refused = COMPLETIONS - AI_PER_MINUTE;
    let limited = [r#"route="/ai/completions""#, r#"status="429""#];
    at_least("http_requests_total", &limited, refused);
    at_least("rate_limit_rejections_total", &[r#"scope="ai""#], refused);
    at_least(
        "ai_proxy_overhead_seconds_count",
        &[r#"route="/ai/completions""#],
        AI_PER_MINUTE,
    );
    at_least(
        "login_failures_total",
        &[r#"reason="invalid_credentials""#],
        FAILED_LOGINS,
    );
    at_least(
        "auth_events_total",
        &[r#"event="sign_in_failed""#],
        FAILED_LOGINS,
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
