//! Brute-force protection: failures per account and per client IP, the
//! growing backoff, trusted proxies, and a lockout shared through Redis.

use futures::future::join_all;
use reqwest::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{
    problem, redis_url, spawn_app_with, spawn_app_with_clock, spawn_instance, Backend, TestApp,
    STRONG_PASSWORD,
};
use crate::on_every_backend;

on_every_backend!(
    twenty_concurrent_wrong_passwords_in_memory_let_exactly_five_through,
    twenty_concurrent_wrong_passwords_on_redis_let_exactly_five_through,
    a_locked_unknown_email_looks_exactly_like_a_locked_real_one,
    twenty_concurrent_never_issued_refresh_tokens_let_exactly_five_through,
);

/// A login that claims to come from `forwarded_for`.
async fn login_from(app: &TestApp, email: &str, password: &str, forwarded_for: &str) -> Response {
    app.client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request")
}

async fn too_many(resp: Response) -> u64 {
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in whole seconds");
    problem(resp, 429, "too_many_attempts").await;
    retry_after
}

/// The per-IP threshold lowered to the account's, for short IP tests.
const IP_THRESHOLD_5: (&str, &str) = ("auth.max_failed_logins_per_ip", "5");

fn unique_email() -> String {
    format!("u-{}@example.com", Uuid::new_v4().simple())
}

/// Where the counts live: the server's memory, or a Redis key space of the
/// test's own (`None` when Redis is not configured: the test skips).
fn limiter_settings(on_redis: bool) -> Option<Vec<(&'static str, String)>> {
    let mut settings = vec![("server.trusted_proxies", "127.0.0.1".to_owned())];
    if on_redis {
        let redis = redis_url()?;
        let prefix = format!("nextarget-test:{}:", Uuid::new_v4().simple());
        settings.extend([
            ("rate_limit.backend", "redis".to_owned()),
            ("rate_limit.redis_url", redis),
            ("rate_limit.redis_prefix", prefix),
        ]);
    }
    Some(settings)
}

/// 20 wrong passwords for one account at once, each from an IP of its own
/// (so only the account's count of 5 can stop them): 5 reach the password
/// check and answer 401, the other 15 answer 429 without reaching it.
async fn twenty_concurrent_wrong_passwords_let_exactly_five_through(
    backend: Backend,
    on_redis: bool,
) {
    let Some(settings) = limiter_settings(on_redis) else {
        return;
    };
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let Some(app) = spawn_app_with(backend, &overrides).await else {
        return;
    };
    let email = unique_email();
    assert_eq!(app.register(&email, STRONG_PASSWORD).await.status(), 201);
    let ips: Vec<String> = (0..20).map(|i| format!("198.51.100.{i}")).collect();
    let answers = join_all(
        ips.iter()
            .map(|ip| login_from(&app, &email, "wrong-password", ip)),
    )
    .await;
    let tally = tally(answers, "invalid_credentials").await;
    assert_eq!(tally, (5, 15), "(401, 429)");
}

async fn twenty_concurrent_wrong_passwords_in_memory_let_exactly_five_through(backend: Backend) {
    twenty_concurrent_wrong_passwords_let_exactly_five_through(backend, false).await;
}

async fn twenty_concurrent_wrong_passwords_on_redis_let_exactly_five_through(backend: Backend) {
    twenty_concurrent_wrong_passwords_let_exactly_five_through(backend, true).await;
}

/// The (401, 429) answers among `answers`, each checked for its shape:
/// `refused` is the 401's code.
async fn tally(answers: Vec<Response>, refused: &str) -> (usize, usize) {
    let (mut unauthorized, mut locked) = (0, 0);
    for resp in answers {
        if resp.status() == 401 {
            problem(resp, 401, refused).await;
            unauthorized += 1;
        } else {
            too_many(resp).await;
            locked += 1;
        }
    }
    (unauthorized, locked)
}

async fn twenty_concurrent_never_issued_refresh_tokens_let_exactly_five_through(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[IP_THRESHOLD_5]).await else {
        return;
    };
    let tokens: Vec<String> = (0..20).map(|i| format!("never-issued-{i}")).collect();
    let answers = join_all(tokens.iter().map(|token| app.refresh(token))).await;
    let tally = tally(answers, "invalid_refresh_token").await;
    assert_eq!(tally, (5, 15), "(401, 429)");
}

/// What a client sees of a refusal: the status, `Retry-After` and the body
/// (a problem body holds nothing that differs by request).
async fn locked_answer(resp: Response) -> (u16, Option<String>, Value) {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = resp.json().await.expect("json body");
    (status, retry_after, body)
}

async fn a_locked_unknown_email_looks_exactly_like_a_locked_real_one(backend: Backend) {
    let overrides = [("server.trusted_proxies", "127.0.0.1")];
    let Some(app) = spawn_app_with_clock(backend, &overrides).await else {
        return;
    };
    let real = unique_email();
    assert_eq!(app.register(&real, STRONG_PASSWORD).await.status(), 201);
    let unknown = unique_email();
    let mut ip = 0;
    let mut next_ip = || {
        ip += 1;
        format!("198.51.100.{ip}")
    };
    for email in [&real, &unknown] {
        for _ in 0..5 {
            let resp = login_from(&app, email, "wrong-password", &next_ip()).await;
            problem(resp, 401, "invalid_credentials").await;
        }
    }
    let real_locked = locked_answer(login_from(&app, &real, "wrong", &next_ip()).await).await;
    let unknown_locked = locked_answer(login_from(&app, &unknown, "wrong", &next_ip()).await).await;
    assert_eq!(real_locked.0, 429, "{real_locked:?}");
    assert_eq!(real_locked.1.as_deref(), Some("30"));
    assert_eq!(real_locked, unknown_locked);
    // One more failure each after the lock: both waits double alike.
    app.advance(30);
    for email in [&real, &unknown] {
        let resp = login_from(&app, email, "wrong-password", &next_ip()).await;
        problem(resp, 401, "invalid_credentials").await;
    }
    let real_locked = locked_answer(login_from(&app, &real, "wrong", &next_ip()).await).await;
    let unknown_locked = locked_answer(login_from(&app, &unknown, "wrong", &next_ip()).await).await;
    assert_eq!(real_locked.1.as_deref(), Some("60"));
    assert_eq!(real_locked, unknown_locked);
}

#[tokio::test]
async fn the_sixth_wrong_password_waits_out_a_growing_backoff_even_with_the_right_one() {
    // Each attempt from another client IP, so only the account counts.
    let overrides = [("server.trusted_proxies", "127.0.0.1")];
    let Some(app) = spawn_app_with_clock(Backend::Sqlite, &overrides).await else {
        return;
    };
    let email = unique_email();
    app.register(&email, STRONG_PASSWORD).await;
    let mut ip = 0;
    let mut next_ip = || {
        ip += 1;
        format!("198.51.100.{ip}")
    };
    for _ in 0..5 {
        let resp = login_from(&app, &email, "wrong-password", &next_ip()).await;
        problem(resp, 401, "invalid_credentials").await;
    }
    let wait = too_many(login_from(&app, &email, "wrong-password", &next_ip()).await).await;
    assert_eq!(wait, 30);
    assert_eq!(
        too_many(login_from(&app, &email, STRONG_PASSWORD, &next_ip()).await).await,
        30
    );
    app.advance(29);
    assert_eq!(
        too_many(login_from(&app, &email, STRONG_PASSWORD, &next_ip()).await).await,
        1
    );
    app.advance(1);
    // One more failure after the lock doubles the next wait.
    let resp = login_from(&app, &email, "wrong-password", &next_ip()).await;
    problem(resp, 401, "invalid_credentials").await;
    assert_eq!(
        too_many(login_from(&app, &email, STRONG_PASSWORD, &next_ip()).await).await,
        60
    );
    app.advance(60);
    let resp = login_from(&app, &email, STRONG_PASSWORD, &next_ip()).await;
    assert_eq!(resp.status(), 200);
    // The success reset the account's count: five more failures are 401s.
    for _ in 0..5 {
        let resp = login_from(&app, &email, "wrong-password", &next_ip()).await;
        problem(resp, 401, "invalid_credentials").await;
    }
    too_many(login_from(&app, &email, STRONG_PASSWORD, &next_ip()).await).await;
}

#[tokio::test]
async fn one_ip_is_limited_across_different_emails() {
    let Some(app) = spawn_app_with_clock(Backend::Sqlite, &[IP_THRESHOLD_5]).await else {
        return;
    };
    for _ in 0..5 {
        let resp = app.login(&unique_email(), "wrong-password").await;
        problem(resp, 401, "invalid_credentials").await;
    }
    assert_eq!(too_many(app.login(&unique_email(), "x").await).await, 30);
    app.advance(30);
    problem(
        app.login(&unique_email(), "x").await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn a_spoofed_forwarded_for_is_ignored_by_default() {
    let Some(app) = spawn_app_with(Backend::Sqlite, &[IP_THRESHOLD_5]).await else {
        return;
    };
    for i in 0..5 {
        let resp = login_from(&app, &unique_email(), "x", &format!("203.0.113.{i}")).await;
        problem(resp, 401, "invalid_credentials").await;
    }
    too_many(login_from(&app, &unique_email(), "x", "203.0.113.99").await).await;
}

#[tokio::test]
async fn forwarded_for_names_the_client_behind_a_trusted_proxy() {
    let overrides = [
        ("server.trusted_proxies", "10.0.0.0/8, 127.0.0.1"),
        IP_THRESHOLD_5,
    ];
    let Some(app) = spawn_app_with(Backend::Sqlite, &overrides).await else {
        return;
    };
    for _ in 0..5 {
        let resp = login_from(
            &app,
            &unique_email(),
            "x",
            "6.6.6.6, 198.51.100.7, 10.0.0.2",
        )
        .await;
        problem(resp, 401, "invalid_credentials").await;
    }
    too_many(login_from(&app, &unique_email(), "x", "198.51.100.7").await).await;
    let other_client = login_from(&app, &unique_email(), "x", "198.51.100.8").await;
    problem(other_client, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn refreshes_with_never_issued_tokens_are_limited_per_ip() {
    let Some(app) = spawn_app_with(Backend::Sqlite, &[IP_THRESHOLD_5]).await else {
        return;
    };
    for _ in 0..5 {
        problem(app.refresh("bogus").await, 401, "invalid_refresh_token").await;
    }
    too_many(app.refresh("bogus").await).await;
}

#[tokio::test]
async fn stale_refresh_tokens_really_issued_never_lock_the_ip() {
    let Some(app) = spawn_app_with(Backend::Sqlite, &[IP_THRESHOLD_5]).await else {
        return;
    };
    let session = app.signed_up_user().await;
    let first = session["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let rotated: serde_json::Value = app.refresh(&first).await.json().await.expect("json");
    let second = rotated["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    // A logged-out (revoked) token, presented over and over by a stale app.
    assert_eq!(app.logout(&second).await.status(), 204);
    for _ in 0..8 {
        problem(app.refresh(&second).await, 401, "invalid_refresh_token").await;
    }
    // The IP is not locked: a never-issued token is still just refused.
    problem(app.refresh("bogus").await, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn an_ip_of_many_users_is_not_locked_by_a_few_failures() {
    // The default per-IP threshold (50): a carrier NAT's users do not lock
    // each other out, while each account keeps its own threshold of 5.
    let Some(app) = spawn_app_with(Backend::Sqlite, &[]).await else {
        return;
    };
    for _ in 0..10 {
        let resp = app.login(&unique_email(), "wrong-password").await;
        problem(resp, 401, "invalid_credentials").await;
    }
    let email = unique_email();
    assert_eq!(app.register(&email, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.login(&email, STRONG_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn two_instances_on_redis_share_the_lockout() {
    let Some(redis) = redis_url() else {
        return;
    };
    let prefix = format!("nextarget-test:{}:", Uuid::new_v4().simple());
    let overrides = [
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", redis.as_str()),
        ("rate_limit.redis_prefix", prefix.as_str()),
        ("server.trusted_proxies", "127.0.0.1"),
        IP_THRESHOLD_5,
    ];
    let Some(first) = spawn_app_with_clock(Backend::Sqlite, &overrides).await else {
        return;
    };
    let second = spawn_instance(&first.db, &overrides, first.clock.clone()).await;
    let email = unique_email();
    first.register(&email, STRONG_PASSWORD).await;
    for i in 0..5 {
        let resp = login_from(&first, &email, "wrong-password", &format!("198.51.100.{i}")).await;
        problem(resp, 401, "invalid_credentials").await;
    }
    let resp = login_from(&second, &email, STRONG_PASSWORD, "198.51.100.50").await;
    assert_eq!(too_many(resp).await, 30);
    first.advance(30);
    let resp = login_from(&second, &email, STRONG_PASSWORD, "198.51.100.51").await;
    assert_eq!(resp.status(), 200);
}

#[test]
fn a_bad_trusted_proxy_stops_start_up_naming_the_key() {
    let err =
        nextarget::config::load_for_tests(&[("server.trusted_proxies", "10.0.0.0/8, proxy.local")])
            .expect_err("refused");
    let message = err.to_string();
    assert!(message.contains("server.trusted_proxies"), "{message}");
    assert!(message.contains("proxy.local"), "{message}");
}
