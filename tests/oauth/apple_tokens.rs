//! Native Sign in with Apple through `POST /auth/register`: 201 then 200,
//! the nonce as sent or hashed, and every id_token it must refuse (401
//! `invalid_id_token`, no user created); JWKS refetch on an unknown `kid`.

use nextarget_ports::Provider;
use serde_json::{json, Value};
use sha2::Digest;

use crate::apple_support::*;
use crate::common::{problem, Backend, TestApp};
use crate::on_every_backend;
use crate::support::{
    mount_jwks_at, other_jwk, sign, sign_hs256_with_public_key, sign_other_key, unsigned,
    user_exists, OAuthApp, JWK, KID,
};

on_every_backend!(native_apple_sign_in_is_201_then_200_for_the_same_account);

async fn native_apple_sign_in_is_201_then_200_for_the_same_account(backend: Backend) {
    let Some(OAuthApp { app, .. }) = spawn_apple_app(backend).await else {
        return;
    };
    // From the iOS app: `aud` is its bundle id.
    let claims = with(apple_claims("001.n.1", None), "aud", json!(APPLE_IOS_ID));
    let token = sign(&claims, KID, false);
    let first = register_apple(&app, &token, None).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("body");
    assert_eq!(first["user"]["provider"], "apple");
    assert_eq!(first["user"]["email"], "001.n.1@privaterelay.appleid.com");
    let body = json!({"provider": "apple", "id_token": token, "name": "Ada L"});
    let second = app.post_json("/auth/register", &body).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.expect("body");
    assert_eq!(second["user"]["id"], first["user"]["id"]);
}

/// Expects `token` (with the request nonce `nonce`) to be refused with no
/// user `sub` created.
async fn refused(app: &TestApp, sub: &str, token: &str, nonce: Option<&str>) {
    let resp = register_apple(app, token, nonce).await;
    problem(resp, 401, "invalid_id_token").await;
    assert!(!user_exists(app, Provider::Apple, sub).await, "{sub}");
}

#[tokio::test]
async fn every_forged_or_foreign_token_is_refused_and_creates_no_user() {
    let Some(OAuthApp { app, .. }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    let past = chrono::Utc::now().timestamp() - 120;
    for (sub, token) in [
        (
            "f-aud",
            sign(
                &with(apple_claims("f-aud", None), "aud", json!("com.other.app")),
                KID,
                false,
            ),
        ),
        (
            "f-iss",
            sign(
                &with(
                    apple_claims("f-iss", None),
                    "iss",
                    json!("https://accounts.google.com"),
                ),
                KID,
                false,
            ),
        ),
        (
            "f-exp",
            sign(
                &with(apple_claims("f-exp", None), "exp", json!(past)),
                KID,
                false,
            ),
        ),
        ("f-key", sign_other_key(&apple_claims("f-key", None), KID)),
        (
            "f-hs256",
            sign_hs256_with_public_key(&apple_claims("f-hs256", None)),
        ),
        ("f-none", unsigned(&apple_claims("f-none", None))),
    ] {
        refused(&app, sub, &token, None).await;
    }
    // The same claims, properly signed, pass: the refusals were the forgeries'.
    let good = sign(&apple_claims("f-good", None), KID, false);
    assert_eq!(register_apple(&app, &good, None).await.status(), 201);
}

#[tokio::test]
async fn a_native_nonce_must_match_as_sent_or_hashed_and_cannot_be_left_out() {
    let Some(OAuthApp { app, .. }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    let raw = "app-raw-nonce-42";
    let hashed = hex::encode(sha2::Sha256::digest(raw.as_bytes()));
    // Apple's convention: the app gives Apple the hash, and us the raw nonce.
    let apple_style = sign(&apple_claims("x-hashed", Some(&hashed)), KID, false);
    assert_eq!(
        register_apple(&app, &apple_style, Some(raw)).await.status(),
        201
    );
    let plain = sign(&apple_claims("x-plain", Some(raw)), KID, false);
    assert_eq!(register_apple(&app, &plain, Some(raw)).await.status(), 201);
    let other = sign(&apple_claims("x-other", Some("not-it")), KID, false);
    refused(&app, "x-other", &other, Some(raw)).await;
    // Hashed twice is neither the nonce nor its hash.
    let twice = hex::encode(sha2::Sha256::digest(hashed.as_bytes()));
    let double = sign(&apple_claims("x-double", Some(&twice)), KID, false);
    refused(&app, "x-double", &double, Some(raw)).await;
    // A token with a nonce and a request without one.
    let missing = sign(&apple_claims("x-missing", Some(&hashed)), KID, false);
    refused(&app, "x-missing", &missing, None).await;
    // A request nonce and a token without one.
    let none = sign(&apple_claims("x-none", None), KID, false);
    refused(&app, "x-none", &none, Some(raw)).await;
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once_and_a_rotated_key_is_then_found() {
    let Some(OAuthApp { app, idp }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    let ok = sign(&apple_claims("k-ok", None), KID, false);
    assert_eq!(register_apple(&app, &ok, None).await.status(), 201);
    assert_eq!(apple_jwks_fetches(&idp).await, 1);
    // A kid Apple does not publish: one refetch, then refused.
    let rotated = sign_other_key(&apple_claims("k-new", None), "test-key-2");
    refused(&app, "k-new", &rotated, None).await;
    assert_eq!(apple_jwks_fetches(&idp).await, 2, "one fetch, one refetch");
    // A known kid is served from the cache.
    assert_eq!(register_apple(&app, &ok, None).await.status(), 200);
    assert_eq!(apple_jwks_fetches(&idp).await, 2);
    // Apple rotates its keys: the new kid is found by refetching.
    idp.reset().await;
    mount_jwks_at(&idp, APPLE_JWKS_PATH, &[JWK, other_jwk()]).await;
    assert_eq!(register_apple(&app, &rotated, None).await.status(), 201);
    assert_eq!(apple_jwks_fetches(&idp).await, 1);
}

#[tokio::test]
async fn an_apple_token_without_email_gets_an_apple_invalid_address_and_bad_input_is_422() {
    let Some(OAuthApp { app, .. }) = spawn_apple_app(Backend::Sqlite).await else {
        return;
    };
    let mut claims = apple_claims("001.noemail.7", None);
    claims.as_object_mut().map(|c| c.remove("email"));
    let resp = register_apple(&app, &sign(&claims, KID, false), None).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("body");
    assert_eq!(body["user"]["email"], "001.noemail.7@apple.invalid");

    let resp = app
        .post_json("/auth/register", &json!({"provider": "apple"}))
        .await;
    let body = problem(resp, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["field"], "id_token");
    problem(
        register_apple(&app, "not.a.jwt", None).await,
        401,
        "invalid_id_token",
    )
    .await;
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"provider": "apple", "id_token": "x", "name": 7}),
        )
        .await;
    problem(resp, 400, "bad_request").await;
}
