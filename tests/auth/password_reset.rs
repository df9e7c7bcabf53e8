//! Forgot password by mail, end to end through the file outbox: the link's
//! token resets the password once, ends every session, and an unknown
//! email is answered exactly like a known one.

use std::{path::Path, time::Duration};

use reqwest::Response;
use serde_json::{json, Value};
use tempfile::TempDir;
use uuid::Uuid;

use crate::common::{
    eml::readable, problem, refusing::Refusing, spawn_app_with, spawn_app_with_clock, Backend,
    TestApp, STRONG_PASSWORD,
};
use crate::on_every_backend;

on_every_backend!(
    the_mailed_link_resets_the_password_once_and_ends_every_session,
    an_unknown_email_is_answered_like_a_known_one_and_gets_no_mail,
    an_expired_or_superseded_link_is_refused,
    requests_are_throttled_per_email_and_per_ip,
    a_refused_new_password_leaves_the_link_usable,
    a_reset_clears_the_accounts_failed_sign_ins,
);

const NEW_PASSWORD: &str = "marble-Harbour-41-lantern";

struct Outboxed {
    app: TestApp,
    outbox: TempDir,
}

async fn spawn(backend: Backend) -> Option<Outboxed> {
    let outbox = tempfile::tempdir().expect("outbox");
    let dir = outbox.path().to_str().expect("utf-8 path").to_owned();
    let app = spawn_app_with_clock(
        backend,
        &[
            ("mail.transport", "file"),
            ("mail.outbox_dir", &dir),
            ("server.trusted_proxies", "127.0.0.1"),
        ],
    )
    .await?;
    Some(Outboxed { app, outbox })
}

async fn forgot(app: &TestApp, email: &str, language: &str, ip: &str) -> Response {
    app.client
        .post(app.url("/auth/password/forgot"))
        .header("accept-language", language)
        .header("x-forwarded-for", ip)
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("request")
}

/// The messages of the outbox once there are `n` (waiting for the worker).
async fn messages(dir: &Path, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("outbox")
            .map(|e| e.expect("entry").path())
            .collect();
        if files.len() >= n {
            files.sort_by_key(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
            return files
                .iter()
                .map(|f| {
                    std::fs::read_to_string(f)
                        .expect("read")
                        .replace("\r\n", "\n")
                })
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} messages in the outbox");
}

/// The token of the reset link in `raw`.
fn token(raw: &str) -> String {
    let text = readable(raw);
    let start = text.find("reset-password?token=").expect("a reset link") + 21;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn reset(app: &TestApp, token: &str, password: &str) -> Response {
    app.post_json(
        "/auth/password/reset",
        &json!({"token": token, "new_password": password}),
    )
    .await
}

async fn account(app: &TestApp) -> (String, Value) {
    let email = format!("r-{}@example.com", Uuid::new_v4().simple());
    let resp = app.register(&email, STRONG_PASSWORD).await;
    assert_eq!(resp.status(), 201);
    (email, resp.json().await.expect("tokens"))
}

async fn the_mailed_link_resets_the_password_once_and_ends_every_session(backend: Backend) {
    let Some(Outboxed { app, outbox }) = spawn(backend).await else {
        return;
    };
    let (email, first) = account(&app).await;
    let second = app.login(&email, STRONG_PASSWORD).await;
    assert_eq!(second.status(), 200);
    let resp = forgot(&app, &email, "en-GB,en;q=0.9", "203.0.113.1").await;
    assert_eq!(resp.status(), 202);
    let raw = &messages(outbox.path(), 1).await[0];
    assert!(raw.contains(&format!("To: {email}")), "{raw}");
    assert!(
        raw.contains("Subject: Reset your NexTarget password"),
        "{raw}"
    );
    let token = token(raw);
    assert_eq!(token.len(), 43, "256 bits in base64url: {token}");

    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), 204);
    problem(
        reset(&app, &token, "another-Quiet-73-harbour").await,
        400,
        "invalid_reset_token",
    )
    .await;
    problem(
        app.login(&email, STRONG_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(app.login(&email, NEW_PASSWORD).await.status(), 200);
    let access = first["access_token"].as_str().expect("access");
    assert_eq!(app.get_with_token("/users/me", access).await.status(), 401);
    let refresh = first["refresh_token"].as_str().expect("refresh");
    problem(app.refresh(refresh).await, 401, "invalid_refresh_token").await;
}

async fn an_unknown_email_is_answered_like_a_known_one_and_gets_no_mail(backend: Backend) {
    let Some(Outboxed { app, outbox }) = spawn(backend).await else {
        return;
    };
    let (email, _) = account(&app).await;
    let unknown = forgot(&app, "nobody-here@example.com", "fr", "203.0.113.2").await;
    let known = forgot(&app, &email, "fr", "203.0.113.3").await;
    assert_eq!(
        (unknown.status().as_u16(), known.status().as_u16()),
        (202, 202)
    );
    let unknown: Value = unknown.json().await.expect("body");
    let known: Value = known.json().await.expect("body");
    assert_eq!(unknown, known);
    // Only the known one is mailed, in French by default.
    let all = messages(outbox.path(), 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(std::fs::read_dir(outbox.path()).expect("outbox").count(), 1);
    assert!(all[0].contains(&format!("To: {email}")));
    assert!(
        readable(&all[0]).contains("Choisir un nouveau mot de passe"),
        "{}",
        all[0]
    );
    // A provider-only email is no local account either; a bad one is 422.
    problem(
        forgot(&app, "not-an-email", "fr", "203.0.113.4").await,
        422,
        "validation_error",
    )
    .await;
}

async fn an_expired_or_superseded_link_is_refused(backend: Backend) {
    let Some(Outboxed { app, outbox }) = spawn(backend).await else {
        return;
    };
    let (email, _) = account(&app).await;
    assert_eq!(
        forgot(&app, &email, "en", "203.0.113.5").await.status(),
        202
    );
    let older = token(&messages(outbox.path(), 1).await[0]);
    assert_eq!(
        forgot(&app, &email, "en", "203.0.113.5").await.status(),
        202
    );
    let all = messages(outbox.path(), 2).await;
    let newer = all
        .iter()
        .map(|m| token(m))
        .find(|t| *t != older)
        .expect("newer");
    problem(
        reset(&app, &older, NEW_PASSWORD).await,
        400,
        "invalid_reset_token",
    )
    .await;
    app.advance(1800);
    problem(
        reset(&app, &newer, NEW_PASSWORD).await,
        400,
        "invalid_reset_token",
    )
    .await;
    problem(
        reset(&app, "made-up", NEW_PASSWORD).await,
        400,
        "invalid_reset_token",
    )
    .await;
    assert_eq!(app.login(&email, STRONG_PASSWORD).await.status(), 200);
}

async fn requests_are_throttled_per_email_and_per_ip(backend: Backend) {
    let Some(Outboxed { app, .. }) = spawn(backend).await else {
        return;
    };
    for i in 0..3 {
        let ip = format!("198.51.100.{i}");
        assert_eq!(
            forgot(&app, "same@example.com", "en", &ip).await.status(),
            202
        );
    }
    let resp = forgot(&app, "same@example.com", "en", "198.51.100.9").await;
    assert!(resp.headers().contains_key("retry-after"));
    problem(resp, 429, "too_many_attempts").await;
    for i in 0..20 {
        let email = format!("ip-{i}@example.com");
        assert_eq!(forgot(&app, &email, "en", "192.0.2.77").await.status(), 202);
    }
    let resp = forgot(&app, "ip-21@example.com", "en", "192.0.2.77").await;
    problem(resp, 429, "too_many_attempts").await;
}

async fn a_refused_new_password_leaves_the_link_usable(backend: Backend) {
    let Some(Outboxed { app, outbox }) = spawn(backend).await else {
        return;
    };
    let (email, _) = account(&app).await;
    assert_eq!(
        forgot(&app, &email, "en", "203.0.113.6").await.status(),
        202
    );
    let token = token(&messages(outbox.path(), 1).await[0]);
    let body = problem(reset(&app, &token, "short").await, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["field"], "new_password");
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), 204);
}

async fn a_reset_clears_the_accounts_failed_sign_ins(backend: Backend) {
    let Some(Outboxed { app, outbox }) = spawn(backend).await else {
        return;
    };
    let (email, _) = account(&app).await;
    for _ in 0..5 {
        problem(
            app.login(&email, "wrong-password").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    problem(
        app.login(&email, STRONG_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    assert_eq!(
        forgot(&app, &email, "en", "203.0.113.8").await.status(),
        202
    );
    let token = token(&messages(outbox.path(), 1).await[0]);
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), 204);
    assert_eq!(app.login(&email, NEW_PASSWORD).await.status(), 200);
}

/// The `mail_total{outcome}` value in `/metrics` (0 when absent).
async fn mail_count(app: &TestApp, outcome: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.expect("metrics");
    let series = format!("mail_total{{outcome=\"{outcome}\"}}");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_dead_mail_server_is_counted_never_shown() {
    let dead = Refusing::new();
    let url = format!("smtp://127.0.0.1:{}?tls=none", dead.port);
    let Some(app) = spawn_app_with(
        Backend::Sqlite,
        &[("mail.transport", "smtp"), ("mail.smtp_url", &url)],
    )
    .await
    else {
        return;
    };
    let (email, _) = account(&app).await;
    let before = mail_count(&app, "retried").await;
    let resp = forgot(&app, &email, "en", "203.0.113.9").await;
    assert_eq!(resp.status(), 202);
    for _ in 0..200 {
        if mail_count(&app, "retried").await > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the failed send was not counted");
}
