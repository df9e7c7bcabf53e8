//! `GET /users/me/export`: the user, their sessions and their whole history
//! as one JSON document, one export per user per minute; and a large
//! history exported in bounded memory, on both databases. A binary of its
//! own, so that no other test's allocations blur the memory measured.

#[path = "../common/mod.rs"]
mod common;

use serde_json::{json, Value};

use common::{problem, spawn_app, Backend, TestApp};

on_every_backend!(an_export_holds_the_user_their_sessions_and_their_whole_history);

async fn ask(app: &TestApp, token: &str, prompt: &str) -> Value {
    let resp = app
        .post_json_with_token("/ai/completions", token, &json!({"prompt": prompt}))
        .await;
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

async fn an_export_holds_the_user_their_sessions_and_their_whole_history(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = app.signed_up_user().await;
    let token = me["access_token"].as_str().expect("token");
    let other = app.new_user_token().await;
    ask(&app, &other, "not mine").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(ask(&app, token, &format!("question {n}")).await["id"].clone());
    }
    ids.reverse();
    let resp = app.get_with_token("/users/me/export", token).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .expect("content type")
        .starts_with("application/json"));
    let export: Value = resp.json().await.expect("one JSON document");
    assert_eq!(export["user"], me["user"]);
    let sessions = export["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["current"], true);
    let history = export["history"].as_array().expect("history");
    let exported: Vec<&Value> = history.iter().map(|row| &row["id"]).collect();
    assert_eq!(
        exported,
        ids.iter().collect::<Vec<_>>(),
        "newest first, mine only"
    );
    assert_eq!(history[0]["prompt"], "question 2");
    assert_eq!(history[0]["status"], "ok");
    // One export a minute.
    let again = app.get_with_token("/users/me/export", token).await;
    assert!(again.headers().contains_key("retry-after"));
    problem(again, 429, "rate_limited").await;
    // Another user's export is their own, and may start at once.
    let theirs: Value = app
        .get_with_token("/users/me/export", &other)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["history"].as_array().expect("history").len(), 1);
    let anonymous = app.get("/users/me/export").await;
    problem(anonymous, 401, "unauthorized").await;
}

/// Rows of the large history, each about 2.6 KB of JSON: some 147 MiB.
const ROWS: u64 = 60_000;
/// What the export may add to the process's resident memory, at most: a
/// quarter of the body. An export held whole would add at least the body.
const BOUND_MIB: f64 = 40.0;

/// The resident memory of this process (the server runs in it), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Copies `template` (one of the user's rows) `ROWS` times under new ids.
async fn grow_history(app: &TestApp, template: &str) {
    let columns = "user_id, kind, model, prompt, response, status, error_code, latency_ms, \
                   prompt_tokens, completion_tokens, total_tokens, created_at";
    if app.db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&app.db.url)
            .await
            .expect("sqlite");
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
             INSERT INTO interactions (id, {columns}) \
             SELECT randomblob(16), {columns} FROM interactions, n \
             WHERE interactions.id = (SELECT id FROM interactions WHERE prompt = '{template}')"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("rows");
    } else {
        let pool = sqlx::PgPool::connect(&app.db.url).await.expect("postgres");
        let sql = format!(
            "INSERT INTO interactions (id, {columns}) \
             SELECT gen_random_uuid(), {columns} FROM interactions, generate_series(1, {ROWS}) \
             WHERE interactions.id = (SELECT id FROM interactions WHERE prompt = '{template}')"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("rows");
    }
}

/// Streams the export away, counting its rows and bytes, and returns the
/// most resident memory grew above `baseline` meanwhile.
async fn export_and_measure(app: &TestApp, token: &str) -> (u64, usize, f64) {
    let baseline = rss_mib();
    let mut resp = app.get_with_token("/users/me/export", token).await;
    assert_eq!(resp.status(), 200);
    let (mut bytes, mut rows, mut peak) = (0usize, 0u64, 0.0f64);
    let marker = b"\"kind\":\"";
    let mut tail: Vec<u8> = Vec::new();
    let mut first = true;
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        if first {
            assert!(chunk.starts_with(b"{\"user\":"), "the head first");
            first = false;
        }
        bytes += chunk.len();
        // A row's marker may straddle two chunks: keep the last bytes.
        tail.extend_from_slice(&chunk);
        rows += tail.windows(marker.len()).filter(|w| *w == marker).count() as u64;
        let keep = tail.len().min(marker.len() - 1);
        tail.drain(..tail.len() - keep);
        peak = peak.max(rss_mib() - baseline);
    }
    assert!(tail.ends_with(b"]}"), "the export is whole");
    (rows, bytes, peak)
}

#[tokio::test]
async fn a_large_history_is_exported_in_bounded_memory_on_both_databases() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = spawn_app(backend).await else {
            continue;
        };
        let token = app.new_user_token().await;
        let template = format!("template {}", "x".repeat(2_000));
        ask(&app, &token, &template).await;
        grow_history(&app, &template).await;
        let (rows, bytes, grew) = export_and_measure(&app, &token).await;
        eprintln!(
            "{backend:?}: {rows} rows, {} MiB exported, resident memory grew {grew:.1} MiB at most",
            bytes / (1024 * 1024)
        );
        assert_eq!(rows, ROWS + 1);
        assert!(bytes > 140 * 1024 * 1024, "{bytes} bytes");
        assert!(grew < BOUND_MIB, "grew {grew:.1} MiB for {bytes} bytes");
    }
}
