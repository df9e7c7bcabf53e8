//! A wiremock Apple (authorize, token endpoint, JWKS at Apple's paths), the
//! server configured against it, Apple-shaped id_tokens signed with the
//! test RSA key, and the form post of Apple's callback.

use chrono::Utc;
use reqwest::Response;
use serde_json::{json, Value};
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{spawn_app_with_clock, Backend, TestApp};
use crate::support::{mount_jwks_at, OAuthApp, JWK};

/// The Services ID: the web flow's client id.
pub const APPLE_CLIENT_ID: &str = "com.example.nextarget.web";
/// The iOS app's bundle id, one of `oauth.apple.native_client_ids`.
pub const APPLE_IOS_ID: &str = "com.example.nextarget";
pub const APPLE_TEAM_ID: &str = "TEAM123456";
pub const APPLE_KEY_ID: &str = "KEY1234567";
pub const APPLE_ISSUER: &str = "https://appleid.apple.com";
pub const APPLE_REDIRECT_URI: &str = "http://app.test/auth/apple/callback";
/// The .p8 key the server signs its client secrets with, and its public
/// half, with which the tests check them.
pub const APPLE_P8: &str = include_str!("../fixtures/apple_test_key.p8");
pub const APPLE_P8_PUBLIC: &[u8] = include_bytes!("../fixtures/apple_test_key.pub.pem");
/// Where the wiremock Apple serves its keys.
pub const APPLE_JWKS_PATH: &str = "/auth/keys";

/// The server with Apple (web flow and native apps) pointed at a wiremock
/// whose JWKS holds the test key.
pub async fn spawn_apple_app(backend: Backend) -> Option<OAuthApp> {
    let idp = MockServer::start().await;
    mount_jwks_at(&idp, APPLE_JWKS_PATH, &[JWK]).await;
    let uri = idp.uri();
    let app = spawn_with_apple(
        backend,
        &[
            ("oauth.apple.client_id", APPLE_CLIENT_ID),
            ("oauth.apple.team_id", APPLE_TEAM_ID),
            ("oauth.apple.key_id", APPLE_KEY_ID),
            ("oauth.apple.private_key", APPLE_P8),
            ("oauth.apple.redirect_uri", APPLE_REDIRECT_URI),
            ("oauth.apple.native_client_ids", APPLE_IOS_ID),
        ],
        &uri,
    )
    .await?;
    Some(OAuthApp { app, idp })
}

/// The server with `keys` of `oauth.apple.*` and Apple's URLs on `idp`.
pub async fn spawn_with_apple(
    backend: Backend,
    keys: &[(&str, &str)],
    idp: &str,
) -> Option<TestApp> {
    let urls = [
        ("oauth.apple.auth_url", format!("{idp}/auth/authorize")),
        ("oauth.apple.token_url", format!("{idp}/auth/token")),
        ("oauth.apple.jwks_url", format!("{idp}{APPLE_JWKS_PATH}")),
    ];
    let mut overrides: Vec<(&str, &str)> = keys.to_vec();
    overrides.extend(urls.iter().map(|(k, v)| (*k, v.as_str())));
    spawn_app_with_clock(backend, &overrides).await
}

/// Claims Apple would sign for `sub` in the web flow, valid for an hour:
/// a relay address, `email_verified` as the string Apple sends.
pub fn apple_claims(sub: &str, nonce: Option<&str>) -> Value {
    let now = Utc::now().timestamp();
    let mut claims = json!({
        "iss": APPLE_ISSUER, "aud": APPLE_CLIENT_ID, "sub": sub, "iat": now, "exp": now + 3600,
        "email": format!("{sub}@privaterelay.appleid.com"), "email_verified": "true",
        "is_private_email": "true", "auth_time": now, "nonce_supported": true,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

/// `claims` with `key` set to `value`.
pub fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

/// Makes the mock token endpoint answer `id_token` as Apple does.
pub async fn apple_token_endpoint_returns(idp: &MockServer, id_token: &str) {
    let body = json!({
        "access_token": "a0.apple", "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": "r0.apple", "id_token": id_token,
    });
    apple_token_endpoint_answers(idp, ResponseTemplate::new(200).set_body_json(body)).await;
}

pub async fn apple_token_endpoint_answers(idp: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(template)
        .mount(idp)
        .await;
}

/// Apple's form post to `/auth/apple/callback`.
pub async fn apple_callback(app: &TestApp, form: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url("/auth/apple/callback"))
        .form(form)
        .send()
        .await
        .expect("request")
}

/// `POST /auth/register` with provider apple.
pub async fn register_apple(app: &TestApp, id_token: &str, nonce: Option<&str>) -> Response {
    app.post_json(
        "/auth/register",
        &json!({"provider": "apple", "id_token": id_token, "nonce": nonce}),
    )
    .await
}

/// How many times the server read Apple's JWKS.
pub async fn apple_jwks_fetches(idp: &MockServer) -> usize {
    let requests = idp.received_requests().await.expect("recorded");
    requests
        .iter()
        .filter(|r| r.url.path() == APPLE_JWKS_PATH)
        .count()
}
