//! Every id_token Google's callback must refuse (401 invalid_id_token, no
//! user created), JWKS caching and refetch, and native sign-in through
//! /auth/register.

use nextarget_ports::Provider;
use serde_json::{json, Value};
use sha2::Digest;
use wiremock::{matchers::path, Mock, ResponseTemplate};

use crate::common::{problem, Backend};
use crate::support::*;

/// Runs the web flow with the id_token `forge(nonce)` and expects 401.
async fn refused(sub: &str, forge: impl Fn(&str) -> String) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let started = start(&app, "google").await;
    token_endpoint_returns(&idp, &forge(started.get("nonce"))).await;
    let query = [("code", "c"), ("state", started.get("state"))];
    problem(
        callback(&app, "google", &query).await,
        401,
        "invalid_id_token",
    )
    .await;
    assert!(!user_exists(&app, Provider::Google, sub).await, "no user");
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    refused("t-aud", |n| {
        sign(
            &with(claims("t-aud", Some(n)), "aud", json!("someone-else")),
            KID,
            false,
        )
    })
    .await;
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    refused("t-iss", |n| {
        sign(
            &with(
                claims("t-iss", Some(n)),
                "iss",
                json!("https://evil.example"),
            ),
            KID,
            false,
        )
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_is_refused_past_the_leeway() {
    let past = chrono::Utc::now().timestamp() - 120;
    refused("t-exp", |n| {
        sign(
            &with(claims("t-exp", Some(n)), "exp", json!(past)),
            KID,
            false,
        )
    })
    .await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    refused("t-sig", |n| sign_other_key(&claims("t-sig", Some(n)), KID)).await;
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    refused("t-hs", |n| {
        sign_hs256_with_public_key(&claims("t-hs", Some(n)))
    })
    .await;
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    refused("t-none", |n| unsigned(&claims("t-none", Some(n)))).await;
}

#[tokio::test]
async fn a_token_with_another_nonce_is_refused() {
    refused("t-nonce", |_| {
        sign(&claims("t-nonce", Some("not-the-nonce")), KID, false)
    })
    .await;
    refused("t-nonce2", |_| sign(&claims("t-nonce2", None), KID, false)).await;
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once_then_is_refused() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    // A first sign-in fills the cache.
    let resp = register_google(&app, &sign(&claims("t-kid-ok", None), KID, false)).await;
    assert_eq!(resp.status(), 201);
    let resp = register_google(&app, &sign(&claims("t-kid", None), "rotated-away", false)).await;
    problem(resp, 401, "invalid_id_token").await;
    assert_eq!(jwks_fetches(&idp).await, 2, "one fetch, one refetch");
    // A known kid is served from the cache.
    let resp = register_google(&app, &sign(&claims("t-kid-ok", None), KID, false)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(jwks_fetches(&idp).await, 2);
}

#[tokio::test]
async fn a_rotated_key_is_found_by_refetching_the_jwks() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let resp = register_google(&app, &sign(&claims("t-rot-1", None), KID, false)).await;
    assert_eq!(resp.status(), 201);
    idp.reset().await;
    mount_jwks(
        &idp,
        &[
            include_str!("../fixtures/google_test_key.jwk.json"),
            other_jwk(),
        ],
    )
    .await;
    let resp = register_google(
        &app,
        &sign_other_key(&claims("t-rot-2", None), "test-key-2"),
    )
    .await;
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn native_google_sign_in_is_201_then_200_for_the_same_account() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let token = sign(&claims("n-1", None), KID, false);
    let first = register_google(&app, &token).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("body");
    assert_eq!(first["user"]["provider"], "google");
    assert_eq!(first["user"]["email"], "n-1@gmail.example");
    let second = register_google(&app, &token).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.expect("body");
    assert_eq!(second["user"]["id"], first["user"]["id"]);
}

#[tokio::test]
async fn a_google_account_has_no_password_to_change_and_its_session_is_listed() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let token = sign(&claims("n-nopass", None), KID, false);
    let resp = register_google(&app, &token).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("body");
    let access = body["access_token"].as_str().expect("access");
    let resp = app
        .post_json_with_token(
            "/auth/password",
            access,
            &json!({"current_password": "anything-at-all", "new_password": "marble-Harbour-41-lantern"}),
        )
        .await;
    problem(resp, 409, "no_password").await;
    // Our own access token is no Google id_token.
    problem(register_google(&app, access).await, 401, "invalid_id_token").await;
    let resp = app.get_with_token("/auth/sessions", access).await;
    assert_eq!(resp.status(), 200);
    let list: Value = resp.json().await.expect("body");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["current"], true);
}

#[tokio::test]
async fn native_google_sign_in_refuses_bad_tokens_and_a_missing_one() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let forged = sign_other_key(&claims("n-2", None), KID);
    problem(
        register_google(&app, &forged).await,
        401,
        "invalid_id_token",
    )
    .await;
    problem(
        register_google(&app, "not.a.jwt").await,
        401,
        "invalid_id_token",
    )
    .await;
    let resp = app
        .post_json("/auth/register", &json!({"provider": "google"}))
        .await;
    let body = problem(resp, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["field"], "id_token");
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"provider": "twitter", "id_token": "x"}),
        )
        .await;
    // Not a provider the spec lists for sign-up.
    problem(resp, 400, "bad_request").await;
    assert!(!user_exists(&app, Provider::Google, "n-2").await);
    // JWKS down: the keys cannot be read, which is the provider's failure.
    idp.reset().await;
    Mock::given(path("/jwks"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&idp)
        .await;
    let resp = register_google(&app, &sign(&claims("n-3", None), "fresh-kid", false)).await;
    problem(resp, 502, "provider_error").await;
}

#[tokio::test]
async fn native_tokens_of_the_apps_client_ids_are_accepted_and_web_flows_stay_on_the_web_id() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let ios = sign(
        &with(claims("n-ios", None), "aud", json!(IOS_CLIENT_ID)),
        KID,
        false,
    );
    assert_eq!(register_google(&app, &ios).await.status(), 201);
    let unknown_app = sign(
        &with(claims("n-other", None), "aud", json!("another.app.example")),
        KID,
        false,
    );
    problem(
        register_google(&app, &unknown_app).await,
        401,
        "invalid_id_token",
    )
    .await;
    // The web flow's token endpoint answering for the iOS app is refused.
    refused("t-ios-web", |n| {
        sign(
            &with(claims("t-ios-web", Some(n)), "aud", json!(IOS_CLIENT_ID)),
            KID,
            false,
        )
    })
    .await;
}

#[tokio::test]
async fn a_native_nonce_must_match_as_sent_or_hashed_and_cannot_be_left_out() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let sent = "app-nonce-123";
    let hashed = hex::encode(sha2::Sha256::digest(sent.as_bytes()));
    let plain = sign(&claims("n-plain", Some(sent)), KID, false);
    let resp = register_google_with_nonce(&app, &plain, Some(sent)).await;
    assert_eq!(resp.status(), 201);
    let apple_style = sign(&claims("n-hashed", Some(&hashed)), KID, false);
    let resp = register_google_with_nonce(&app, &apple_style, Some(sent)).await;
    assert_eq!(resp.status(), 201);
    let other = sign(&claims("n-other-nonce", Some("not-it")), KID, false);
    let resp = register_google_with_nonce(&app, &other, Some(sent)).await;
    problem(resp, 401, "invalid_id_token").await;
    // A token with a nonce and a request without one: refused.
    let resp = register_google_with_nonce(&app, &plain, None).await;
    problem(resp, 401, "invalid_id_token").await;
    // A request nonce and a token without one: refused.
    let none = sign(&claims("n-none", None), KID, false);
    let resp = register_google_with_nonce(&app, &none, Some(sent)).await;
    problem(resp, 401, "invalid_id_token").await;
    assert!(!user_exists(&app, Provider::Google, "n-other-nonce").await);
    assert!(!user_exists(&app, Provider::Google, "n-none").await);
}

async fn register_google_with_nonce(
    app: &crate::common::TestApp,
    id_token: &str,
    nonce: Option<&str>,
) -> reqwest::Response {
    app.post_json(
        "/auth/register",
        &json!({"provider": "google", "id_token": id_token, "nonce": nonce}),
    )
    .await
}

async fn register_google(app: &crate::common::TestApp, id_token: &str) -> reqwest::Response {
    app.post_json(
        "/auth/register",
        &json!({"provider": "google", "id_token": id_token}),
    )
    .await
}

async fn jwks_fetches(idp: &wiremock::MockServer) -> usize {
    let requests = idp.received_requests().await.expect("recorded");
    requests.iter().filter(|r| r.url.path() == "/jwks").count()
}
