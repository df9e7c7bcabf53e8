//! End to end against a real OpenID Connect provider (the npm package
//! oauth2-mock-server, run by tests/oidc-peer/server.mjs): discovery,
//! /authorize, the token endpoint's PKCE check, its nonce and RS256 JWKS;
//! the browser's flow, and the app's that ends in the app with a code.
//! When the peer cannot start, whatever the reason (no node or npm, `npm
//! ci` failing or hanging, the peer crashing or saying nothing), the test
//! skips with that reason outside CI and fails with it under `CI=true`.

use std::{collections::HashMap, path::PathBuf, process::Stdio, time::Duration};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use uuid::Uuid;

use crate::common::{skip, spawn_app_with, Backend, TestApp};
use crate::support::{s256, start, start_with, Started};

const CLIENT_ID: &str = "e2e-client";
const REDIRECT_URI: &str = "http://app.test/auth/google/callback";

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-peer")
}

/// How long `npm ci` may take (it downloads the peer's packages).
const NPM_CI_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the started peer may take to print its issuer.
const PEER_START_TIMEOUT: Duration = Duration::from_secs(30);

/// `npm ci` when needed, then the provider; its issuer URL once ready, or
/// why it could not start.
async fn launch_peer() -> Result<(Child, String), String> {
    let dir = peer_dir();
    if !dir.join("node_modules/oauth2-mock-server").is_dir() {
        let status = tokio::time::timeout(
            NPM_CI_TIMEOUT,
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .kill_on_drop(true)
                .status(),
        )
        .await
        .map_err(|_| format!("npm ci did not finish within {NPM_CI_TIMEOUT:?}"))?
        .map_err(|e| format!("npm is not available: {e}"))?;
        if !status.success() {
            return Err(format!("npm ci failed in {}: {status}", dir.display()));
        }
    }
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("node is not available: {e}"))?;
    let stdout = child.stdout.take().ok_or("the peer has no stdout")?;
    let mut line = String::new();
    tokio::time::timeout(
        PEER_START_TIMEOUT,
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .map_err(|_| format!("the peer printed nothing within {PEER_START_TIMEOUT:?}"))?
    .map_err(|e| format!("reading the peer: {e}"))?;
    let ready: Value = serde_json::from_str(&line)
        .map_err(|e| format!("the peer did not start ({e}): {line:?}"))?;
    let issuer = ready["issuer"]
        .as_str()
        .ok_or_else(|| format!("the peer named no issuer: {line:?}"))?
        .to_owned();
    Ok((child, issuer))
}

/// The running peer and what its discovery document says.
struct Peer {
    _child: Child,
    client: reqwest::Client,
    auth_url: String,
    token_url: String,
    jwks_url: String,
    issuer: String,
}

/// The peer, or `None` when the test skips (see the module's documentation).
async fn peer() -> Option<Peer> {
    let (child, issuer) = match launch_peer().await {
        Ok(peer) => peer,
        Err(reason) => {
            skip(&format!(
                "the OIDC peer (tests/oidc-peer) cannot start: {reason}"
            ));
            return None;
        }
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let discovery: Value = client
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("discovery JSON");
    let endpoint = |key: &str| discovery[key].as_str().expect(key).to_owned();
    Some(Peer {
        _child: child,
        client,
        auth_url: endpoint("authorization_endpoint"),
        token_url: endpoint("token_endpoint"),
        jwks_url: endpoint("jwks_uri"),
        issuer: endpoint("issuer"),
    })
}

/// The server with Google pointed at the peer, and `extra` settings.
async fn app_on(peer: &Peer, extra: &[(&str, &str)]) -> Option<TestApp> {
    let mut overrides = vec![
        ("oauth.google.client_id", CLIENT_ID),
        ("oauth.google.client_secret", "e2e-secret"),
        ("oauth.google.redirect_uri", REDIRECT_URI),
        ("oauth.google.auth_url", peer.auth_url.as_str()),
        ("oauth.google.token_url", peer.token_url.as_str()),
        ("oauth.google.jwks_url", peer.jwks_url.as_str()),
        ("oauth.google.issuers", peer.issuer.as_str()),
    ];
    overrides.extend_from_slice(extra);
    spawn_app_with(Backend::Sqlite, &overrides).await
}

/// The browser's trip: our /start sent it to the peer's /authorize, which
/// sends it back to our callback URL with a code and the state; our
/// callback's answer.
async fn through_the_peer(peer: &Peer, app: &TestApp, started: &Started) -> reqwest::Response {
    assert!(started.location.as_str().starts_with(&peer.auth_url));
    let authorize = peer
        .client
        .get(started.location.clone())
        .send()
        .await
        .expect("authorize");
    assert_eq!(authorize.status(), 302, "the provider redirects back");
    let back = authorize.headers()["location"].to_str().expect("ascii");
    let back = url::Url::parse(back).expect("callback URL");
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    let query: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    app.client
        .get(app.url(back.path()))
        .query(&query)
        .send()
        .await
        .expect("callback")
}

#[tokio::test]
async fn google_sign_in_works_against_a_real_oidc_provider() {
    let Some(peer) = peer().await else {
        return;
    };
    let Some(app) = app_on(&peer, &[]).await else {
        return;
    };
    let started = start(&app, "google").await;
    let resp = through_the_peer(&peer, &app, &started).await;
    let status = resp.status();
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["provider"], "google");
    assert_eq!(body["user"]["email"], "e2e-user@example.com");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn an_apps_google_sign_in_ends_in_the_app_against_a_real_oidc_provider() {
    const APP_LINK: &str = "nextarget://auth";
    let Some(peer) = peer().await else {
        return;
    };
    let Some(app) = app_on(&peer, &[("oauth.app_redirect_urls", APP_LINK)]).await else {
        return;
    };
    // The app's own PKCE pair (the server keeps its own with the peer).
    let verifier = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let challenge = s256(&verifier);
    let started = start_with(
        &app,
        "google",
        &[
            ("redirect_to", APP_LINK),
            ("code_challenge", challenge.as_str()),
            ("app_state", "e2e-app-state"),
        ],
    )
    .await;
    // The peer checks the server's PKCE pair: ours went to it, not the app's.
    assert_ne!(started.get("code_challenge"), challenge);
    let resp = through_the_peer(&peer, &app, &started).await;
    assert_eq!(resp.status(), 302, "to the app");
    let location = resp.headers()["location"].to_str().expect("ascii");
    let landed = url::Url::parse(location).expect("app link");
    assert!(location.starts_with("nextarget://auth?"), "{location}");
    let query: HashMap<String, String> = landed.query_pairs().into_owned().collect();
    assert_eq!(query["app_state"], "e2e-app-state");
    let body = json!({"code": query["code"], "code_verifier": verifier});
    let resp = app.post_json("/auth/exchange", &body).await;
    let status = resp.status();
    let tokens: Value = resp.json().await.expect("JSON");
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["user"]["provider"], "google");
    assert_eq!(tokens["user"]["email"], "e2e-user@example.com");
    // Once only.
    let again = app.post_json("/auth/exchange", &body).await;
    assert_eq!(again.status(), 400);
}
