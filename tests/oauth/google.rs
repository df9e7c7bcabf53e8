//! The Google web flow against a wiremock Google: success with PKCE and
//! nonce, and every way the state or the provider can fail.

use nextarget_ports::Provider;
use serde_json::Value;
use wiremock::ResponseTemplate;

use crate::common::{problem, spawn_app, Backend};
use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    the_web_flow_signs_in_with_pkce_and_nonce_and_upserts_the_user,
    a_replayed_state_is_invalid_state,
    an_expired_state_is_invalid_state,
);

async fn the_web_flow_signs_in_with_pkce_and_nonce_and_upserts_the_user(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let started = start(&app, "google").await;
    assert_eq!(started.location.path(), "/authorize");
    for (key, value) in [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", "http://app.test/cb"),
        ("scope", "openid email profile"),
        ("code_challenge_method", "S256"),
    ] {
        assert_eq!(started.get(key), value, "{key}");
    }
    assert!(
        started.get("state").len() >= 22,
        "state carries >= 128 bits"
    );
    assert_eq!(started.get("code_challenge").len(), 43);
    let token = sign(&claims("g-100", Some(started.get("nonce"))), KID, false);
    token_endpoint_returns(&idp, &token).await;

    let resp = callback(
        &app,
        "google",
        &[("code", "c-1"), ("state", started.get("state"))],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["user"]["provider"], "google");
    assert_eq!(body["user"]["email"], "g-100@gmail.example");
    assert_eq!(body["token_type"], "bearer");

    // The token request carried the verifier matching the challenge.
    let requests = idp.received_requests().await.expect("recorded");
    let token_request = requests
        .iter()
        .find(|r| r.url.path() == "/token")
        .expect("token endpoint called");
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&token_request.body)
            .into_owned()
            .collect();
    assert_eq!(s256(&form["code_verifier"]), started.get("code_challenge"));
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "c-1");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], "google-secret");
    assert_eq!(form["redirect_uri"], "http://app.test/cb");

    // A second sign-in of the same Google account is the same user.
    let again = start(&app, "google").await;
    idp.reset().await;
    mount_jwks(
        &idp,
        &[include_str!("../fixtures/google_test_key.jwk.json")],
    )
    .await;
    token_endpoint_returns(
        &idp,
        &sign(&claims("g-100", Some(again.get("nonce"))), KID, false),
    )
    .await;
    let resp = callback(
        &app,
        "google",
        &[("code", "c-2"), ("state", again.get("state"))],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.expect("token response");
    assert_eq!(second["user"]["id"], body["user"]["id"]);
}

async fn a_replayed_state_is_invalid_state(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let started = start(&app, "google").await;
    token_endpoint_returns(
        &idp,
        &sign(&claims("g-200", Some(started.get("nonce"))), KID, false),
    )
    .await;
    let query = [("code", "c-1"), ("state", started.get("state"))];
    assert_eq!(callback(&app, "google", &query).await.status(), 200);
    problem(callback(&app, "google", &query).await, 400, "invalid_state").await;
}

async fn an_expired_state_is_invalid_state(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    // Just inside the 10 minutes: accepted.
    let fresh = start(&app, "google").await;
    app.advance(599);
    let id_token = sign(&claims("g-301", Some(fresh.get("nonce"))), KID, false);
    token_endpoint_returns_for_code(&idp, "c-fresh", &id_token).await;
    let query = [("code", "c-fresh"), ("state", fresh.get("state"))];
    assert_eq!(callback(&app, "google", &query).await.status(), 200);
    assert!(user_exists(&app, Provider::Google, "g-301").await);
    // Past them (the server's clock moves; nothing sleeps): refused, though
    // Google would answer this code with a valid id_token for `g-300`
    // (the stale state's own nonce): that user is not created.
    let stale = start(&app, "google").await;
    let id_token = sign(&claims("g-300", Some(stale.get("nonce"))), KID, false);
    token_endpoint_returns_for_code(&idp, "c-stale", &id_token).await;
    app.advance(601);
    let query = [("code", "c-stale"), ("state", stale.get("state"))];
    problem(callback(&app, "google", &query).await, 400, "invalid_state").await;
    assert_eq!(exchanges_of(&idp, "c-stale").await, 0, "code not exchanged");
    assert!(!user_exists(&app, Provider::Google, "g-300").await);
}

#[tokio::test]
async fn a_state_from_facebook_is_refused_by_google_and_spent() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let fb = start(&app, "facebook").await;
    token_endpoint_returns(&idp, &sign(&claims("g-400", None), KID, false)).await;
    let query = [("code", "c"), ("state", fb.get("state"))];
    problem(callback(&app, "google", &query).await, 400, "invalid_state").await;
    problem(
        callback(&app, "facebook", &query).await,
        400,
        "invalid_state",
    )
    .await;
    assert!(!user_exists(&app, Provider::Google, "g-400").await);
}

#[tokio::test]
async fn an_error_from_google_is_oauth_denied() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let started = start(&app, "google").await;
    let query = [("error", "access_denied"), ("state", started.get("state"))];
    problem(callback(&app, "google", &query).await, 400, "oauth_denied").await;
}

#[tokio::test]
async fn a_callback_without_state_or_code_is_a_400_not_a_500() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    problem(
        callback(&app, "google", &[("code", "c")]).await,
        400,
        "invalid_state",
    )
    .await;
    problem(callback(&app, "google", &[]).await, 400, "invalid_state").await;
    let started = start(&app, "google").await;
    let query = [("state", started.get("state"))];
    problem(callback(&app, "google", &query).await, 400, "bad_request").await;
    // Empty values are outside the spec (minLength 1), whatever else is set.
    for query in [
        [("code", ""), ("error", "")],
        [("code", "c"), ("state", "")],
    ] {
        problem(callback(&app, "google", &query).await, 400, "bad_request").await;
    }
}

#[tokio::test]
async fn a_failing_token_endpoint_is_provider_error_and_creates_no_user() {
    for answer in [
        ResponseTemplate::new(500).set_body_string("oops"),
        ResponseTemplate::new(200).set_body_string("{not json"),
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "x"})),
    ] {
        let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
            return;
        };
        token_endpoint_answers(&idp, answer).await;
        let started = start(&app, "google").await;
        let query = [("code", "c"), ("state", started.get("state"))];
        problem(
            callback(&app, "google", &query).await,
            502,
            "provider_error",
        )
        .await;
    }
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_provider_error() {
    let idp = wiremock::MockServer::start().await;
    mount_jwks(
        &idp,
        &[include_str!("../fixtures/google_test_key.jwk.json")],
    )
    .await;
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let Some(app) = spawn_with_idp(Backend::Sqlite, &idp.uri(), "http://127.0.0.1:9/token").await
    else {
        return;
    };
    let started = start(&app, "google").await;
    let query = [("code", "c"), ("state", started.get("state"))];
    let body = problem(
        callback(&app, "google", &query).await,
        502,
        "provider_error",
    )
    .await;
    assert!(!body.to_string().contains("google-secret"));
}

#[tokio::test]
async fn providers_without_configuration_answer_503_but_stay_in_the_spec() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    for provider in ["google", "facebook"] {
        let resp = app.get(&format!("/auth/{provider}/start")).await;
        problem(resp, 503, "provider_not_configured").await;
        let resp = callback(&app, provider, &[("code", "c"), ("state", "s")]).await;
        problem(resp, 503, "provider_not_configured").await;
    }
    let spec = app.spec().await;
    for path in [
        "/auth/google/start",
        "/auth/google/callback",
        "/auth/facebook/start",
        "/auth/facebook/callback",
    ] {
        assert!(spec["paths"][path]["get"].is_object(), "{path} in the spec");
    }
    assert!(spec["paths"]["/auth/google/start"]["get"]["responses"]["302"].is_object());
}
