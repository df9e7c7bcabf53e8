//! The real binary with `telemetry.otlp_endpoint` on a port nobody listens
//! on: completions answer as ever, the JSON log lines carry the caller's
//! `trace_id`, and SIGTERM still stops it promptly (the last export is
//! bounded).

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
    sync::mpsc,
};
use uuid::Uuid;

use crate::{
    common::{real_binary::sigterm, refusing::Refusing, test_database, Backend},
    mistral::mistral,
};

#[tokio::test]
async fn with_the_collector_down_requests_are_unaffected_and_logs_carry_the_trace_id() {
    let Some(db) = test_database(Backend::Sqlite).await else {
        return;
    };
    let upstream = mistral().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let collector = Refusing::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nextarget"))
        .env_clear()
        .env("NEXTARGET_ENV", "test")
        .env("JWT_SECRET_KEY", "traces-test-secret-0123456789-0123456789")
        .env("DATABASE_URL", &db.url)
        .env("NEXTARGET__SERVER__PORT", "0")
        .env("NEXTARGET__LLM__PROVIDER", "mistral")
        .env("NEXTARGET__LLM__BASE_URL", upstream.uri())
        .env("NEXTARGET__LLM__API_KEY", "test-key")
        .env("NEXTARGET__RATE_LIMIT__AI_REQUESTS_PER_MINUTE", "1000000")
        .env("NEXTARGET__TELEMETRY__OTLP_ENDPOINT", collector.url("http"))
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    // Every stdout line (the logs, JSON in `test`), read as it comes.
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, mut lines) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            let _ = lines_tx.send(line);
        }
    });
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.recv().await {
            if let Some(rest) = line.split("listening on ").nth(1) {
                return rest.split_whitespace().next().expect("address").to_owned();
            }
        }
        panic!("the binary exited before listening");
    })
    .await
    .expect("the binary listens within 60 s");

    let http = reqwest::Client::new();
    let email = format!("user-{}@example.com", Uuid::new_v4().simple());
    let signed_up: Value = http
        .post(format!("{address}/auth/register"))
        .json(&json!({"email": email, "password": crate::common::STRONG_PASSWORD}))
        .send()
        .await
        .expect("sign up")
        .json()
        .await
        .expect("tokens");
    let token = signed_up["access_token"].as_str().expect("access token");
    let trace_id = Uuid::new_v4().simple().to_string();
    let started = Instant::now();
    for _ in 0..20 {
        let resp = tokio::time::timeout(
            Duration::from_secs(10),
            http.post(format!("{address}/ai/completions"))
                .bearer_auth(token)
                .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
                .json(&json!({"prompt": "hi"}))
                .send(),
        )
        .await
        .expect("answered while the collector is down")
        .expect("response");
        assert_eq!(resp.status(), 200);
    }
    eprintln!(
        "20 completions with the collector down: {:?}",
        started.elapsed()
    );

    // The access log of those requests names the caller's trace.
    let logged = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = lines.recv().await {
            if line.contains("request completed") && line.contains("/ai/completions") {
                return line;
            }
        }
        panic!("no access log line");
    })
    .await
    .expect("an access log line");
    let entry: Value = serde_json::from_str(&logged).expect("a JSON log line");
    assert_eq!(entry["spans"][0]["trace_id"], trace_id.as_str(), "{logged}");

    // Stopping flushes within its bound, collector or not.
    let stopping = Instant::now();
    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("stops within 30 s")
        .expect("exit status");
    assert!(status.success(), "{status:?}");
    assert!(
        stopping.elapsed() < Duration::from_secs(20),
        "{:?}",
        stopping.elapsed()
    );
}
