//! `cargo bench --bench load -- export`: the memory of `GET
//! /users/me/export` for one user with `EXPORT_ROWS` history rows (default
//! 1,000,000), on SQLite and on PostgreSQL (when
//! NEXTARGET_TEST_POSTGRES_URL is set): the server's resident memory (its
//! own process, from /proc) before the export and at most during it,
//! sampled every 10 ms while the client reads the body and drops it.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use reqwest::Client;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::server::ServerProcess;

const SAMPLE: Duration = Duration::from_millis(10);

/// The columns copied from the template row.
const COLUMNS: &str = "user_id, kind, model, prompt, response, status, error_code, latency_ms, \
                       prompt_tokens, completion_tokens, total_tokens, created_at";

/// Makes `rows` copies of the user's one row (`prompt = 'template'`).
async fn grow_history(database_url: &str, rows: u64) {
    let select = "(SELECT id FROM interactions WHERE prompt LIKE 'template%')";
    if database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(database_url)
            .await
            .expect("sqlite");
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
             INSERT INTO interactions (id, {COLUMNS}) \
             SELECT randomblob(16), {COLUMNS} FROM interactions, n WHERE interactions.id = {select}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("rows");
    } else {
        let pool = sqlx::PgPool::connect(database_url).await.expect("postgres");
        let sql = format!(
            "INSERT INTO interactions (id, {COLUMNS}) \
             SELECT gen_random_uuid(), {COLUMNS} FROM interactions, generate_series(1, {rows}) \
             WHERE interactions.id = {select}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("rows");
    }
}

/// One database's measure, printed and returned as JSON.
pub async fn export(client: &Client, database_url: &str, stub: &str, rows: u64) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Arc::new(ServerProcess::start(database_url, stub, dir.path()));
    let base = server.address.clone();
    let email = format!("export-{}@example.com", Uuid::new_v4().simple());
    let token = server
        .sign_up(client, &email, "tundra-Velvet-93-orbit")
        .await;
    let prompt = format!(
        "template: {}",
        "How do I keep running when it rains? ".repeat(5)
    );
    let answered = client
        .post(format!("{base}/ai/completions"))
        .bearer_auth(&token)
        .json(&json!({"prompt": prompt}))
        .send()
        .await
        .expect("completion");
    assert_eq!(answered.status(), 200);
    let filling = Instant::now();
    grow_history(database_url, rows - 1).await;
    eprintln!(
        "export: {rows} rows written in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_mib();
    let peak = Arc::new(Mutex::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (server, peak, done) = (server.clone(), peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let rss = server.rss_mib();
                let mut max = peak.lock().unwrap_or_else(|e| e.into_inner());
                *max = max.max(rss);
                drop(max);
                std::thread::sleep(SAMPLE);
            }
        })
    };
    let started = Instant::now();
    let mut resp = client
        .get(format!("{base}/users/me/export"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), 200);
    let mut bytes = 0usize;
    let mut last = Vec::new();
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        bytes += chunk.len();
        last = chunk.to_vec();
    }
    let secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    assert!(last.ends_with(b"]}"), "the export is whole");
    let during = *peak.lock().unwrap_or_else(|e| e.into_inner());
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "| {rows} | {mib:.0} MiB | {secs:.1} s ({:.0} MiB/s) | {before:.1} MiB | {during:.1} MiB | {:+.1} MiB |",
        mib / secs,
        during - before
    );
    json!({
        "rows": rows, "bytes": bytes, "secs": secs,
        "rss_mib": {"before": before, "peak_during": during, "grew": during - before},
    })
}
