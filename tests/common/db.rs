//! A database of each test's own: a temporary SQLite file, or a fresh
//! PostgreSQL database on `NEXTARGET_TEST_POSTGRES_URL`; and the Redis URL.

use std::sync::Arc;

use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of the test's own (clones share it: a second instance).
#[derive(Clone)]
pub struct TestDb {
    pub url: String,
    _dir: Option<Arc<TempDir>>,
}

impl TestDb {
    /// A database the test manages itself (e.g. on a cluster of its own).
    pub fn at(url: String) -> Self {
        Self { url, _dir: None }
    }
}

/// A fresh database on `backend`, or `None` (with the reason printed) when
/// PostgreSQL is not configured outside CI.
pub async fn test_database(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            Some(TestDb {
                url,
                _dir: Some(Arc::new(dir)),
            })
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("NEXTARGET_TEST_POSTGRES_URL") else {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true but NEXTARGET_TEST_POSTGRES_URL is unset: PostgreSQL tests must run in CI"
                );
                eprintln!(
                    "skipped: NEXTARGET_TEST_POSTGRES_URL is unset, PostgreSQL tests not run"
                );
                return None;
            };
            let name = format!("nextarget_test_{}", Uuid::new_v4().simple());
            let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("cannot reach PostgreSQL at NEXTARGET_TEST_POSTGRES_URL: {e}")
            });
            admin
                .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
                .await
                .expect("create test database");
            let mut url =
                url::Url::parse(&admin_url).expect("NEXTARGET_TEST_POSTGRES_URL is a URL");
            url.set_path(&name);
            Some(TestDb {
                url: url.to_string(),
                _dir: None,
            })
        }
    }
}

/// The Redis of the tests, or `None` (with the reason printed) when
/// `NEXTARGET_TEST_REDIS_URL` is unset outside CI.
pub fn redis_url() -> Option<String> {
    match std::env::var("NEXTARGET_TEST_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but NEXTARGET_TEST_REDIS_URL is unset: Redis tests must run in CI"
            );
            eprintln!("skipped: NEXTARGET_TEST_REDIS_URL is unset, Redis tests not run");
            None
        }
    }
}
