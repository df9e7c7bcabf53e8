//! Instances started at the same moment on one empty database: migrations
//! run once (sqlx takes PostgreSQL's migration advisory lock), both come up,
//! and `nextarget migrate` run twice at once succeeds twice.

use std::process::Command;

use futures::future::join_all;
use nextarget::{app::Application, config};

use crate::common::{test_database, Backend};

#[tokio::test]
async fn two_instances_started_at_once_on_an_empty_postgres_database_both_come_up() {
    let Some(db) = test_database(Backend::Postgres).await else {
        return;
    };
    let builds = (0..2).map(|_| {
        let settings =
            config::load_for_tests(&[("database.url", db.url.as_str())]).expect("settings");
        Application::build(settings)
    });
    let apps = join_all(builds).await;
    for app in &apps {
        assert!(app.is_ok(), "{:?}", app.as_ref().err());
    }
    let servers: Vec<_> = apps.into_iter().flatten().collect();
    let client = reqwest::Client::new();
    for app in servers {
        let port = app.port();
        tokio::spawn(app.run_until(std::future::pending()));
        let ready = client
            .get(format!("http://127.0.0.1:{port}/ready"))
            .send()
            .await
            .expect("ready");
        assert_eq!(ready.status(), 200);
    }
}

#[tokio::test]
async fn migrate_run_twice_at_once_succeeds_twice() {
    let Some(db) = test_database(Backend::Postgres).await else {
        return;
    };
    let runs: Vec<_> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_nextarget"))
                .arg("migrate")
                .env_clear()
                .env("NEXTARGET_ENV", "development")
                .env("DATABASE_URL", &db.url)
                .spawn()
                .expect("migrate starts")
        })
        .collect();
    for mut run in runs {
        let status = tokio::task::spawn_blocking(move || run.wait())
            .await
            .expect("join")
            .expect("exit");
        assert!(status.success(), "{status}");
    }
}
