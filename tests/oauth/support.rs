//! What the OAuth tests share: a wiremock Google (token endpoint + JWKS)
//! and Facebook (access_token + /me), id_tokens signed with the test keys of
//! tests/fixtures, and the server configured to use them (Apple's own
//! wiremock is in `apple_support`).

use std::collections::HashMap;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::Utc;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use nextarget_adapters::storage::{self, Storage};
use nextarget_ports::Provider;
use reqwest::Response;
use secrecy::SecretString;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wiremock::{
    matchers::{body_string_contains, method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{spawn_app_with_clock, Backend, TestApp};

pub const CLIENT_ID: &str = "test-client.apps.googleusercontent.com";
pub const ISSUER: &str = "https://accounts.google.com";
pub const KID: &str = "test-key-1";
pub const FB_CLIENT_ID: &str = "fb-app-1";
pub const FB_SECRET: &str = "fb-app-secret-for-tests";
/// The app links of `oauth.app_redirect_urls`: a custom scheme and a
/// universal (App) link.
pub const APP_LINK: &str = "nextarget://auth";
pub const UNIVERSAL_LINK: &str = "https://app.example.com/auth/done";

const KEY_PEM: &[u8] = include_bytes!("../fixtures/google_test_key.pem");
const OTHER_KEY_PEM: &[u8] = include_bytes!("../fixtures/other_test_key.pem");
pub const PUBLIC_PEM: &[u8] = include_bytes!("../fixtures/google_test_key.pub.pem");
pub const JWK: &str = include_str!("../fixtures/google_test_key.jwk.json");
const OTHER_JWK: &str = include_str!("../fixtures/other_test_key.jwk.json");

/// The server with Google and Facebook pointed at one wiremock, whose JWKS
/// holds the test key.
pub struct OAuthApp {
    pub app: TestApp,
    pub idp: MockServer,
}

pub async fn spawn_oauth_app(backend: Backend) -> Option<OAuthApp> {
    let idp = MockServer::start().await;
    mount_jwks(&idp, &[JWK]).await;
    let app = spawn_with_idp(backend, &idp.uri(), &format!("{}/token", idp.uri())).await?;
    Some(OAuthApp { app, idp })
}

/// The server configured against `idp`, with Google's token endpoint at
/// `token_url`, on a manual clock (`TestApp::advance`).
pub async fn spawn_with_idp(backend: Backend, idp: &str, token_url: &str) -> Option<TestApp> {
    let owned = [
        ("oauth.google.client_id", CLIENT_ID.to_owned()),
        ("oauth.google.client_secret", "google-secret".to_owned()),
        ("oauth.google.redirect_uri", "http://app.test/cb".to_owned()),
        ("oauth.google.auth_url", format!("{idp}/authorize")),
        ("oauth.google.token_url", token_url.to_owned()),
        ("oauth.google.jwks_url", format!("{idp}/jwks")),
        (
            "oauth.google.issuers",
            format!("{ISSUER},accounts.google.com"),
        ),
        (
            "oauth.google.native_client_ids",
            format!("{IOS_CLIENT_ID},android.apps.googleusercontent.example"),
        ),
        ("oauth.facebook.client_id", FB_CLIENT_ID.to_owned()),
        ("oauth.facebook.client_secret", FB_SECRET.to_owned()),
        (
            "oauth.facebook.redirect_uri",
            "http://app.test/fb".to_owned(),
        ),
        ("oauth.facebook.auth_url", format!("{idp}/dialog/oauth")),
        ("oauth.facebook.graph_url", format!("{idp}/v19.0")),
        ("oauth.facebook.jwks_url", format!("{idp}/fb/jwks")),
        (
            "oauth.app_redirect_urls",
            format!("{APP_LINK},{UNIVERSAL_LINK}"),
        ),
    ];
    let overrides: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with_clock(backend, &overrides).await
}

pub async fn mount_jwks(idp: &MockServer, jwks: &[&str]) {
    mount_jwks_at(idp, "/jwks", jwks).await;
}

/// Serves `jwks` (JSON keys) at `at`, cacheable for an hour.
pub async fn mount_jwks_at(idp: &MockServer, at: &str, jwks: &[&str]) {
    let keys: Vec<Value> = jwks
        .iter()
        .map(|k| serde_json::from_str(k).expect("jwk"))
        .collect();
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "public, max-age=3600")
                .set_body_json(json!({ "keys": keys })),
        )
        .mount(idp)
        .await;
}

pub fn other_jwk() -> &'static str {
    OTHER_JWK
}

/// The iOS app's client id, one of `oauth.google.native_client_ids`.
pub const IOS_CLIENT_ID: &str = "ios.apps.googleusercontent.example";

/// Claims Google would sign for `sub`, valid for an hour.
pub fn claims(sub: &str, nonce: Option<&str>) -> Value {
    let now = Utc::now().timestamp();
    let mut claims = json!({
        "iss": ISSUER, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 3600,
        "email": format!("{sub}@gmail.example"), "email_verified": true,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

/// An RS256 id_token signed with the test key (`other` = a key not in the
/// JWKS), under `kid`.
pub fn sign(claims: &Value, kid: &str, other: bool) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(if other { OTHER_KEY_PEM } else { KEY_PEM }).expect("pem");
    encode(&header, claims, &key).expect("signed")
}

pub fn sign_other_key(claims: &Value, kid: &str) -> String {
    sign(claims, kid, true)
}

/// HS256 "signed" with the RSA public key as the HMAC secret: the classic
/// algorithm-confusion forgery.
pub fn sign_hs256_with_public_key(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.to_owned());
    encode(
        &header,
        claims,
        &EncodingKey::from_secret(PUBLIC_PEM).expect("key"),
    )
    .expect("signed")
}

/// An unsigned token, `alg: none`.
pub fn unsigned(claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT", "kid": KID});
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// What `/start` put in the provider URL.
pub struct Started {
    pub location: url::Url,
    pub query: HashMap<String, String>,
}

impl Started {
    pub fn get(&self, key: &str) -> &str {
        self.query.get(key).map(String::as_str).unwrap_or_default()
    }
}

pub async fn start(app: &TestApp, provider: &str) -> Started {
    start_with(app, provider, &[]).await
}

/// `/start` of `provider` with `query` (an app's `redirect_to` ...).
pub async fn start_with(app: &TestApp, provider: &str, query: &[(&str, &str)]) -> Started {
    let resp = app
        .client
        .get(app.url(&format!("/auth/{provider}/start")))
        .query(query)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 302, "start answers a redirect");
    let location = resp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let location = url::Url::parse(&location).expect("absolute URL");
    let query = location.query_pairs().into_owned().collect();
    Started { location, query }
}

/// Makes the mock token endpoint answer `body` (once mounted, for every call).
pub async fn token_endpoint_answers(idp: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(template)
        .mount(idp)
        .await;
}

pub async fn token_endpoint_returns(idp: &MockServer, id_token: &str) {
    let body = json!({"access_token": "ya29.test", "id_token": id_token, "token_type": "Bearer"});
    token_endpoint_answers(idp, ResponseTemplate::new(200).set_body_json(body)).await;
}

/// Makes the mock token endpoint answer `id_token` to the exchange of
/// `code` only (other codes fall through to other mocks).
pub async fn token_endpoint_returns_for_code(idp: &MockServer, code: &str, id_token: &str) {
    let body = json!({"access_token": "ya29.test", "id_token": id_token, "token_type": "Bearer"});
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains(format!("code={code}&")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(idp)
        .await;
}

/// How many code exchanges for `code` the mock token endpoint received.
pub async fn exchanges_of(idp: &MockServer, code: &str) -> usize {
    let needle = format!("code={code}&");
    idp.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/token" && String::from_utf8_lossy(&r.body).contains(&needle))
        .count()
}

pub async fn callback(app: &TestApp, provider: &str, query: &[(&str, &str)]) -> Response {
    app.client
        .get(app.url(&format!("/auth/{provider}/callback")))
        .query(query)
        .send()
        .await
        .expect("request")
}

/// The S256 PKCE challenge of `verifier`.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The test database seen through the storage adapters.
pub async fn storage_of(app: &TestApp) -> Storage {
    storage::connect(&SecretString::from(app.db.url.clone()), 2)
        .await
        .expect("storage")
}

pub async fn user_exists(app: &TestApp, provider: Provider, sub: &str) -> bool {
    storage_of(app)
        .await
        .users
        .find_by_subject(provider, sub)
        .await
        .expect("query")
        .is_some()
}
