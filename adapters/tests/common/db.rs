//! A database of each test's own: a temporary SQLite file, or a fresh
//! PostgreSQL database on `NEXTARGET_TEST_POSTGRES_URL`; the Redis URL; and
//! [`skip`], the one way a test of either package skips. Outside CI a
//! missing URL skips its tests (the reason printed); under `CI=true` it is
//! a failure. The conformance suites here and the API tests of the root
//! package (`tests/common`) both include this file.
#![allow(dead_code)]

use std::io::Write;
use std::sync::Arc;

use nextarget_adapters::storage::{self, Storage};
use secrecy::SecretString;
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of the test's own (clones share it: a second instance). It
/// goes when the last clone does: the SQLite file with its directory, the
/// PostgreSQL database dropped.
#[derive(Clone)]
pub struct TestDb {
    pub url: String,
    _dir: Option<Arc<TempDir>>,
    _database: Option<Arc<DropDatabase>>,
}

/// Drops a test's PostgreSQL database when dropped (`WITH (FORCE)`: the
/// test's servers may still hold connections), so runs leave none behind.
struct DropDatabase {
    admin_url: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let admin_url = std::mem::take(&mut self.admin_url);
        let name = std::mem::take(&mut self.name);
        // A thread of its own: this may run inside the test's runtime,
        // which cannot block on another.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
                    )))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("test database not dropped; drop nextarget_test_* databases by hand");
        }
    }
}

impl TestDb {
    /// A database the test manages itself (e.g. on a cluster of its own).
    pub fn at(url: String) -> Self {
        Self {
            url,
            _dir: None,
            _database: None,
        }
    }

    /// Every storage port on this database, migrated (each call is another
    /// pool: another instance of the server).
    pub async fn storage(&self) -> Storage {
        storage::connect(&SecretString::from(self.url.clone()), 5)
            .await
            .expect("storage")
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
                _database: None,
            })
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("NEXTARGET_TEST_POSTGRES_URL") else {
                skip("NEXTARGET_TEST_POSTGRES_URL is unset, PostgreSQL tests not run");
                return None;
            };
            let name = format!("nextarget_test_{}", Uuid::new_v4().simple());
            let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("cannot reach PostgreSQL at NEXTARGET_TEST_POSTGRES_URL: {e}")
            });
            admin
                .execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
                .await
                .expect("create test database");
            let mut url =
                url::Url::parse(&admin_url).expect("NEXTARGET_TEST_POSTGRES_URL is a URL");
            url.set_path(&name);
            Some(TestDb {
                url: url.to_string(),
                _dir: None,
                _database: Some(Arc::new(DropDatabase { admin_url, name })),
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
            skip("NEXTARGET_TEST_REDIS_URL is unset, Redis tests not run");
            None
        }
    }
}

/// Marks the calling test as skipped for `reason`; the caller then returns
/// without asserting anything. Under `CI=true` it fails the test instead:
/// nothing may skip in CI. Otherwise it prints `skipped: <reason>` and, when
/// `NEXTARGET_SKIP_LOG` names a file, appends to it one line
/// `skipped<TAB><test binary><TAB><test name><TAB><reason>`, which `.ci/run`
/// reads to count the test as skipped rather than passed (libtest counts a
/// test that returns as passed, and does not show a passing test's output).
pub fn skip(reason: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true, and a test may not skip in CI: {reason}"
    );
    eprintln!("skipped: {reason}");
    if let Some(log) = std::env::var_os("NEXTARGET_SKIP_LOG") {
        let line = skip_log_line(reason);
        // One short write in append mode: lines of concurrent tests (and
        // test binaries) do not interleave.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut file| file.write_all(line.as_bytes()))
            .unwrap_or_else(|e| panic!("cannot append to NEXTARGET_SKIP_LOG={log:?}: {e}"));
    }
}

/// The line [`skip`] logs: the test binary's file name (as cargo's
/// `Running ... (<path>)` line shows it), the test's name (libtest names each
/// test's thread after it; `?` when not on a test thread), the reason.
fn skip_log_line(reason: &str) -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.file_name()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "?".to_owned());
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => name,
        _ => "?",
    };
    let reason = reason.replace(['\t', '\n'], " ");
    format!("skipped\t{binary}\t{test}\t{reason}\n")
}

/// Runs each named `async fn(Backend)` on SQLite and on PostgreSQL (the
/// calling module has `Backend` in scope, as its functions take one).
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Sqlite).await
            })+
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Postgres).await
            })+
        }
    };
}
