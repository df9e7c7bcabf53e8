//! End to end against a real OpenID Connect provider (the npm package
//! oauth2-mock-server, run by tests/oidc-peer/server.mjs): discovery,
//! /authorize, the token endpoint's PKCE check, its nonce and RS256 JWKS.
//! When the peer cannot start, whatever the reason (no node or npm, `npm
//! ci` failing or hanging, the peer crashing or saying nothing), the test
//! skips with that reason outside CI and fails with it under `CI=true`.

use std::{path::PathBuf, process::Stdio, time::Duration};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::common::{skip, spawn_app_with, Backend};
use crate::support::start;

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

#[tokio::test]
async fn google_sign_in_works_against_a_real_oidc_provider() {
    let (_peer, issuer) = match launch_peer().await {
        Ok(peer) => peer,
        Err(reason) => {
            return skip(&format!(
                "the OIDC peer (tests/oidc-peer) cannot start: {reason}"
            ))
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
    let (auth_url, token_url, jwks_url) = (
        endpoint("authorization_endpoint"),
        endpoint("token_endpoint"),
        endpoint("jwks_uri"),
    );
    let issuer_claim = endpoint("issuer");
    let overrides = [
        ("oauth.google.client_id", CLIENT_ID),
        ("oauth.google.client_secret", "e2e-secret"),
        ("oauth.google.redirect_uri", REDIRECT_URI),
        ("oauth.google.auth_url", auth_url.as_str()),
        ("oauth.google.token_url", token_url.as_str()),
        ("oauth.google.jwks_url", jwks_url.as_str()),
        ("oauth.google.issuers", issuer_claim.as_str()),
    ];
    let Some(app) = spawn_app_with(Backend::Sqlite, &overrides).await else {
        return;
    };

    // Our /start sends the browser to the provider's /authorize ...
    let started = start(&app, "google").await;
    assert!(started.location.as_str().starts_with(&auth_url));
    let authorize = client
        .get(started.location.clone())
        .send()
        .await
        .expect("authorize");
    assert_eq!(authorize.status(), 302, "the provider redirects back");
    // ... which sends it back to our callback URL with a code and the state.
    let back = authorize.headers()["location"].to_str().expect("ascii");
    let back = url::Url::parse(back).expect("callback URL");
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    let query: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    let resp = app
        .client
        .get(app.url(back.path()))
        .query(&query)
        .send()
        .await
        .expect("callback");
    let status = resp.status();
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["provider"], "google");
    assert_eq!(body["user"]["email"], "e2e-user@example.com");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
}
