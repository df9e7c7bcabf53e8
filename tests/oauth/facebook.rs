//! The Facebook web flow against a wiremock Graph API.

use hmac::{Hmac, KeyInit, Mac};
use nextarget_ports::Provider;
use serde_json::{json, Value};
use sha2::Sha256;
use wiremock::{
    matchers::{method, path, query_param},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{problem, Backend};
use crate::on_every_backend;
use crate::support::*;

on_every_backend!(facebook_sign_in_checks_appsecret_proof_and_upserts_the_user);

pub(crate) fn proof(access_token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(FB_SECRET.as_bytes()).expect("key");
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub(crate) async fn graph_answers(idp: &MockServer, access_token: &str, me: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/v19.0/oauth/access_token"))
        .and(query_param("client_id", FB_CLIENT_ID))
        .and(query_param("client_secret", FB_SECRET))
        .and(query_param("redirect_uri", "http://app.test/fb"))
        .and(query_param("code", "fb-code"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": access_token, "token_type": "bearer"})),
        )
        .mount(idp)
        .await;
    Mock::given(method("GET"))
        .and(path("/v19.0/me"))
        .and(query_param("fields", "id,email"))
        .and(query_param("access_token", access_token))
        .and(query_param("appsecret_proof", proof(access_token).as_str()))
        .respond_with(me)
        .mount(idp)
        .await;
}

async fn facebook_sign_in_checks_appsecret_proof_and_upserts_the_user(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let started = start(&app, "facebook").await;
    assert_eq!(started.location.path(), "/dialog/oauth");
    for (key, value) in [
        ("client_id", FB_CLIENT_ID),
        ("redirect_uri", "http://app.test/fb"),
        ("scope", "email"),
        ("response_type", "code"),
    ] {
        assert_eq!(started.get(key), value, "{key}");
    }
    let me =
        ResponseTemplate::new(200).set_body_json(json!({"id": "1001", "email": "Fay@Example.com"}));
    graph_answers(&idp, "fb-token-1", me).await;
    let query = [("code", "fb-code"), ("state", started.get("state"))];
    let resp = callback(&app, "facebook", &query).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["user"]["provider"], "facebook");
    assert_eq!(body["user"]["email"], "fay@example.com");

    let again = start(&app, "facebook").await;
    let query = [("code", "fb-code"), ("state", again.get("state"))];
    let resp = callback(&app, "facebook", &query).await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.expect("token response");
    assert_eq!(second["user"]["id"], body["user"]["id"]);
}

#[tokio::test]
async fn a_facebook_account_without_email_gets_an_invalid_domain_address() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    graph_answers(
        &idp,
        "fb-token-2",
        ResponseTemplate::new(200).set_body_json(json!({"id": "1002"})),
    )
    .await;
    let started = start(&app, "facebook").await;
    let query = [("code", "fb-code"), ("state", started.get("state"))];
    let resp = callback(&app, "facebook", &query).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["user"]["email"], "1002@facebook.invalid");
}

#[tokio::test]
async fn a_token_facebook_refuses_is_invalid_provider_token() {
    // The refusal still carries the identity `1003` beside its error: a
    // client that read the body without its status would sign that user in.
    let identity = json!({"id": "1003", "email": "refused@example.com"});
    let answer = |status: u16| {
        let mut body = identity.clone();
        body["error"] = json!({"type": "OAuthException", "code": 190});
        ResponseTemplate::new(status).set_body_json(body)
    };
    for status in [400, 401] {
        let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
            return;
        };
        graph_answers(&idp, "fb-token-3", answer(status)).await;
        let started = start(&app, "facebook").await;
        let query = [("code", "fb-code"), ("state", started.get("state"))];
        let resp = callback(&app, "facebook", &query).await;
        let body = problem(resp, 401, "invalid_provider_token").await;
        assert!(
            !body.to_string().contains("fb-token-3"),
            "no token in {body}"
        );
        assert!(!user_exists(&app, Provider::Facebook, "1003").await);
    }
    // The same answer with a 200 is that user: what the refusals did not create.
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    graph_answers(&idp, "fb-token-3", answer(200)).await;
    let started = start(&app, "facebook").await;
    let query = [("code", "fb-code"), ("state", started.get("state"))];
    assert_eq!(callback(&app, "facebook", &query).await.status(), 200);
    assert!(user_exists(&app, Provider::Facebook, "1003").await);
}

#[tokio::test]
async fn facebook_down_is_provider_error() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    Mock::given(path("/v19.0/oauth/access_token"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&idp)
        .await;
    let started = start(&app, "facebook").await;
    let query = [("code", "fb-code"), ("state", started.get("state"))];
    problem(
        callback(&app, "facebook", &query).await,
        502,
        "provider_error",
    )
    .await;
    let query = [("error", "access_denied"), ("state", started.get("state"))];
    problem(
        callback(&app, "facebook", &query).await,
        400,
        "oauth_denied",
    )
    .await;
}
