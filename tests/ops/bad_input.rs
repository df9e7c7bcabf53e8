//! Hostile and broken requests: each gets its contract error, never a 500.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::Response;
use serde_json::{json, Value};

use crate::common::{problem, spawn_app, spawn_app_with, Backend, TestApp, TEST_JWT_SECRET};

async fn app() -> TestApp {
    spawn_app(Backend::Sqlite)
        .await
        .expect("sqlite always runs")
}

#[tokio::test]
async fn malformed_json_missing_fields_and_wrong_types_are_bad_requests() {
    let app = app().await;
    for body in [
        "{bad",
        "",
        "[]",
        "null",
        r#"{"email": ["x"], "password": {}}"#,
        // A scalar of the wrong type is not read as its text ("42").
        r#"{"email": 42, "password": true}"#,
        r#"{"email": "a@example.com", "password": 12345678}"#,
    ] {
        let resp = app.post_raw("/auth/register", body).await;
        assert_eq!(resp.status(), 400, "{body}");
        problem(resp, 400, "bad_request").await;
    }
    problem(
        app.post_raw("/auth/login", r#"{"email": "a@example.com"}"#)
            .await,
        400,
        "bad_request",
    )
    .await;
    problem(
        app.post_raw("/auth/login", r#"{"password": "x"}"#).await,
        400,
        "bad_request",
    )
    .await;
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let app = app().await;
    let resp = app
        .post_json(
            "/auth/login",
            &json!({"email": "x@example.com", "password": "y", "extra": [1, 2]}),
        )
        .await;
    problem(resp, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_declared_or_chunked() {
    let app = spawn_app_with(Backend::Sqlite, &[("server.body_limit_bytes", "1024")])
        .await
        .expect("app");
    let big = json!({"email": "a@example.com", "password": "x".repeat(4096)});
    problem(
        app.post_json("/auth/login", &big).await,
        413,
        "payload_too_large",
    )
    .await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b' '; 512])).collect();
    problem(login_chunked(&app, chunks).await, 413, "payload_too_large").await;
    // Bodiless requests are untouched by the limit.
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn a_chunked_body_under_the_limit_still_works() {
    let app = app().await;
    let body =
        serde_json::to_vec(&json!({"email": "x@example.com", "password": "y"})).expect("json");
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(7).map(|c| Ok(c.to_vec())).collect();
    problem(
        login_chunked(&app, chunks).await,
        401,
        "invalid_credentials",
    )
    .await;
}

/// `POST /auth/login` with a chunked body (no content-length) of `chunks`.
async fn login_chunked(app: &TestApp, chunks: Vec<Result<Vec<u8>, std::io::Error>>) -> Response {
    app.client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("request")
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("sign")
}

#[tokio::test]
async fn bad_expired_tampered_and_unsigned_tokens_are_401() {
    let app = app().await;
    let session = app.signed_up_user().await;
    let good = session["access_token"].as_str().expect("token").to_owned();
    let sub = session["user"]["id"].clone();
    let now = chrono::Utc::now().timestamp();

    let expired = sign(
        &json!({"sub": sub, "iat": now - 1000, "exp": now - 10, "jti": "x"}),
        TEST_JWT_SECRET,
    );
    let wrong_key = sign(
        &json!({"sub": sub, "iat": now, "exp": now + 600, "jti": "x"}),
        "some-other-secret-of-enough-length!!",
    );
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD
        .encode(json!({"sub": sub, "iat": now, "exp": now + 600, "jti": "x"}).to_string());
    let alg_none = format!("{header}.{payload}.");
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(
        json!({"sub": uuid::Uuid::now_v7(), "iat": now, "exp": now + 600, "jti": "x"}).to_string(),
    );
    let tampered = parts.join(".");

    for token in [
        "garbage",
        "a.b.c",
        expired.as_str(),
        wrong_key.as_str(),
        alg_none.as_str(),
        tampered.as_str(),
    ] {
        let resp = app.get_with_token("/users/me", token).await;
        assert_eq!(
            resp.headers().get("www-authenticate").map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
        problem(resp, 401, "unauthorized").await;
    }
    for header in ["Basic abc", "Bearer", "bearer", ""] {
        let resp = app
            .client
            .get(app.url("/users/me"))
            .header("authorization", header)
            .send()
            .await
            .expect("request");
        problem(resp, 401, "unauthorized").await;
    }
    assert_eq!(app.get_with_token("/users/me", &good).await.status(), 200);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let app = app().await;
    problem(app.get("/nope").await, 404, "not_found").await;
    let resp = app
        .client
        .put(app.url("/users/me"))
        .send()
        .await
        .expect("request");
    assert!(
        resp.status() == 404 || resp.status() == 405,
        "{}",
        resp.status()
    );
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_client_error() {
    let app = app().await;
    let resp = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_one_is_echoed() {
    let app = app().await;
    assert_eq!(request_id_of_health(&app, "abc-123").await, "abc-123");
    let bad = "bad id\twith spaces";
    assert_ne!(request_id_of_health(&app, bad).await, bad);
}

/// The `x-request-id` answered to a `GET /health` that sent `id`.
async fn request_id_of_health(app: &TestApp, id: &str) -> String {
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", id)
        .send()
        .await
        .expect("health");
    let answered = resp.headers()["x-request-id"].to_str().expect("ascii");
    answered.to_owned()
}
