//! Sessions the app can see and end: `GET /auth/sessions`, `DELETE
//! /auth/sessions/{id}`, logout scopes and `POST /auth/password`, and the
//! rule that an ended session's access tokens stop working at once, on
//! this instance and on another one on the same database.

use reqwest::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{problem, spawn_app_with, spawn_instance, Backend, TestApp, STRONG_PASSWORD};
use crate::on_every_backend;

on_every_backend!(
    the_list_shows_each_sign_in_with_its_client_newest_first,
    logout_ends_the_access_token_at_once_on_every_instance,
    deleting_a_session_ends_it_and_only_the_callers_can_be_deleted,
    logout_scopes_end_this_the_others_or_all,
    a_password_change_keeps_this_session_and_ends_the_others,
    a_wrong_current_password_counts_as_a_failed_sign_in,
    a_reused_refresh_token_ends_its_session_and_spares_the_others,
    tokens_of_one_kind_are_refused_as_the_other,
);

const NEW_PASSWORD: &str = "marble-Harbour-41-lantern";

/// One sign-in: its tokens.
struct Signed {
    access: String,
    refresh: String,
}

async fn signed(resp: Response, status: u16) -> Signed {
    assert_eq!(resp.status(), status, "sign-in status");
    let body: Value = resp.json().await.expect("token response");
    Signed {
        access: body["access_token"].as_str().expect("access").to_owned(),
        refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
    }
}

/// Signs in as `email` from `ip` (behind the trusted proxy) with `agent`.
async fn sign_in_from(app: &TestApp, email: &str, ip: &str, agent: &str) -> Signed {
    let resp = app
        .client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", ip)
        .header("user-agent", agent)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .expect("request");
    signed(resp, 200).await
}

/// A new account and its first session.
async fn account(app: &TestApp) -> (String, Signed) {
    let email = format!("s-{}@example.com", Uuid::new_v4().simple());
    let first = signed(app.register(&email, STRONG_PASSWORD).await, 201).await;
    (email, first)
}

async fn sessions(app: &TestApp, access: &str) -> Vec<Value> {
    let resp = app.get_with_token("/auth/sessions", access).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    body["items"].as_array().expect("items").clone()
}

/// The contract's promise to the other instances: 401 within 1 second.
async fn refused_within_a_second(app: &TestApp, access: &str) {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(1) {
        if me(app, access).await == 401 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the other instance still accepts the ended session after 1 s");
}

async fn me(app: &TestApp, access: &str) -> u16 {
    app.get_with_token("/users/me", access)
        .await
        .status()
        .as_u16()
}

async fn delete_session(app: &TestApp, access: &str, id: &str) -> Response {
    app.client
        .delete(app.url(&format!("/auth/sessions/{id}")))
        .bearer_auth(access)
        .send()
        .await
        .expect("request")
}

async fn logout(app: &TestApp, refresh: &str, scope: &str) -> u16 {
    app.post_json(
        "/auth/logout",
        &json!({"refresh_token": refresh, "scope": scope}),
    )
    .await
    .status()
    .as_u16()
}

async fn change_password(app: &TestApp, access: &str, current: &str, new: &str) -> Response {
    app.post_json_with_token(
        "/auth/password",
        access,
        &json!({"current_password": current, "new_password": new}),
    )
    .await
}

async fn proxied(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, &[("server.trusted_proxies", "127.0.0.1")]).await
}

async fn the_list_shows_each_sign_in_with_its_client_newest_first(backend: Backend) {
    let Some(app) = proxied(backend).await else {
        return;
    };
    let (email, _) = account(&app).await;
    let phone = sign_in_from(&app, &email, "203.0.113.7", "NexTarget/2.1 (iPhone)").await;
    let tablet = sign_in_from(&app, &email, "198.51.100.9", "NexTarget/2.1 (Android)").await;
    let items = sessions(&app, &tablet.access).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0]["ip"], "198.51.100.9");
    assert_eq!(items[0]["user_agent"], "NexTarget/2.1 (Android)");
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[1]["ip"], "203.0.113.7");
    assert_eq!(items[1]["current"], false);
    assert!(items
        .iter()
        .all(|s| s["created_at"].is_string() && s["id"].is_string()));
    // A refresh moves last_used_at and the client of the phone's session.
    let before = items[1]["last_used_at"].clone();
    let resp = app
        .client
        .post(app.url("/auth/refresh"))
        .header("x-forwarded-for", "192.0.2.44")
        .header("user-agent", "NexTarget/2.2 (iPhone)")
        .json(&json!({"refresh_token": phone.refresh}))
        .send()
        .await
        .expect("request");
    let phone = signed(resp, 200).await;
    let items = sessions(&app, &phone.access).await;
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["ip"], "192.0.2.44");
    assert_eq!(current[0]["user_agent"], "NexTarget/2.2 (iPhone)");
    assert_ne!(current[0]["last_used_at"], before);
}

async fn logout_ends_the_access_token_at_once_on_every_instance(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let other = spawn_instance(&app.db, &[], None).await;
    let (_, first) = account(&app).await;
    assert_eq!(me(&other, &first.access).await, 200, "cached there now");
    assert_eq!(logout(&app, &first.refresh, "local").await, 204);
    assert_eq!(me(&app, &first.access).await, 401, "at once where it ended");
    refused_within_a_second(&other, &first.access).await;
    problem(
        app.refresh(&first.refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

async fn deleting_a_session_ends_it_and_only_the_callers_can_be_deleted(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let (email, first) = account(&app).await;
    let second = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    let (_, stranger) = account(&app).await;
    let items = sessions(&app, &second.access).await;
    let first_id = items
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("the first session")
        .to_owned();
    // Not the stranger's to end, and an unknown id is no one's.
    problem(
        delete_session(&app, &stranger.access, &first_id).await,
        404,
        "not_found",
    )
    .await;
    let unknown = Uuid::now_v7().to_string();
    problem(
        delete_session(&app, &second.access, &unknown).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(me(&app, &first.access).await, 200);

    let resp = delete_session(&app, &second.access, &first_id).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(me(&app, &first.access).await, 401);
    problem(
        app.refresh(&first.refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_eq!(me(&app, &second.access).await, 200);
    // Ended: gone from the list, and a second delete finds nothing.
    assert_eq!(sessions(&app, &second.access).await.len(), 1);
    problem(
        delete_session(&app, &second.access, &first_id).await,
        404,
        "not_found",
    )
    .await;
    // Without a token, nothing.
    let resp = app
        .client
        .delete(app.url(&format!("/auth/sessions/{first_id}")))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
}

async fn logout_scopes_end_this_the_others_or_all(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let (email, a) = account(&app).await;
    let b = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    let c = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    assert_eq!(logout(&app, &c.refresh, "others").await, 204);
    assert_eq!(me(&app, &a.access).await, 401);
    assert_eq!(me(&app, &b.access).await, 401);
    assert_eq!(me(&app, &c.access).await, 200);
    assert_eq!(sessions(&app, &c.access).await.len(), 1);

    let d = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    assert_eq!(logout(&app, &d.refresh, "global").await, 204);
    assert_eq!(me(&app, &c.access).await, 401);
    assert_eq!(me(&app, &d.access).await, 401);
    problem(app.refresh(&c.refresh).await, 401, "invalid_refresh_token").await;

    // The default scope is this session only; a scope outside the three is
    // refused by the spec.
    let e = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    let f = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    assert_eq!(app.logout(&e.refresh).await.status(), 204);
    assert_eq!(me(&app, &e.access).await, 401);
    assert_eq!(me(&app, &f.access).await, 200);
    let status = logout(&app, &f.refresh, "everyone").await;
    assert!(status == 400 || status == 422, "{status}");
    assert_eq!(me(&app, &f.access).await, 200);
}

async fn a_password_change_keeps_this_session_and_ends_the_others(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let (email, phone) = account(&app).await;
    let tablet = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    let resp = change_password(&app, &tablet.access, STRONG_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(me(&app, &tablet.access).await, 200);
    assert_eq!(me(&app, &phone.access).await, 401);
    problem(
        app.refresh(&phone.refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    let renewed = signed(app.refresh(&tablet.refresh).await, 200).await;
    assert_eq!(me(&app, &renewed.access).await, 200);
    problem(
        app.login(&email, STRONG_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    signed(app.login(&email, NEW_PASSWORD).await, 200).await;
    // The new password follows the sign-up rule, by field.
    let local = email.split('@').next().expect("local part").to_owned();
    let body = problem(
        change_password(
            &app,
            &renewed.access,
            NEW_PASSWORD,
            &format!("{local}{local}"),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "new_password", "{body}");
}

async fn a_wrong_current_password_counts_as_a_failed_sign_in(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let (email, s) = account(&app).await;
    for _ in 0..5 {
        let resp = change_password(&app, &s.access, "not-the-password", NEW_PASSWORD).await;
        problem(resp, 401, "invalid_credentials").await;
    }
    // The account is locked for sign-in and for a change alike.
    problem(
        app.login(&email, STRONG_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    let resp = change_password(&app, &s.access, STRONG_PASSWORD, NEW_PASSWORD).await;
    problem(resp, 429, "too_many_attempts").await;
}

async fn a_reused_refresh_token_ends_its_session_and_spares_the_others(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("auth.refresh_reuse_grace_secs", "0")]).await else {
        return;
    };
    let (email, first) = account(&app).await;
    let other = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    let rotated = signed(app.refresh(&first.refresh).await, 200).await;
    problem(
        app.refresh(&first.refresh).await,
        401,
        "refresh_token_reused",
    )
    .await;
    assert_eq!(me(&app, &rotated.access).await, 401);
    assert_eq!(me(&app, &first.access).await, 401);
    assert_eq!(me(&app, &other.access).await, 200);
    signed(app.refresh(&other.refresh).await, 200).await;
}

async fn tokens_of_one_kind_are_refused_as_the_other(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let (_, s) = account(&app).await;
    assert_eq!(me(&app, &s.refresh).await, 401);
    problem(app.refresh(&s.access).await, 401, "invalid_refresh_token").await;
    problem(app.logout(&s.access).await, 401, "invalid_refresh_token").await;
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"provider": "google", "id_token": s.access}),
        )
        .await;
    let status = resp.status().as_u16();
    // Google unconfigured here: refused either way, never a session.
    assert!(status == 401 || status == 503, "{status}");
    assert_eq!(me(&app, &s.access).await, 200);
}

/// Waits (up to 3 s) until `app`'s `/ready` shows its session cache live.
async fn session_cache_live(app: &TestApp) {
    for _ in 0..150 {
        let body: Value = app.get("/ready").await.json().await.expect("ready");
        if body["checks"]["session_cache"] == "live" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the session cache never went live");
}

/// PostgreSQL carries invalidations by NOTIFY: the other instance refuses
/// an ended session within 1 s, also after its LISTEN connection was killed
/// (it asks the database meanwhile) and once it has listened again.
#[tokio::test]
async fn another_instance_refuses_within_a_second_across_a_dropped_channel() {
    let Some(app) = spawn_app_with(Backend::Postgres, &[]).await else {
        return;
    };
    let other = spawn_instance(&app.db, &[], None).await;
    session_cache_live(&other).await;
    let (email, first) = account(&app).await;
    assert_eq!(me(&other, &first.access).await, 200, "cached there");
    let killed = app
        .count(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .await;
    assert!(killed >= 1, "the LISTEN connections were found");
    assert_eq!(logout(&app, &first.refresh, "local").await, 204);
    refused_within_a_second(&other, &first.access).await;
    // Back: it listens again, caches again, and still hears every end.
    session_cache_live(&other).await;
    let second = signed(app.login(&email, STRONG_PASSWORD).await, 200).await;
    assert_eq!(me(&other, &second.access).await, 200);
    assert_eq!(logout(&app, &second.refresh, "local").await, 204);
    refused_within_a_second(&other, &second.access).await;
}
