//! The example of docs/testing.md, kept as a test so it cannot rot: a
//! mockall `MockOAuthProvider` as Google behind `/auth/google/start` and
//! `/auth/google/callback`, with no Google project and no network; the
//! state, the session and the user are the server's own.

use std::sync::Arc;

use nextarget::{
    app::{Application, Overrides},
    config,
};
use nextarget_ports::{mocks::MockOAuthProvider, Provider, VerifiedIdentity};
use serde_json::Value;

#[tokio::test]
async fn a_mock_identity_provider_behind_the_google_callback() {
    let mut google = MockOAuthProvider::new();
    google.expect_provider().return_const(Provider::Google);
    google.expect_has_web_flow().return_const(true);
    google
        .expect_authorization_url()
        .returning(|state, _nonce, _challenge| format!("https://idp.example/auth?state={state}"));
    // The code the "browser" brings back proves this identity.
    google
        .expect_exchange_code()
        .withf(|code, _verifier, _nonce| code == "code-from-the-idp")
        .times(1)
        .returning(|_, _, _| {
            Ok(VerifiedIdentity {
                subject: "google-sub-42".into(),
                email: Some("gina@example.com".into()),
            })
        });

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let settings = config::load_for_tests(&[("database.url", url.as_str())]).expect("settings");
    let overrides = Overrides {
        google: Some(Arc::new(google)),
        ..Overrides::default()
    };
    let app = Application::build_with(settings, overrides)
        .await
        .expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));

    // /start answers 302 to the provider with a state of the server's own.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let start = http
        .get(format!("{base}/auth/google/start"))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), 302);
    let location = start.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let state = location.split("state=").nth(1).expect("state").to_owned();

    // The provider sends the browser back with a code and that state.
    let tokens: Value = http
        .get(format!("{base}/auth/google/callback"))
        .query(&[("code", "code-from-the-idp"), ("state", state.as_str())])
        .send()
        .await
        .expect("callback")
        .json()
        .await
        .expect("tokens");
    assert_eq!(tokens["user"]["provider"], "google");
    assert_eq!(tokens["user"]["email"], "gina@example.com");
    let access = tokens["access_token"].as_str().expect("access token");
    let me = http
        .get(format!("{base}/users/me"))
        .bearer_auth(access)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
}
