use futures::future::join_all;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::common::{
    problem, spawn_app, spawn_instance, Backend, STRONG_PASSWORD, TEST_JWT_SECRET,
};
use crate::on_every_backend;

on_every_backend!(
    a_new_local_account_gets_a_token_response,
    the_access_token_is_an_hs256_jwt_with_the_contract_claims,
    an_email_taken_in_another_case_is_a_conflict,
    concurrent_sign_ups_with_one_email_create_exactly_one_user,
    weak_short_long_and_missing_passwords_are_validation_errors,
    a_malformed_or_missing_email_is_a_validation_error,
    the_refresh_token_is_stored_only_as_a_hash,
    a_strong_password_of_exactly_72_bytes_signs_up_and_signs_in,
    a_password_built_from_the_email_is_refused_with_the_reason,
    a_rotated_secret_keeps_old_tokens_working_and_signs_new_ones,
);

async fn a_rotated_secret_keeps_old_tokens_working_and_signs_new_ones(backend: Backend) {
    let Some(before) = spawn_app(backend).await else {
        return;
    };
    let old = before.new_user_token().await;
    // The deployment restarts with a new secret, the old one kept as previous.
    let new_secret = "rotated-secret-0123456789-0123456789-abcdef";
    let after = spawn_instance(
        &before.db,
        &[
            ("auth.jwt_secret", new_secret),
            ("auth.jwt_previous_secrets", TEST_JWT_SECRET),
        ],
        None,
    )
    .await;
    drop(before);
    assert_eq!(after.get_with_token("/users/me", &old).await.status(), 200);
    let new = after.new_user_token().await;
    assert_eq!(after.get_with_token("/users/me", &new).await.status(), 200);
    let kid = |token: &str| jsonwebtoken::decode_header(token).expect("header").kid;
    assert_ne!(kid(&old), kid(&new));
    assert!(decode::<Value>(
        &new,
        &DecodingKey::from_secret(new_secret.as_bytes()).expect("key"),
        &{
            let mut v = Validation::new(Algorithm::HS256);
            v.set_audience(&["nextarget-app"]);
            v
        },
    )
    .is_ok());
    // Once the old secret is dropped from the list, its tokens stop.
    let forgotten = spawn_instance(&after.db, &[("auth.jwt_secret", new_secret)], None).await;
    assert_eq!(
        forgotten.get_with_token("/users/me", &old).await.status(),
        401
    );
    assert_eq!(
        forgotten.get_with_token("/users/me", &new).await.status(),
        200
    );
}

async fn a_strong_password_of_exactly_72_bytes_signs_up_and_signs_in(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // 24 + 48 bytes: the contract's upper bound, multi-byte UTF-8 included.
    let password = format!("tundra-Velvet-93-orbit-x{}", "€".repeat(16));
    assert_eq!(password.len(), 72);
    let resp = app.register("max@example.com", &password).await;
    assert_eq!(
        resp.status(),
        201,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    assert_eq!(app.login("max@example.com", &password).await.status(), 200);
    // The last byte counts: the same password with its last character
    // changed is a wrong password, and one byte more is never matched.
    let mut changed = password.clone();
    changed.pop();
    changed.push('₤');
    assert_eq!(changed.len(), 72);
    assert_eq!(app.login("max@example.com", &changed).await.status(), 401);
    assert_eq!(
        app.login("max@example.com", &format!("{password}x"))
            .await
            .status(),
        401
    );
    // Nor trimmed: a space around it is another password.
    assert_eq!(
        app.login("max@example.com", &format!(" {}", &password[1..]))
            .await
            .status(),
        401
    );
}

async fn a_password_built_from_the_email_is_refused_with_the_reason(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let resp = app
        .register("alice.martin@run-club.fr", "AliceMartin-RunClub")
        .await;
    let body = problem(resp, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["field"], "password");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("built from your email address")),
        "{body}"
    );
}

async fn a_new_local_account_gets_a_token_response(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let resp = app.register("  Alice@Example.COM ", STRONG_PASSWORD).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 43));
    assert_eq!(body["user"]["email"], "alice@example.com");
    assert_eq!(body["user"]["provider"], "local");
    assert!(body["user"]["id"]
        .as_str()
        .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
    assert!(body["user"]["created_at"]
        .as_str()
        .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()));
}

async fn the_access_token_is_an_hs256_jwt_with_the_contract_claims(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let body = app.signed_up_user().await;
    let token = body["access_token"].as_str().expect("token");
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["sub", "exp", "iat", "iss", "aud"]);
    validation.set_issuer(&["nextarget"]);
    validation.set_audience(&["nextarget-app"]);
    let claims = decode::<Value>(
        token,
        &DecodingKey::from_secret(TEST_JWT_SECRET.as_bytes()).expect("key"),
        &validation,
    )
    .expect("valid HS256 token")
    .claims;
    assert_eq!(claims["sub"], body["user"]["id"]);
    assert!(claims["jti"].is_string());
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert!(header.kid.is_some_and(|kid| kid.len() == 16));
    let lifetime = claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat");
    assert_eq!(lifetime, 900);
}

async fn an_email_taken_in_another_case_is_a_conflict(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(
        app.register("bob@example.com", STRONG_PASSWORD)
            .await
            .status(),
        201
    );
    let again = app
        .register(" BOB@example.com", "another-Strong-pass-42")
        .await;
    problem(again, 409, "email_taken").await;
}

async fn concurrent_sign_ups_with_one_email_create_exactly_one_user(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let attempts = (0..8).map(|_| app.register("race@example.com", STRONG_PASSWORD));
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
}

async fn weak_short_long_and_missing_passwords_are_validation_errors(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let long = "é".repeat(37); // 74 bytes, 37 characters
    for password in ["password123", "short", long.as_str()] {
        let body = problem(
            app.register("carol@example.com", password).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "password", "{body}");
    }
    let missing = app
        .post_json(
            "/auth/register",
            &json!({"email": "carol@example.com", "provider": "local"}),
        )
        .await;
    let body = problem(missing, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["field"], "password");
}

async fn a_malformed_or_missing_email_is_a_validation_error(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for email in ["not-an-email", "a@b", "", "two@@example.com"] {
        let body = problem(
            app.register(email, STRONG_PASSWORD).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "email", "{email}: {body}");
    }
    let missing = app
        .post_json("/auth/register", &json!({"password": STRONG_PASSWORD}))
        .await;
    problem(missing, 422, "validation_error").await;
}

async fn the_refresh_token_is_stored_only_as_a_hash(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let body = app.signed_up_user().await;
    let token = body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let stored = app.strings("SELECT token_hash FROM refresh_tokens").await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0].len(), 64, "hex SHA-256");
}
