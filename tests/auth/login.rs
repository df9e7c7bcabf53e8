use serde_json::{json, Value};

use crate::common::{problem, spawn_app, Backend, STRONG_PASSWORD};
use crate::on_every_backend;

on_every_backend!(
    the_right_password_signs_in,
    unknown_email_and_wrong_password_get_the_same_answer,
    the_v01_app_may_send_provider_local,
);

async fn the_right_password_signs_in(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("dana@example.com", STRONG_PASSWORD).await;
    let resp = app.login(" DANA@example.com", STRONG_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["user"]["email"], "dana@example.com");
    let me = app
        .get_with_token("/users/me", body["access_token"].as_str().expect("token"))
        .await;
    assert_eq!(me.status(), 200);
}

async fn unknown_email_and_wrong_password_get_the_same_answer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("erin@example.com", STRONG_PASSWORD).await;
    let wrong = problem(
        app.login("erin@example.com", "not-the-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = problem(
        app.login("nobody@example.com", "not-the-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let malformed = problem(
        app.login("not-an-email", "x").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, malformed);
}

async fn the_v01_app_may_send_provider_local(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("fred@example.com", STRONG_PASSWORD).await;
    let resp = app
        .post_json(
            "/auth/login",
            &json!({"email": "fred@example.com", "password": STRONG_PASSWORD, "provider": "local"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
}
