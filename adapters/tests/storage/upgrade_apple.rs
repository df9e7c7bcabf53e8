//! Upgrading a database from before Sign in with Apple: the migration that
//! lets users and OAuth states have provider `apple` keeps every row of
//! every table (SQLite rebuilds `users` under the rows that reference it),
//! and the rebuilt tables keep their indexes and their foreign keys.

use chrono::{Duration, SubsecRound, Utc};
use nextarget_ports::{Email, NewUser, OAuthStateRecord, PasswordHash, Provider, StoreError};
use uuid::Uuid;

use crate::db::{test_database, Backend};
use crate::on_every_backend;
use crate::upgrade::migrations_before;

/// The migration that adds `apple`.
const APPLE_VERSION: i64 = 20261130000003;

on_every_backend!(a_database_from_before_apple_keeps_every_row_and_takes_apple_accounts);

/// Two users of the old database, each with a refresh token, a session and
/// an interaction; the session id is the token's family.
struct OldRows {
    local: Uuid,
    google: Uuid,
    local_family: Uuid,
    google_family: Uuid,
}

/// Runs the migrations before Apple's on `$pool` and writes `$rows` (and
/// one pending Google state, `old-state`) as the old server would have.
macro_rules! old_database {
    ($pool:expr, $dialect:expr, $rows:expr, $now:expr) => {{
        let pool = $pool;
        let rows: &OldRows = $rows;
        let now = $now;
        migrations_before($dialect, APPLE_VERSION)
            .await
            .run(&pool)
            .await
            .expect("old migrations");
        for (user, email, provider, subject, family) in [
            (rows.local, "old@example.com", "local", None, rows.local_family),
            (
                rows.google,
                "old@gmail.example",
                "google",
                Some("google-sub-old"),
                rows.google_family,
            ),
        ] {
            sqlx::query(
                "INSERT INTO users (id, email, provider, provider_subject, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(user)
            .bind(email)
            .bind(provider)
            .bind(subject)
            .bind(subject.is_none().then_some("$2b$04$x"))
            .bind(now)
            .execute(&pool)
            .await
            .expect("user");
            sqlx::query(
                "INSERT INTO refresh_tokens \
                 (id, user_id, family_id, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(user)
            .bind(family)
            .bind(Uuid::new_v4().simple().to_string())
            .bind(now - Duration::hours(1))
            .bind(now + Duration::days(1))
            .execute(&pool)
            .await
            .expect("token");
            sqlx::query(
                "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, ip) \
                 VALUES ($1, $2, $3, $4, $5, '203.0.113.7')",
            )
            .bind(family)
            .bind(user)
            .bind(now - Duration::hours(1))
            .bind(now)
            .bind(now + Duration::days(1))
            .execute(&pool)
            .await
            .expect("session");
            sqlx::query(
                "INSERT INTO interactions \
                 (id, user_id, kind, model, prompt, response, status, latency_ms, created_at) \
                 VALUES ($1, $2, 'completion', 'm', 'old prompt', 'old answer', 'ok', 12, $3)",
            )
            .bind(Uuid::now_v7())
            .bind(user)
            .bind(now)
            .execute(&pool)
            .await
            .expect("interaction");
        }
        sqlx::query(
            "INSERT INTO oauth_states (state, provider, nonce, pkce_verifier, expires_at) \
             VALUES ('old-state', 'google', 'n', 'v', $1)",
        )
        .bind(now + Duration::minutes(5))
        .execute(&pool)
        .await
        .expect("state");
        pool.close().await;
    }};
}

/// The rows of `$table` that belong to `$user`, on the upgraded database.
macro_rules! rows_of {
    ($pool:expr, $table:literal, $user:expr) => {{
        let count: i64 = sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM ",
            $table,
            " WHERE user_id = $1"
        ))
        .bind($user)
        .fetch_one($pool)
        .await
        .expect("count");
        count
    }};
}

/// How many rows of refresh_tokens, sessions and interactions `$user` has.
macro_rules! children {
    ($pool:expr, $user:expr) => {
        (
            rows_of!($pool, "refresh_tokens", $user),
            rows_of!($pool, "sessions", $user),
            rows_of!($pool, "interactions", $user),
        )
    };
}

async fn a_database_from_before_apple_keeps_every_row_and_takes_apple_accounts(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let now = Utc::now().trunc_subsecs(6);
    let rows = OldRows {
        local: Uuid::now_v7(),
        google: Uuid::now_v7(),
        local_family: Uuid::now_v7(),
        google_family: Uuid::now_v7(),
    };
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
            old_database!(pool, "sqlite", &rows, now);
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
            old_database!(pool, "postgres", &rows, now);
        }
    }
    // The server's own start-up migrates the rest.
    let s = db.storage().await;

    // Every old row is there, and reads as before.
    for (user, family) in [
        (rows.local, rows.local_family),
        (rows.google, rows.google_family),
    ] {
        let found = s.users.find_by_session(user, family, now).await;
        assert!(found.expect("find").is_some(), "{user}: user and session");
        let sessions = s.refresh_tokens.live_sessions(user, now).await;
        let ids: Vec<Uuid> = sessions.expect("list").iter().map(|x| x.id).collect();
        assert_eq!(ids, [family]);
        let history = s.interactions.list_for_user(user, None, 10).await;
        assert_eq!(history.expect("history").len(), 1);
    }
    let google = s
        .users
        .find_by_subject(Provider::Google, "google-sub-old")
        .await
        .expect("find");
    assert_eq!(google.map(|u| u.id), Some(rows.google));
    let state = s.oauth_states.take("old-state", now).await.expect("take");
    assert_eq!(state.map(|r| r.provider), Some(Provider::Google));

    // The rebuilt users table keeps its unique indexes.
    let again = NewUser {
        id: Uuid::now_v7(),
        email: Email::parse("old@example.com").expect("email"),
        provider: Provider::Local,
        provider_subject: None,
        password_hash: Some(PasswordHash::new("$2b$04$y".into())),
        created_at: now,
    };
    let err = s.users.create(&again).await.err();
    assert!(matches!(err, Some(StoreError::Duplicate(_))), "{err:?}");

    // Apple accounts and Apple states are accepted now.
    let apple = NewUser {
        id: Uuid::now_v7(),
        email: Email::parse("x1@privaterelay.appleid.com").expect("email"),
        provider: Provider::Apple,
        provider_subject: Some("001234.abc.0987".into()),
        password_hash: None,
        created_at: now,
    };
    s.users.create(&apple).await.expect("apple user");
    let found = s
        .users
        .find_by_subject(Provider::Apple, "001234.abc.0987")
        .await
        .expect("find");
    assert_eq!(found.map(|u| u.provider), Some(Provider::Apple));
    let record = OAuthStateRecord {
        state: "apple-state".into(),
        provider: Provider::Apple,
        nonce: "n".into(),
        pkce_verifier: "v".repeat(43),
        app: None,
        expires_at: now + Duration::minutes(10),
    };
    s.oauth_states.put(&record, now).await.expect("apple state");
    let taken = s.oauth_states.take("apple-state", now).await.expect("take");
    assert_eq!(taken.map(|r| r.provider), Some(Provider::Apple));

    // The other tables still reference users: deleting a user takes its
    // rows with it (ON DELETE CASCADE), and only its own.
    assert!(s.users.delete(rows.local).await.expect("delete"));
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
            assert_eq!(children!(&pool, rows.local), (0, 0, 0));
            assert_eq!(children!(&pool, rows.google), (1, 1, 1));
            let broken: Vec<(String,)> =
                sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                    .fetch_all(&pool)
                    .await
                    .expect("foreign_key_check");
            assert!(broken.is_empty(), "{broken:?}");
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
            assert_eq!(children!(&pool, rows.local), (0, 0, 0));
            assert_eq!(children!(&pool, rows.google), (1, 1, 1));
        }
    }
}
