use serde_json::Value;

use crate::common::{problem, spawn_app, Backend};
use crate::on_every_backend;

on_every_backend!(
    me_returns_the_signed_in_user,
    deleting_me_kills_my_tokens_at_once,
);

async fn me_returns_the_signed_in_user(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let session = app.signed_up_user().await;
    let resp = app
        .get_with_token(
            "/users/me",
            session["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let me: Value = resp.json().await.expect("json");
    assert_eq!(me, session["user"]);
}

async fn deleting_me_kills_my_tokens_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let session = app.signed_up_user().await;
    let token = session["access_token"].as_str().expect("token");
    assert_eq!(app.delete_me(token).await.status(), 204);
    problem(
        app.get_with_token("/users/me", token).await,
        401,
        "unauthorized",
    )
    .await;
    problem(app.delete_me(token).await, 401, "unauthorized").await;
    // The email is free again.
    let email = session["user"]["email"].as_str().expect("email");
    assert_eq!(
        app.register(email, crate::common::STRONG_PASSWORD)
            .await
            .status(),
        201
    );
}
