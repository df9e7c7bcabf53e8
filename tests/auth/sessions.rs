//! `/auth/refresh` and `/auth/logout`: rotation, reuse detection, the grace
//! window, expiry and revocation. Time moves through the server's clock.

use futures::future::join_all;
use reqwest::Response;
use serde_json::Value;

use crate::common::{problem, spawn_app, spawn_app_with_clock, Backend, TestApp};
use crate::on_every_backend;

on_every_backend!(
    a_refresh_rotates_the_token_and_spends_the_old_one,
    a_reused_token_revokes_the_family_and_the_holders_newer_token,
    the_previous_token_works_once_within_the_grace,
    the_grace_ends_with_its_window_and_with_the_next_rotation,
    an_ended_session_stays_dead_inside_the_grace_window,
    concurrent_refreshes_with_one_token_let_exactly_one_through,
    a_refresh_token_expires_with_the_clock,
    logout_revokes_the_family,
    deleting_the_account_kills_its_refresh_tokens,
);

async fn tokens(resp: Response) -> (String, String) {
    assert_eq!(resp.status(), 200, "refresh status");
    let body: Value = resp.json().await.expect("token response");
    assert_eq!(body["token_type"], "bearer");
    let access = body["access_token"].as_str().expect("access").to_owned();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    (access, refresh)
}

async fn signed_in(app: &TestApp) -> String {
    let session = app.signed_up_user().await;
    session["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned()
}

async fn a_refresh_rotates_the_token_and_spends_the_old_one(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[]).await else {
        return;
    };
    let first = signed_in(&app).await;
    let (access, second) = tokens(app.refresh(&first).await).await;
    assert_ne!(second, first);
    assert_eq!(app.get_with_token("/users/me", &access).await.status(), 200);
    let (_, third) = tokens(app.refresh(&second).await).await;
    assert_ne!(third, second);
    app.advance(10);
    problem(app.refresh(&first).await, 401, "refresh_token_reused").await;
}

async fn a_reused_token_revokes_the_family_and_the_holders_newer_token(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[]).await else {
        return;
    };
    let stolen = signed_in(&app).await;
    let other_sign_in = signed_in(&app).await;
    let (_, legit) = tokens(app.refresh(&stolen).await).await;
    app.advance(60);
    problem(app.refresh(&stolen).await, 401, "refresh_token_reused").await;
    problem(app.refresh(&legit).await, 401, "invalid_refresh_token").await;
    // Other families are untouched.
    tokens(app.refresh(&other_sign_in).await).await;
}

async fn the_previous_token_works_once_within_the_grace(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[("auth.refresh_reuse_grace_secs", "5")]).await
    else {
        return;
    };
    let first = signed_in(&app).await;
    let (_, second) = tokens(app.refresh(&first).await).await;
    app.advance(4);
    // The response was lost: the app retries with the previous token.
    let (access, sibling) = tokens(app.refresh(&first).await).await;
    assert_ne!(sibling, second);
    assert_eq!(app.get_with_token("/users/me", &access).await.status(), 200);
    // Not twice: the third presentation is reuse and revokes the family.
    problem(app.refresh(&first).await, 401, "refresh_token_reused").await;
    problem(app.refresh(&sibling).await, 401, "invalid_refresh_token").await;
    problem(app.refresh(&second).await, 401, "invalid_refresh_token").await;
}

async fn the_grace_ends_with_its_window_and_with_the_next_rotation(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[("auth.refresh_reuse_grace_secs", "5")]).await
    else {
        return;
    };
    // After the window.
    let first = signed_in(&app).await;
    tokens(app.refresh(&first).await).await;
    app.advance(5);
    problem(app.refresh(&first).await, 401, "refresh_token_reused").await;
    // Once its successor has been used, even inside the window.
    let first = signed_in(&app).await;
    let (_, second) = tokens(app.refresh(&first).await).await;
    tokens(app.refresh(&second).await).await;
    problem(app.refresh(&first).await, 401, "refresh_token_reused").await;
}

async fn an_ended_session_stays_dead_inside_the_grace_window(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[("auth.refresh_reuse_grace_secs", "5")]).await
    else {
        return;
    };
    // Signed out: the previous token, still inside its grace, revives nothing.
    let first = signed_in(&app).await;
    let (access, second) = tokens(app.refresh(&first).await).await;
    assert_eq!(app.logout(&second).await.status(), 204);
    app.advance(1);
    problem(app.refresh(&first).await, 401, "invalid_refresh_token").await;
    assert_eq!(app.get_with_token("/users/me", &access).await.status(), 401);
    // Revoked by a reuse: the same.
    let first = signed_in(&app).await;
    let (_, second) = tokens(app.refresh(&first).await).await;
    tokens(app.refresh(&second).await).await;
    problem(app.refresh(&first).await, 401, "refresh_token_reused").await;
    problem(app.refresh(&second).await, 401, "invalid_refresh_token").await;
}

async fn concurrent_refreshes_with_one_token_let_exactly_one_through(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[("auth.refresh_reuse_grace_secs", "0")]).await
    else {
        return;
    };
    let token = signed_in(&app).await;
    let answers = join_all((0..2).map(|_| app.refresh(&token))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

async fn a_refresh_token_expires_with_the_clock(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[("auth.refresh_token_ttl_secs", "60")]).await
    else {
        return;
    };
    let first = signed_in(&app).await;
    app.advance(59);
    let (_, second) = tokens(app.refresh(&first).await).await;
    // The new token lives 60 s from its own issue.
    app.advance(59);
    let (_, third) = tokens(app.refresh(&second).await).await;
    app.advance(60);
    problem(app.refresh(&third).await, 401, "invalid_refresh_token").await;
}

async fn logout_revokes_the_family(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[]).await else {
        return;
    };
    let first = signed_in(&app).await;
    let (_, second) = tokens(app.refresh(&first).await).await;
    let resp = app.logout(&second).await;
    assert_eq!(resp.status(), 204);
    problem(app.refresh(&second).await, 401, "invalid_refresh_token").await;
    problem(app.refresh(&first).await, 401, "invalid_refresh_token").await;
    problem(app.logout(&second).await, 401, "invalid_refresh_token").await;
    problem(
        app.logout("not-a-token").await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

async fn deleting_the_account_kills_its_refresh_tokens(backend: Backend) {
    let Some(app) = spawn_app_with_clock(backend, &[]).await else {
        return;
    };
    let session = app.signed_up_user().await;
    let access = session["access_token"].as_str().expect("access");
    let refresh = session["refresh_token"].as_str().expect("refresh");
    assert_eq!(app.delete_me(access).await.status(), 204);
    problem(app.refresh(refresh).await, 401, "invalid_refresh_token").await;
    problem(
        app.get_with_token("/users/me", access).await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn malformed_refresh_and_logout_bodies_are_bad_requests() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    for path in ["/auth/refresh", "/auth/logout"] {
        problem(app.post_raw(path, "{").await, 400, "bad_request").await;
        problem(app.post_raw(path, "{}").await, 400, "bad_request").await;
        let wrong_type = app.post_raw(path, r#"{"refresh_token": ["x"]}"#).await;
        problem(wrong_type, 400, "bad_request").await;
    }
}
