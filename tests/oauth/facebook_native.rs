//! Facebook native sign-in through `POST /auth/register`: the SDK's user
//! access token checked at a wiremock Graph `debug_token` (under the app
//! token) then `/me`, and iOS Limited Login id_tokens checked against a
//! wiremock JWKS.

use chrono::Utc;
use nextarget_ports::Provider;
use reqwest::Response;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wiremock::{
    matchers::{method, path, query_param},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{problem, Backend, TestApp};
use crate::facebook::proof;
use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    an_sdk_token_of_our_app_signs_in_201_then_200,
    a_limited_login_id_token_signs_in_201_then_200,
);

const LIMITED_LOGIN_ISSUER: &str = "https://www.facebook.com";

async fn register_facebook(app: &TestApp, body: Value) -> Response {
    let mut body = body;
    body["provider"] = json!("facebook");
    app.post_json("/auth/register", &body).await
}

/// What `debug_token` says about `token` (asked with our app token), and
/// `/me`'s answer for it (asked with its `appsecret_proof`).
async fn graph_knows(idp: &MockServer, token: &str, debug: Value, me: Value) {
    Mock::given(method("GET"))
        .and(path("/v19.0/debug_token"))
        .and(query_param("input_token", token))
        .and(query_param(
            "access_token",
            format!("{FB_CLIENT_ID}|{FB_SECRET}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": debug })))
        .mount(idp)
        .await;
    Mock::given(method("GET"))
        .and(path("/v19.0/me"))
        .and(query_param("fields", "id,email"))
        .and(query_param("access_token", token))
        .and(query_param("appsecret_proof", proof(token).as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(me))
        .mount(idp)
        .await;
}

/// `debug_token`'s data for a valid user token of `app_id`, user `user`.
fn debug_data(app_id: &str, user: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "app_id": app_id, "type": "USER", "application": "NexTarget",
        "data_access_expires_at": now + 7_776_000, "expires_at": now + 5_000_000,
        "is_valid": true, "issued_at": now - 60, "scopes": ["email", "public_profile"],
        "user_id": user,
    })
}

async fn graph_calls(idp: &MockServer, at: &str) -> usize {
    idp.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

async fn an_sdk_token_of_our_app_signs_in_201_then_200(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    graph_knows(
        &idp,
        "EAAB-sdk-1",
        debug_data(FB_CLIENT_ID, "3001"),
        json!({"id": "3001", "email": "Sdk.User@Example.com"}),
    )
    .await;
    let resp = register_facebook(&app, json!({"access_token": "EAAB-sdk-1"})).await;
    assert_eq!(resp.status(), 201);
    let first: Value = resp.json().await.expect("token response");
    assert_eq!(first["user"]["provider"], "facebook");
    assert_eq!(first["user"]["email"], "sdk.user@example.com");
    let resp = register_facebook(&app, json!({"access_token": "EAAB-sdk-1"})).await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.expect("token response");
    assert_eq!(second["user"]["id"], first["user"]["id"]);
    assert!(user_exists(&app, Provider::Facebook, "3001").await);
}

#[tokio::test]
async fn an_sdk_token_of_another_app_an_invalid_or_an_expired_one_is_401() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let me = json!({"id": "3002", "email": "x@example.com"});
    let expired = {
        let mut data = debug_data(FB_CLIENT_ID, "3002");
        data["expires_at"] = json!(Utc::now().timestamp() - 10);
        data
    };
    let invalid = json!({
        "error": {"code": 190, "message": "Invalid OAuth access token."},
        "is_valid": false, "scopes": [],
    });
    for (token, debug) in [
        ("EAAB-other-app", debug_data("another-app", "3002")),
        ("EAAB-invalid", invalid),
        ("EAAB-expired", expired),
        // Valid and ours, but issued to a user other than the one /me names.
        ("EAAB-mixed", debug_data(FB_CLIENT_ID, "9999")),
    ] {
        graph_knows(&idp, token, debug, me.clone()).await;
        let resp = register_facebook(&app, json!({"access_token": token})).await;
        let body = problem(resp, 401, "invalid_provider_token").await;
        assert!(!body.to_string().contains(FB_SECRET), "{body}");
        assert!(!body.to_string().contains(token), "{body}");
    }
    // Graph refusing the token outright (a 400 with an OAuthException).
    Mock::given(path("/v19.0/debug_token"))
        .and(query_param("input_token", "EAAB-garbage"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": {"message": "Cannot parse access token", "type": "OAuthException", "code": 190}}),
        ))
        .mount(&idp)
        .await;
    let resp = register_facebook(&app, json!({"access_token": "EAAB-garbage"})).await;
    problem(resp, 401, "invalid_provider_token").await;
    assert!(!user_exists(&app, Provider::Facebook, "3002").await);
    // /me is asked only about tokens debug_token vouched for.
    assert_eq!(
        graph_calls(&idp, "/v19.0/me").await,
        1,
        "the mixed one only"
    );
}

#[tokio::test]
async fn debug_token_unreachable_or_failing_is_502_provider_error() {
    // Nothing listens on port 9: every Graph call is refused.
    let Some(app) = spawn_with_idp(
        Backend::Sqlite,
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/token",
    )
    .await
    else {
        return;
    };
    let resp = register_facebook(&app, json!({"access_token": "EAAB-1"})).await;
    let body = problem(resp, 502, "provider_error").await;
    assert!(!body.to_string().contains(FB_SECRET), "{body}");
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    Mock::given(path("/v19.0/debug_token"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&idp)
        .await;
    let resp = register_facebook(&app, json!({"access_token": "EAAB-1"})).await;
    problem(resp, 502, "provider_error").await;
    assert_eq!(graph_calls(&idp, "/v19.0/me").await, 0);
}

/// Claims of a Limited Login id_token for `sub`, valid for an hour.
fn limited_claims(sub: &str, nonce: Option<&str>) -> Value {
    let now = Utc::now().timestamp();
    let mut claims = json!({
        "iss": LIMITED_LOGIN_ISSUER, "aud": FB_CLIENT_ID, "sub": sub,
        "iat": now, "exp": now + 3600, "jti": "jti-1",
        "email": format!("{sub}@limited.example"), "name": "Limited User",
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

async fn spawn_with_facebook_keys(backend: Backend) -> Option<OAuthApp> {
    let oauth = spawn_oauth_app(backend).await?;
    mount_jwks_at(&oauth.idp, "/fb/jwks", &[JWK]).await;
    Some(oauth)
}

async fn a_limited_login_id_token_signs_in_201_then_200(backend: Backend) {
    // The mock Facebook (its JWKS) lives as long as `_idp`.
    let Some(OAuthApp { app, idp: _idp }) = spawn_with_facebook_keys(backend).await else {
        return;
    };
    let token = sign(&limited_claims("4001", Some("raw-nonce")), KID, false);
    let body = json!({"id_token": token, "nonce": "raw-nonce"});
    let resp = register_facebook(&app, body.clone()).await;
    assert_eq!(resp.status(), 201);
    let first: Value = resp.json().await.expect("token response");
    assert_eq!(first["user"]["provider"], "facebook");
    assert_eq!(first["user"]["email"], "4001@limited.example");
    let resp = register_facebook(&app, body).await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.expect("token response");
    assert_eq!(second["user"]["id"], first["user"]["id"]);
    // The nonce's SHA-256 in the token is accepted too.
    let hashed = hex::encode(Sha256::digest(b"raw-2"));
    let token = sign(&limited_claims("4001", Some(&hashed)), KID, false);
    let resp = register_facebook(&app, json!({"id_token": token, "nonce": "raw-2"})).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_limited_login_token_of_another_audience_key_issuer_or_nonce_is_refused() {
    // The mock Facebook (its JWKS) lives as long as `_idp`.
    let Some(OAuthApp { app, idp: _idp }) = spawn_with_facebook_keys(Backend::Sqlite).await else {
        return;
    };
    let good = limited_claims("4002", Some("n-1"));
    let with = |key: &str, value: Value| {
        let mut claims = good.clone();
        claims[key] = value;
        claims
    };
    let cases: Vec<(String, Option<&str>)> = vec![
        // Another app's token.
        (
            sign(&with("aud", json!("another-app")), KID, false),
            Some("n-1"),
        ),
        // Signed by a key not in Facebook's JWKS.
        (sign_other_key(&good, KID), Some("n-1")),
        // Another issuer (a Google token for the same audience).
        (sign(&with("iss", json!(ISSUER)), KID, false), Some("n-1")),
        // Expired.
        (
            sign(
                &with("exp", json!(Utc::now().timestamp() - 3600)),
                KID,
                false,
            ),
            Some("n-1"),
        ),
        // A nonce that is not the request's (nor its hash).
        (sign(&good, KID, false), Some("n-2")),
        // A token with a nonce, a request without one.
        (sign(&good, KID, false), None),
        (sign_hs256_with_public_key(&good), Some("n-1")),
        (unsigned(&good), Some("n-1")),
    ];
    for (token, nonce) in cases {
        let resp = register_facebook(&app, json!({"id_token": token, "nonce": nonce})).await;
        problem(resp, 401, "invalid_id_token").await;
    }
    assert!(!user_exists(&app, Provider::Facebook, "4002").await);
    // The same token, right: accepted (what the refusals did not create).
    let resp = register_facebook(
        &app,
        json!({"id_token": sign(&good, KID, false), "nonce": "n-1"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn a_request_with_no_token_both_kinds_or_the_wrong_kind_is_422() {
    let Some(OAuthApp { app, idp }) = spawn_with_facebook_keys(Backend::Sqlite).await else {
        return;
    };
    for body in [
        json!({}),
        json!({"access_token": "  "}),
        json!({"access_token": "EAAB", "id_token": "eyJ"}),
        json!({"access_token": "x".repeat(4097)}),
    ] {
        let body = problem(register_facebook(&app, body).await, 422, "validation_error").await;
        assert_eq!(body["errors"][0]["field"], "access_token", "{body}");
    }
    for provider in ["google", "apple"] {
        let resp = app
            .post_json(
                "/auth/register",
                &json!({"provider": provider, "access_token": "ya29"}),
            )
            .await;
        // Checked before anything else (Apple is not even on here).
        let body = problem(resp, 422, "validation_error").await;
        assert_eq!(body["errors"][0]["field"], "access_token");
    }
    assert_eq!(graph_calls(&idp, "/v19.0/debug_token").await, 0);
    let spec = app.spec().await;
    let register = &spec["components"]["schemas"]["RegisterRequest"]["properties"];
    assert_eq!(register["access_token"]["maxLength"], 4096);
    let providers = &spec["components"]["schemas"]["RegisterProvider"]["enum"];
    assert!(providers
        .as_array()
        .expect("enum")
        .contains(&json!("facebook")));
}
