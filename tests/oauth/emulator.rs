//! The identity emulator (`oauth.emulator = true`) end to end over HTTP:
//! the real provider adapters sign in through the server's own emulated
//! Google and Facebook, web flow and native id_token alike.

use reqwest::Response;
use serde_json::{json, Value};

use crate::common::{spawn_app_with, Backend, TestApp};

async fn emulated() -> TestApp {
    spawn_app_with(Backend::Sqlite, &[("oauth.emulator", "true")])
        .await
        .expect("app")
}

fn location(resp: &Response) -> String {
    assert_eq!(resp.status(), 302, "a redirect");
    resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

/// The web flow for `provider` as a browser runs it, the tester typing
/// `email` on the emulator's page; the callback's answer. With
/// `only_state`, the form posts `email`, `name` and `state` alone (the
/// contract's form), else every field the page carries.
async fn web_sign_in(app: &TestApp, provider: &str, email: &str, only_state: bool) -> Response {
    let start = format!("/auth/{provider}/start");
    web_sign_in_from(app, &start, provider, email, only_state).await
}

/// [`web_sign_in`] from the `/start` path (and query) `start`.
async fn web_sign_in_from(
    app: &TestApp,
    start: &str,
    provider: &str,
    email: &str,
    only_state: bool,
) -> Response {
    let start = app.get(start).await;
    let authorize = location(&start);
    assert!(
        authorize.starts_with(&app.url(&format!("/emulator/{provider}/authorize?"))),
        "{authorize}"
    );
    let page = app.client.get(&authorize).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("<form method=\"post\""), "{html}");
    // The form carries the provider's query back, as its hidden fields do.
    let url = reqwest::Url::parse(&authorize).expect("url");
    let mut form: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| !only_state || k == "state")
        .collect();
    form.push(("email".into(), email.into()));
    form.push(("name".into(), "Tess Tester".into()));
    let submitted = app
        .client
        .post(app.url(&format!("/emulator/{provider}/authorize")))
        .form(&form)
        .send()
        .await
        .expect("submit");
    let callback = location(&submitted);
    assert!(
        callback.starts_with(&app.url(&format!("/auth/{provider}/callback?code="))),
        "{callback}"
    );
    app.client.get(&callback).send().await.expect("callback")
}

#[tokio::test]
async fn google_web_sign_in_runs_through_the_emulator() {
    let app = emulated().await;
    let resp = web_sign_in(&app, "google", "gina@example.com", false).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("tokens");
    assert_eq!(body["user"]["provider"], "google");
    assert_eq!(body["user"]["email"], "gina@example.com");
    let again: Value = web_sign_in(&app, "google", "gina@example.com", true)
        .await
        .json()
        .await
        .expect("tokens");
    assert_eq!(again["user"]["id"], body["user"]["id"], "the same account");
    // The page now offers the account used before.
    let start = app.get("/auth/google/start").await;
    let page = app.client.get(location(&start)).send().await.expect("page");
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("gina@example.com"));
}

#[tokio::test]
async fn facebook_web_sign_in_runs_through_the_emulator() {
    let app = emulated().await;
    let resp = web_sign_in(&app, "facebook", "fay@example.com", true).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("tokens");
    assert_eq!(body["user"]["provider"], "facebook");
    assert_eq!(body["user"]["email"], "fay@example.com");
}

#[tokio::test]
async fn a_native_id_token_from_the_emulator_signs_up_then_in() {
    let app = emulated().await;
    let minted: Value = app
        .post_json(
            "/emulator/google/id_token",
            &json!({"email": "nat@example.com", "nonce": "app-nonce"}),
        )
        .await
        .json()
        .await
        .expect("id_token");
    let id_token = minted["id_token"].as_str().expect("id_token");
    for (nonce, status) in [("app-nonce", 201), ("app-nonce", 200), ("other-nonce", 401)] {
        let body = json!({"provider": "google", "id_token": id_token, "nonce": nonce});
        let resp = app.post_json("/auth/register", &body).await;
        // The real adapter checks the nonce: another one is refused.
        assert_eq!(resp.status(), status, "nonce {nonce}");
    }
}

#[tokio::test]
async fn without_the_emulator_there_is_none() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await.expect("app");
    let resp = app.get("/emulator/google/authorize").await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_emulators_facebook_sdk_tokens_sign_in_natively() {
    let app = emulated().await;
    let mint = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let resp = app.post_json(path, &body).await;
            assert_eq!(resp.status(), 200, "{path}");
            resp.json::<Value>().await.expect("minted")
        }
    };
    // The access token LoginManager would give the Android or iOS app:
    // checked by the real adapter at the emulator's debug_token, then /me.
    let minted = mint(
        "/emulator/facebook/access_token",
        json!({"email": "sdk@example.com", "sub": "fb-sdk-1"}),
    )
    .await;
    let token = minted["access_token"].as_str().expect("access_token");
    let body = json!({"provider": "facebook", "access_token": token});
    let resp = app.post_json("/auth/register", &body).await;
    assert_eq!(resp.status(), 201);
    let first: Value = resp.json().await.expect("tokens");
    assert_eq!(first["user"]["email"], "sdk@example.com");
    let resp = app.post_json("/auth/register", &body).await;
    assert_eq!(resp.status(), 200);
    let body = json!({"provider": "facebook", "access_token": "not-one-of-its-tokens"});
    let resp = app.post_json("/auth/register", &body).await;
    assert_eq!(resp.status(), 401);
    // Limited Login's id_token for the same account: the same user.
    let minted = mint(
        "/emulator/facebook/id_token",
        json!({"email": "sdk@example.com", "sub": "fb-sdk-1", "nonce": "n-1"}),
    )
    .await;
    let id_token = minted["id_token"].as_str().expect("id_token");
    for (nonce, status) in [("n-1", 200), ("n-2", 401)] {
        let body = json!({"provider": "facebook", "id_token": id_token, "nonce": nonce});
        let resp = app.post_json("/auth/register", &body).await;
        assert_eq!(resp.status(), status, "nonce {nonce}");
        if status == 200 {
            let again: Value = resp.json().await.expect("tokens");
            assert_eq!(again["user"]["id"], first["user"]["id"]);
        }
    }
}

#[tokio::test]
async fn an_apps_web_flow_through_the_emulator_ends_in_the_app() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("oauth.emulator", "true"),
            ("oauth.app_redirect_urls", "nextarget://auth"),
        ],
    )
    .await
    .expect("app");
    // RFC 7636's example pair.
    let (verifier, challenge) = (
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
    let start = format!(
        "/auth/facebook/start?redirect_to=nextarget%3A%2F%2Fauth&code_challenge={challenge}&app_state=st"
    );
    let resp = web_sign_in_from(&app, &start, "facebook", "app@example.com", true).await;
    let landed = reqwest::Url::parse(&location(&resp)).expect("app link");
    assert_eq!(landed.scheme(), "nextarget");
    let query: std::collections::HashMap<String, String> =
        landed.query_pairs().into_owned().collect();
    assert_eq!(query["app_state"], "st");
    let body = json!({"code": query["code"], "code_verifier": verifier});
    let resp = app.post_json("/auth/exchange", &body).await;
    assert_eq!(resp.status(), 200);
    let tokens: Value = resp.json().await.expect("tokens");
    assert_eq!(tokens["user"]["email"], "app@example.com");
}

/// The value of the hidden field `name` in `html`.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("field") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

#[tokio::test]
async fn apple_web_sign_in_posts_back_to_the_callback_as_apple_does() {
    let app = emulated().await;
    let start = app.get("/auth/apple/start").await;
    let authorize = location(&start);
    assert!(authorize.contains("response_mode=form_post"), "{authorize}");
    let url = reqwest::Url::parse(&authorize).expect("url");
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let page = app.client.get(&authorize).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let submitted = app
        .client
        .post(app.url("/emulator/apple/authorize"))
        .form(&[
            ("email", "ann@privaterelay.appleid.com"),
            ("state", state.as_str()),
        ])
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200, "a page posting the form back");
    let html = submitted.text().await.expect("html");
    assert!(
        html.contains(&format!("action=\"{}\"", app.url("/auth/apple/callback"))),
        "{html}"
    );
    let tokens: Value = app
        .client
        .post(app.url("/auth/apple/callback"))
        .form(&[
            ("code", field(&html, "code")),
            ("state", field(&html, "state")),
        ])
        .send()
        .await
        .expect("callback")
        .json()
        .await
        .expect("tokens");
    assert_eq!(tokens["user"]["provider"], "apple");
    assert_eq!(tokens["user"]["email"], "ann@privaterelay.appleid.com");
}

#[tokio::test]
async fn a_native_apple_id_token_from_the_emulator_signs_up_then_in() {
    let app = emulated().await;
    let minted: Value = app
        .post_json(
            "/emulator/apple/id_token",
            &json!({"email": "ios@example.com", "nonce": "raw-nonce"}),
        )
        .await
        .json()
        .await
        .expect("id_token");
    let id_token = minted["id_token"].as_str().expect("id_token");
    for status in [201, 200] {
        let body = json!({"provider": "apple", "id_token": id_token, "nonce": "raw-nonce"});
        assert_eq!(
            app.post_json("/auth/register", &body).await.status(),
            status
        );
    }
}
