//! Sign in with Apple's web flow against a wiremock Apple: the authorize
//! redirect, the form post back, the ES256 client secret the token endpoint
//! receives, and each way the flow can fail; Apple unconfigured or set up
//! for native sign-in only.

use std::collections::HashMap;

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use nextarget_ports::Provider;
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

use crate::apple_support::*;
use crate::common::{problem, spawn_app, Backend, TestApp};
use crate::on_every_backend;
use crate::support::{mount_jwks_at, sign, start, user_exists, OAuthApp, JWK, KID};

on_every_backend!(the_web_flow_signs_in_with_a_form_post_and_an_es256_client_secret);

/// The form Apple's token endpoint received last.
async fn token_request(idp: &MockServer) -> HashMap<String, String> {
    let requests = idp.received_requests().await.expect("recorded");
    let request = requests
        .iter()
        .rev()
        .find(|r| r.url.path() == "/auth/token")
        .expect("token endpoint called");
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

/// Checks the client secret as Apple would: ES256 under our key id,
/// signed with the team's key, for Apple, from the team, for the Services
/// ID, valid minutes.
fn assert_apple_accepts(client_secret: &str) {
    let header = decode_header(client_secret).expect("a JWT");
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some(APPLE_KEY_ID));
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&["https://appleid.apple.com"]);
    validation.set_issuer(&[APPLE_TEAM_ID]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let key = DecodingKey::from_ec_pem(APPLE_P8_PUBLIC).expect("public key");
    let claims: Value = decode(client_secret, &key, &validation)
        .expect("signed with the team's key")
        .claims;
    assert_eq!(claims["sub"], APPLE_CLIENT_ID);
    let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
    let (iat, exp) = (iat.expect("iat"), exp.expect("exp"));
    assert!((chrono::Utc::now().timestamp() - iat).abs() < 60, "iat now");
    assert!(exp > iat && exp - iat <= 600, "a short exp: {}", exp - iat);
}

async fn the_web_flow_signs_in_with_a_form_post_and_an_es256_client_secret(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_apple_app(backend).await else {
        return;
    };
    let started = start(&app, "apple").await;
    assert_eq!(started.location.path(), "/auth/authorize");
    for (key, value) in [
        ("response_type", "code"),
        ("response_mode", "form_post"),
        ("scope", "name email"),
        ("client_id", APPLE_CLIENT_ID),
        ("redirect_uri", APPLE_REDIRECT_URI),
    ] {
        assert_eq!(started.get(key), value, "{key}");
    }
    assert!(started.get("state").len() >= 22 && started.get("nonce").len() >= 22);
    let token = sign(
        &apple_claims("001.apple.100", Some(started.get("nonce"))),
        KID,
        false,
    );
    apple_token_endpoint_returns(&idp, &token).await;

    let user = json!({"name": {"firstName": "Ada", "lastName": "L"}, "email": "x@privaterelay.appleid.com"});
    let form = [
        ("code", "c-1"),
        ("state", started.get("state")),
        ("user", &user.to_string()),
    ];
    let resp = apple_callback(&app, &form).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["user"]["provider"], "apple");
    assert_eq!(
        body["user"]["email"],
        "001.apple.100@privaterelay.appleid.com"
    );
    assert_eq!(body["token_type"], "bearer");
    assert!(user_exists(&app, Provider::Apple, "001.apple.100").await);

    let form = token_request(&idp).await;
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "c-1");
    assert_eq!(form["client_id"], APPLE_CLIENT_ID);
    assert_eq!(form["redirect_uri"], APPLE_REDIRECT_URI);
    assert_apple_accepts(&form["client_secret"]);

    // The next sign-in (no `user` this time) is the same account.
    let again = start(&app, "apple").await;
    idp.reset().await;
    mount_jwks_at(&idp, APPLE_JWKS_PATH, &[JWK]).await;
    let token = sign(
        &apple_claims("001.apple.100", Some(again.get("nonce"))),
        KID,
        false,
    );
    apple_token_endpoint_returns(&idp, &token).await;
    let resp = apple_callback(&app, &[("code", "c-2"), ("state", again.get("state"))]).await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.expect("token response");
    assert_eq!(second["user"]["id"], body["user"]["id"]);
}

#[tokio::test]
async fn a_web_token_for_the_app_or_with_another_nonce_is_refused() {
    let Some(OAuthApp { app, idp }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    for (sub, forge) in [
        // The native app's id is no audience of the web flow.
        (
            "w-aud",
            Box::new(|n: &str| with(apple_claims("w-aud", Some(n)), "aud", json!(APPLE_IOS_ID)))
                as Box<dyn Fn(&str) -> Value>,
        ),
        (
            "w-nonce",
            Box::new(|_: &str| apple_claims("w-nonce", Some("not-the-nonce"))),
        ),
        ("w-none", Box::new(|_: &str| apple_claims("w-none", None))),
    ] {
        let started = start(&app, "apple").await;
        idp.reset().await;
        mount_jwks_at(&idp, APPLE_JWKS_PATH, &[JWK]).await;
        apple_token_endpoint_returns(&idp, &sign(&forge(started.get("nonce")), KID, false)).await;
        let form = [("code", "c"), ("state", started.get("state"))];
        problem(apple_callback(&app, &form).await, 401, "invalid_id_token").await;
        assert!(!user_exists(&app, Provider::Apple, sub).await, "{sub}");
    }
}

#[tokio::test]
async fn a_refused_code_is_401_and_a_refused_client_secret_is_502() {
    let Some(OAuthApp { app, idp }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    for (error, status, code) in [
        ("invalid_grant", 401, "invalid_id_token"),
        ("invalid_client", 502, "provider_error"),
    ] {
        idp.reset().await;
        let answer = ResponseTemplate::new(400).set_body_json(json!({"error": error}));
        apple_token_endpoint_answers(&idp, answer).await;
        let started = start(&app, "apple").await;
        let form = [("code", "c"), ("state", started.get("state"))];
        let body = problem(apple_callback(&app, &form).await, status, code).await;
        assert!(!body.to_string().contains("BEGIN"), "{body}");
    }
    idp.reset().await;
    apple_token_endpoint_answers(&idp, ResponseTemplate::new(500)).await;
    let started = start(&app, "apple").await;
    let form = [("code", "c"), ("state", started.get("state"))];
    problem(apple_callback(&app, &form).await, 502, "provider_error").await;
}

#[tokio::test]
async fn a_cancelled_sign_in_a_bad_state_or_a_bad_form_is_a_400() {
    let Some(OAuthApp { app, .. }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    let started = start(&app, "apple").await;
    let form = [
        ("error", "user_cancelled_authorize"),
        ("state", started.get("state")),
    ];
    problem(apple_callback(&app, &form).await, 400, "oauth_denied").await;
    // The state was spent by the refusal.
    let form = [("code", "c"), ("state", started.get("state"))];
    problem(apple_callback(&app, &form).await, 400, "invalid_state").await;
    problem(
        apple_callback(&app, &[("code", "c")]).await,
        400,
        "invalid_state",
    )
    .await;
    problem(apple_callback(&app, &[]).await, 400, "invalid_state").await;
    let fresh = start(&app, "apple").await;
    let form = [("state", fresh.get("state"))];
    problem(apple_callback(&app, &form).await, 400, "bad_request").await;
    // Empty values are outside the spec (minLength 1).
    for form in [
        [("code", ""), ("state", "s")],
        [("code", "c"), ("state", "")],
        [("code", "c"), ("user", "")],
    ] {
        problem(apple_callback(&app, &form).await, 400, "bad_request").await;
    }
    // A JSON body is not Apple's form.
    let resp = app
        .post_json("/auth/apple/callback", &json!({"code": "c", "state": "s"}))
        .await;
    problem(resp, 415, "unsupported_media_type").await;
}

/// `/auth/apple/start` and `/auth/apple/callback` answer 503.
async fn assert_no_web_flow(app: &TestApp) {
    let resp = app.get("/auth/apple/start").await;
    problem(resp, 503, "provider_not_configured").await;
    let resp = apple_callback(app, &[("code", "c"), ("state", "s")]).await;
    problem(resp, 503, "provider_not_configured").await;
}

#[tokio::test]
async fn without_configuration_apple_answers_503_and_stays_in_the_spec() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    assert_no_web_flow(&app).await;
    let resp = register_apple(&app, "a.b.c", None).await;
    problem(resp, 503, "provider_not_configured").await;

    let spec = app.spec().await;
    let start = &spec["paths"]["/auth/apple/start"]["get"];
    assert!(start["responses"]["302"].is_object(), "{start}");
    assert!(start["responses"]["503"].is_object(), "{start}");
    let callback = &spec["paths"]["/auth/apple/callback"]["post"];
    for status in ["200", "400", "401", "502", "503"] {
        assert!(
            callback["responses"][status].is_object(),
            "{status}: {callback}"
        );
    }
    let form = &callback["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    let form = match form["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &spec["components"]["schemas"][name]
        }
        None => form,
    };
    for field in ["code", "state", "error", "user"] {
        assert_eq!(form["properties"][field]["minLength"], 1, "{field}: {form}");
    }
    let providers = &spec["components"]["schemas"]["RegisterProvider"]["enum"];
    assert!(
        providers
            .as_array()
            .is_some_and(|p| p.contains(&json!("apple"))),
        "{providers}"
    );
}

#[tokio::test]
async fn apple_with_a_client_id_alone_signs_in_natively_but_has_no_web_flow() {
    let idp = MockServer::start().await;
    mount_jwks_at(&idp, APPLE_JWKS_PATH, &[JWK]).await;
    let keys = [("oauth.apple.client_id", APPLE_CLIENT_ID)];
    let Some(app) = spawn_with_apple(Backend::Sqlite, &keys, &idp.uri()).await else {
        return;
    };
    assert_no_web_flow(&app).await;
    let token = sign(&apple_claims("n-only", None), KID, false);
    assert_eq!(register_apple(&app, &token, None).await.status(), 201);
    // The apps' ids are not configured here.
    let ios = sign(
        &with(apple_claims("n-ios", None), "aud", json!(APPLE_IOS_ID)),
        KID,
        false,
    );
    problem(
        register_apple(&app, &ios, None).await,
        401,
        "invalid_id_token",
    )
    .await;
}
