//! Web flows that end in the app, against the wiremock Google, Facebook
//! and Apple: `/start?redirect_to=&code_challenge=&app_state=`, the
//! callback's 302 to the app link with a one-time code (or `?error=`), and
//! `POST /auth/exchange` with the app's verifier: once, within 60 s, on any
//! instance.

use std::collections::HashMap;

use nextarget_ports::Provider;
use reqwest::Response;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use wiremock::ResponseTemplate;

use crate::common::{problem, spawn_instance, Backend, TestApp};
use crate::facebook::graph_answers;
use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_google_flow_started_by_an_app_ends_in_the_app_and_its_code_works_once,
    a_wrong_verifier_spends_the_code,
    a_code_expires_after_sixty_seconds,
    a_code_issued_by_one_instance_is_redeemed_by_another,
    a_facebook_flow_ends_in_a_universal_link_with_its_app_state_intact,
);

/// The app's PKCE pair: a fresh verifier (64 characters) and its S256
/// challenge.
fn pkce() -> (String, String) {
    let verifier = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let challenge = s256(&verifier);
    (verifier, challenge)
}

/// Where a callback sent the browser: the link before `?`, and the query.
struct Landed {
    link: String,
    query: HashMap<String, String>,
}

impl Landed {
    fn get(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }
}

/// A callback's 302 to the app: never cached, no body.
async fn landed(resp: Response) -> Landed {
    assert_eq!(resp.status(), 302, "the callback redirects to the app");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let location = resp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(resp.text().await.expect("body").is_empty());
    let (link, query) = location.split_once('?').expect("a query");
    Landed {
        link: link.to_owned(),
        query: url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    }
}

async fn exchange(app: &TestApp, code: &str, verifier: &str) -> Response {
    app.post_json(
        "/auth/exchange",
        &json!({"code": code, "code_verifier": verifier}),
    )
    .await
}

/// Runs a Google flow started by the app (`APP_LINK`, `challenge`,
/// `app_state`) whose id_token names `sub`, up to the app link.
async fn google_flow_to_app(
    app: &TestApp,
    idp: &wiremock::MockServer,
    sub: &str,
    challenge: &str,
    app_state: &str,
) -> Landed {
    let started = start_with(
        app,
        "google",
        &[
            ("redirect_to", APP_LINK),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("app_state", app_state),
        ],
    )
    .await;
    // A code of its own: a second flow of `sub` must get its own id_token.
    let code = format!("c-{}", Uuid::new_v4().simple());
    let id_token = sign(&claims(sub, Some(started.get("nonce"))), KID, false);
    token_endpoint_returns_for_code(idp, &code, &id_token).await;
    let query = [("code", code.as_str()), ("state", started.get("state"))];
    landed(callback(app, "google", &query).await).await
}

async fn a_google_flow_started_by_an_app_ends_in_the_app_and_its_code_works_once(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let (verifier, challenge) = pkce();
    let landed = google_flow_to_app(&app, &idp, "g-app-1", &challenge, "app-st-1").await;
    assert_eq!(landed.link, APP_LINK);
    assert_eq!(landed.get("app_state"), Some("app-st-1"));
    assert_eq!(landed.get("error"), None);
    let code = landed.get("code").expect("a code").to_owned();
    assert_eq!(code.len(), 43, "256 bits, base64url");
    // The server's own PKCE pair went to Google, not the app's.
    let requests = idp.received_requests().await.expect("recorded");
    let token_request = requests
        .iter()
        .find(|r| r.url.path() == "/token")
        .expect("token endpoint called");
    let form: HashMap<String, String> = url::form_urlencoded::parse(&token_request.body)
        .into_owned()
        .collect();
    assert_ne!(s256(&form["code_verifier"]), challenge);
    // The user exists already; the code is stored only as its hash.
    assert!(user_exists(&app, Provider::Google, "g-app-1").await);
    let stored = app.strings("SELECT code_hash FROM app_codes").await;
    assert_eq!(stored, [hex::encode(Sha256::digest(code.as_bytes()))]);

    let resp = exchange(&app, &code, &verifier).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["user"]["provider"], "google");
    assert_eq!(body["user"]["email"], "g-app-1@gmail.example");
    let token = body["access_token"].as_str().expect("access token");
    let me = app.get_with_token("/users/me", token).await;
    assert_eq!(me.status(), 200);
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));

    // Once only.
    problem(exchange(&app, &code, &verifier).await, 400, "invalid_grant").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM app_codes").await, 0);
    // A code never issued is refused alike.
    let (other, _) = pkce();
    problem(
        exchange(&app, &other[..43], &verifier).await,
        400,
        "invalid_grant",
    )
    .await;

    // The next sign-in of that account through the app is the same user.
    let (verifier, challenge) = pkce();
    let again = google_flow_to_app(&app, &idp, "g-app-1", &challenge, "app-st-2").await;
    let resp = exchange(&app, again.get("code").expect("code"), &verifier).await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.expect("token response");
    assert_eq!(second["user"]["id"], body["user"]["id"]);
}

async fn a_wrong_verifier_spends_the_code(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let (verifier, challenge) = pkce();
    let landed = google_flow_to_app(&app, &idp, "g-app-2", &challenge, "s").await;
    let code = landed.get("code").expect("code");
    let (wrong, _) = pkce();
    problem(exchange(&app, code, &wrong).await, 400, "invalid_grant").await;
    // An intercepted code tried with a guess is gone for everyone.
    problem(exchange(&app, code, &verifier).await, 400, "invalid_grant").await;
}

async fn a_code_expires_after_sixty_seconds(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let (verifier, challenge) = pkce();
    let fresh = google_flow_to_app(&app, &idp, "g-app-3", &challenge, "s").await;
    app.advance(59);
    let resp = exchange(&app, fresh.get("code").expect("code"), &verifier).await;
    assert_eq!(resp.status(), 200, "just inside the 60 s");
    let stale = google_flow_to_app(&app, &idp, "g-app-4", &challenge, "s").await;
    app.advance(60);
    let resp = exchange(&app, stale.get("code").expect("code"), &verifier).await;
    problem(resp, 400, "invalid_grant").await;
}

async fn a_code_issued_by_one_instance_is_redeemed_by_another(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let other = spawn_instance(&app.db, &[], None).await;
    let (verifier, challenge) = pkce();
    let landed = google_flow_to_app(&app, &idp, "g-app-5", &challenge, "s").await;
    let code = landed.get("code").expect("code");
    let resp = exchange(&other, code, &verifier).await;
    assert_eq!(resp.status(), 200);
    problem(exchange(&app, code, &verifier).await, 400, "invalid_grant").await;
}

async fn a_facebook_flow_ends_in_a_universal_link_with_its_app_state_intact(backend: Backend) {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(backend).await else {
        return;
    };
    let me =
        ResponseTemplate::new(200).set_body_json(json!({"id": "2001", "email": "fb@example.com"}));
    graph_answers(&idp, "fb-app-token", me).await;
    let (verifier, challenge) = pkce();
    let app_state = "a b&c=d/é?#x";
    let started = start_with(
        &app,
        "facebook",
        &[
            ("redirect_to", UNIVERSAL_LINK),
            ("code_challenge", challenge.as_str()),
            ("app_state", app_state),
        ],
    )
    .await;
    let query = [("code", "fb-code"), ("state", started.get("state"))];
    let landed = landed(callback(&app, "facebook", &query).await).await;
    assert_eq!(landed.link, UNIVERSAL_LINK);
    assert_eq!(landed.get("app_state"), Some(app_state));
    let resp = exchange(&app, landed.get("code").expect("code"), &verifier).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["user"]["provider"], "facebook");
    assert_eq!(body["user"]["email"], "fb@example.com");
}

/// An app flow's Google callback whose state is valid: where it lands.
async fn google_failure_lands(
    app: &TestApp,
    query_of: impl Fn(&str) -> Vec<(String, String)>,
) -> Landed {
    let (_, challenge) = pkce();
    let started = start_with(
        app,
        "google",
        &[
            ("redirect_to", APP_LINK),
            ("code_challenge", challenge.as_str()),
            ("app_state", "st"),
        ],
    )
    .await;
    let query = query_of(started.get("state"));
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    landed(callback(app, "google", &query).await).await
}

#[tokio::test]
async fn a_failure_after_the_state_goes_back_to_the_app_as_its_error_code() {
    let Some(OAuthApp { app, idp }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let pairs = |extra: &[(&str, &str)], state: &str| {
        let mut query: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        query.push(("state".into(), state.to_owned()));
        query
    };
    // The user said no at Google.
    let landed = google_failure_lands(&app, |s| pairs(&[("error", "access_denied")], s)).await;
    assert_eq!(landed.link, APP_LINK);
    assert_eq!(landed.get("error"), Some("oauth_denied"));
    assert_eq!(landed.get("app_state"), Some("st"));
    assert_eq!(landed.get("code"), None);
    // No code from Google.
    let landed = google_failure_lands(&app, |s| pairs(&[], s)).await;
    assert_eq!(landed.get("error"), Some("bad_request"));
    // An id_token for another audience.
    let mut wrong_aud = claims("g-app-6", None);
    wrong_aud["aud"] = json!("someone-else");
    token_endpoint_returns_for_code(&idp, "c-aud", &sign(&wrong_aud, KID, false)).await;
    let landed = google_failure_lands(&app, |s| pairs(&[("code", "c-aud")], s)).await;
    assert_eq!(landed.get("error"), Some("invalid_id_token"));
    assert!(!user_exists(&app, Provider::Google, "g-app-6").await);
    // Google down.
    token_endpoint_answers(&idp, ResponseTemplate::new(500)).await;
    let landed = google_failure_lands(&app, |s| pairs(&[("code", "c-down")], s)).await;
    assert_eq!(landed.get("error"), Some("provider_error"));
    assert_eq!(app.count("SELECT COUNT(*) FROM app_codes").await, 0);
    // A state nobody issued has no app link to go back to: JSON, as before.
    let resp = callback(&app, "google", &[("code", "c"), ("state", "forged")]).await;
    problem(resp, 400, "invalid_state").await;
}

#[tokio::test]
async fn every_link_not_exactly_allow_listed_is_invalid_redirect() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let (_, challenge) = pkce();
    for link in [
        // Another host, of either scheme.
        "nextarget://evil",
        "https://evil.example.com/auth/done",
        "https://app.example.com.evil.example/auth/done",
        "https://app.example.com@evil.example/auth/done",
        // A prefix of an allowed link, or an allowed link as a prefix.
        "nextarget://aut",
        "nextarget://auth/more",
        "nextarget://authx",
        "https://app.example.com/auth",
        "https://app.example.com/auth/done/x",
        // Path and query tricks.
        "https://app.example.com/auth/done/../../evil",
        "https://app.example.com/auth/done/%2e%2e/evil",
        "https://app.example.com/auth/done?next=https://evil.example",
        "https://app.example.com/auth/done#frag",
        "nextarget://auth/",
        "nextarget://auth?",
        // Another scheme, or another spelling of one.
        "http://app.example.com/auth/done",
        "evil://auth",
        "NEXTARGET://auth",
        "nextarget:auth",
        "nextarget:/auth",
        " nextarget://auth",
        "",
    ] {
        for provider in ["google", "facebook"] {
            let query = [
                ("redirect_to", link),
                ("code_challenge", challenge.as_str()),
            ];
            let resp = app
                .client
                .get(app.url(&format!("/auth/{provider}/start")))
                .query(&query)
                .send()
                .await
                .expect("request");
            problem(resp, 400, "invalid_redirect").await;
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_states").await, 0);
}

#[tokio::test]
async fn the_apps_parameters_are_checked_and_need_redirect_to() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let (_, challenge) = pkce();
    let challenge = challenge.as_str();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("redirect_to", APP_LINK)], "code_challenge"),
        (
            &[("redirect_to", APP_LINK), ("code_challenge", "short")],
            "code_challenge",
        ),
        (
            &[
                ("redirect_to", APP_LINK),
                ("code_challenge", challenge),
                ("code_challenge_method", "plain"),
            ],
            "code_challenge_method",
        ),
        (
            &[
                ("redirect_to", APP_LINK),
                ("code_challenge", challenge),
                ("app_state", ""),
            ],
            "app_state",
        ),
        (&[("code_challenge", challenge)], "code_challenge"),
        (&[("app_state", "s")], "app_state"),
    ];
    for (query, field) in cases {
        let resp = app
            .client
            .get(app.url("/auth/google/start"))
            .query(query)
            .send()
            .await
            .expect("request");
        let body = problem(resp, 422, "validation_error").await;
        assert_eq!(body["errors"][0]["field"], field, "{query:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_states").await, 0);
}

#[tokio::test]
async fn exchange_refuses_malformed_bodies_before_spending_anything() {
    let Some(OAuthApp { app, .. }) = spawn_oauth_app(Backend::Sqlite).await else {
        return;
    };
    let (verifier, _) = pkce();
    for (body, field) in [
        (json!({"code": "", "code_verifier": verifier}), "code"),
        (
            json!({"code": "c", "code_verifier": "short"}),
            "code_verifier",
        ),
        (
            json!({"code": "c", "code_verifier": format!("{verifier}+/")}),
            "code_verifier",
        ),
        (
            json!({"code": "c", "code_verifier": "v".repeat(129)}),
            "code_verifier",
        ),
        (
            json!({"code": "c".repeat(257), "code_verifier": verifier}),
            "code",
        ),
    ] {
        let body = problem(
            app.post_json("/auth/exchange", &body).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field);
    }
    for body in [
        json!({"code": "c"}),
        json!({"code_verifier": verifier}),
        json!({"code": 42, "code_verifier": verifier}),
    ] {
        problem(
            app.post_json("/auth/exchange", &body).await,
            400,
            "bad_request",
        )
        .await;
    }
    let spec = app.spec().await;
    let operation = &spec["paths"]["/auth/exchange"]["post"];
    assert!(operation["responses"]["200"].is_object());
    assert!(operation["responses"]["400"].is_object());
    let start = &spec["paths"]["/auth/google/start"]["get"];
    let names: Vec<&str> = start["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "redirect_to",
            "code_challenge",
            "code_challenge_method",
            "app_state"
        ]
    );
    let callback = &spec["paths"]["/auth/google/callback"]["get"]["responses"];
    assert!(callback["200"].is_object() && callback["302"].is_object());
}

#[tokio::test]
async fn apples_form_post_ends_in_the_app_too() {
    use crate::apple_support::*;
    let idp = wiremock::MockServer::start().await;
    mount_jwks_at(&idp, APPLE_JWKS_PATH, &[JWK]).await;
    let keys = [
        ("oauth.apple.client_id", APPLE_CLIENT_ID),
        ("oauth.apple.team_id", APPLE_TEAM_ID),
        ("oauth.apple.key_id", APPLE_KEY_ID),
        ("oauth.apple.private_key", APPLE_P8),
        ("oauth.apple.redirect_uri", APPLE_REDIRECT_URI),
        ("oauth.app_redirect_urls", APP_LINK),
    ];
    let Some(app) = spawn_with_apple(Backend::Sqlite, &keys, &idp.uri()).await else {
        return;
    };
    let (verifier, challenge) = pkce();
    let started = start_with(
        &app,
        "apple",
        &[
            ("redirect_to", APP_LINK),
            ("code_challenge", challenge.as_str()),
            ("app_state", "apple-st"),
        ],
    )
    .await;
    let token = sign(
        &apple_claims("001.apple.app", Some(started.get("nonce"))),
        KID,
        false,
    );
    apple_token_endpoint_returns(&idp, &token).await;
    let form = [("code", "c-apple"), ("state", started.get("state"))];
    let landed = landed(apple_callback(&app, &form).await).await;
    assert_eq!(landed.link, APP_LINK);
    assert_eq!(landed.get("app_state"), Some("apple-st"));
    let resp = exchange(&app, landed.get("code").expect("code"), &verifier).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["user"]["provider"], "apple");
}
