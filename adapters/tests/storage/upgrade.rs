//! Upgrading a database from before sessions: the sessions migration gives
//! every family that still had a live token a session, on both databases.

use std::{borrow::Cow, path::PathBuf};

use chrono::{Duration, SubsecRound, Utc};
use sqlx::migrate::Migrator;
use uuid::Uuid;

use crate::db::{test_database, Backend};
use crate::on_every_backend;

/// The first migration of sessions.
const SESSIONS_VERSION: i64 = 20261130000001;

on_every_backend!(a_database_from_before_sessions_gets_a_session_per_live_family);

/// The migrations of `dialect` older than `version`.
pub(crate) async fn migrations_before(dialect: &str, version: i64) -> Migrator {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../migrations/{dialect}"));
    let mut migrator = Migrator::new(dir).await.expect("migrations");
    let older = migrator
        .migrations
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect();
    migrator.migrations = Cow::Owned(older);
    migrator
}

/// Runs the old migrations on `$pool` and writes a user with three
/// families: one live, one revoked, one expired.
macro_rules! old_database {
    ($pool:expr, $dialect:expr, $user:expr, $families:expr, $now:expr) => {{
        let pool = $pool;
        migrations_before($dialect, SESSIONS_VERSION)
            .await
            .run(&pool)
            .await
            .expect("old migrations");
        sqlx::query(
            "INSERT INTO users (id, email, provider, password_hash, created_at) \
             VALUES ($1, 'old@example.com', 'local', '$2b$04$x', $2)",
        )
        .bind($user)
        .bind($now)
        .execute(&pool)
        .await
        .expect("user");
        let (live, revoked, expired) = $families;
        for (family, expires, revoked_at) in [
            (live, $now + Duration::days(1), None),
            (revoked, $now + Duration::days(1), Some($now)),
            (expired, $now - Duration::seconds(1), None),
        ] {
            sqlx::query(
                "INSERT INTO refresh_tokens \
                 (id, user_id, family_id, token_hash, created_at, expires_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind($user)
            .bind(family)
            .bind(Uuid::new_v4().simple().to_string())
            .bind($now - Duration::hours(1))
            .bind(expires)
            .bind(revoked_at)
            .execute(&pool)
            .await
            .expect("token");
        }
        pool.close().await;
    }};
}

async fn a_database_from_before_sessions_gets_a_session_per_live_family(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let now = Utc::now().trunc_subsecs(6);
    let user = Uuid::now_v7();
    let families = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
            old_database!(pool, "sqlite", user, families, now);
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
            old_database!(pool, "postgres", user, families, now);
        }
    }
    // The server's own start-up migrates the rest.
    let s = db.storage().await;
    let (live, revoked, expired) = families;
    let listed = s
        .refresh_tokens
        .live_sessions(user, now)
        .await
        .expect("list");
    let ids: Vec<Uuid> = listed.iter().map(|s| s.id).collect();
    assert_eq!(ids, [live]);
    assert_eq!(listed[0].created_at, now - Duration::hours(1));
    assert_eq!(
        (listed[0].ip.clone(), listed[0].user_agent.clone()),
        (None, None)
    );
    for (family, alive) in [(live, true), (revoked, false), (expired, false)] {
        let found = s
            .users
            .find_by_session(user, family, now)
            .await
            .expect("find");
        assert_eq!(found.is_some(), alive, "{family}");
    }
    assert!(s
        .refresh_tokens
        .end_session(user, live, now)
        .await
        .expect("end"));
}
