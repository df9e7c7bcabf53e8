//! Many writers at once: unique emails hold under a race, SQLite never lets
//! `database is locked` reach a client, and no write is lost.

use futures::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{
    problem, spawn_app_with, spawn_instance, test_database, Backend, STRONG_PASSWORD,
};
use crate::on_every_backend;

const HIGH_LIMIT: (&str, &str) = ("rate_limit.ai_requests_per_minute", "100000");

on_every_backend!(
    two_hundred_sign_ups_for_twenty_emails_make_twenty_users_and_180_conflicts,
    a_hundred_concurrent_completions_by_one_user_leave_a_hundred_rows,
);

async fn two_hundred_sign_ups_for_twenty_emails_make_twenty_users_and_180_conflicts(
    backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let run = Uuid::new_v4().simple().to_string();
    let emails: Vec<String> = (0..20)
        .map(|i| format!("race-{i}-{run}@example.com"))
        .collect();
    let responses =
        join_all((0..200).map(|i| app.register(&emails[i % 20], STRONG_PASSWORD))).await;
    let mut created = 0;
    for resp in responses {
        if resp.status() == 201 {
            created += 1;
        } else {
            problem(resp, 409, "email_taken").await;
        }
    }
    assert_eq!(created, 20, "one account per email");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 20);
    for email in &emails {
        assert_eq!(app.login(email, STRONG_PASSWORD).await.status(), 200);
    }
}

async fn a_hundred_concurrent_completions_by_one_user_leave_a_hundred_rows(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[HIGH_LIMIT]).await else {
        return;
    };
    let token = app.new_user_token().await;
    let body = json!({"prompt": "how do I run faster?"});
    let responses =
        join_all((0..100).map(|_| app.post_json_with_token("/ai/completions", &token, &body)))
            .await;
    let mut ids = Vec::new();
    for resp in responses {
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.expect("json");
        ids.push(body["id"].as_str().expect("id").to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100, "distinct ids");
    assert_eq!(app.count("SELECT COUNT(*) FROM interactions").await, 100);
}

/// 25 sign-ups and 25 completions at once, through two server instances
/// (two pools) on one SQLite file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_writers_on_one_sqlite_file_get_no_database_is_locked_and_lose_nothing() {
    let db = test_database(Backend::Sqlite).await.expect("sqlite");
    let a = spawn_instance(&db, &[HIGH_LIMIT], None).await;
    let b = spawn_instance(&db, &[HIGH_LIMIT], None).await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(a.new_user_token().await);
    }
    let (a, b, tokens) = (&a, &b, &tokens);
    let signups = (0..25).map(|i| async move {
        let app = if i % 2 == 0 { a } else { b };
        let email = format!("writer-{i}-{}@example.com", Uuid::new_v4().simple());
        app.register(&email, STRONG_PASSWORD).await
    });
    let completions = (0..25).map(|i| async move {
        let app = if i % 2 == 0 { b } else { a };
        let body = json!({"prompt": format!("writer {i}")});
        app.post_json_with_token("/ai/completions", &tokens[i % tokens.len()], &body)
            .await
    });
    let (signups, completions) = tokio::join!(join_all(signups), join_all(completions));
    for (resp, expected) in signups
        .into_iter()
        .map(|r| (r, 201))
        .chain(completions.into_iter().map(|r| (r, 200)))
    {
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        assert!(!text.contains("locked"), "{text}");
        assert_eq!(status, expected, "{text}");
    }
    assert_eq!(a.count("SELECT COUNT(*) FROM users").await, 30);
    assert_eq!(a.count("SELECT COUNT(*) FROM interactions").await, 25);
}
