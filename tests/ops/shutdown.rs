//! Graceful shutdown of the real `nextarget` binary: SIGTERM in the middle
//! of a load of completions (whole and streamed, each held 300 ms by a slow
//! upstream) lets every request in flight finish, and every completion
//! answered 200 has its history row in the database afterwards. With
//! `server.drain_delay_secs`, SIGTERM turns `/ready` to 503 at once while
//! the instance keeps serving (closing each connection) until the delay ends.

use std::{
    process::Stdio,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};
use uuid::Uuid;

use crate::common::real_binary::{self, sigterm};
use wiremock::MockServer;

const UPSTREAM_DELAY: Duration = Duration::from_millis(300);
const CLIENTS: usize = 8;

async fn slow_upstream() -> MockServer {
    let server = MockServer::start().await;
    crate::common::canned_mistral::mount(&server, UPSTREAM_DELAY).await;
    server
}

/// Starts the binary and returns it with its base URL, read from the
/// "listening on http://..." line it prints.
async fn start_server(
    db_url: &str,
    upstream: &str,
    dir: &std::path::Path,
    extra_env: &[(&str, &str)],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nextarget"))
        .env_clear()
        .env("NEXTARGET_ENV", "test")
        .env(
            "JWT_SECRET_KEY",
            "shutdown-test-secret-0123456789-0123456789",
        )
        .env("DATABASE_URL", db_url)
        .env("NEXTARGET__SERVER__PORT", "0")
        .env("NEXTARGET__SERVER__SHUTDOWN_GRACE_SECS", "10")
        .env("NEXTARGET__LLM__PROVIDER", "mistral")
        .env("NEXTARGET__LLM__BASE_URL", upstream)
        .env("NEXTARGET__LLM__API_KEY", "test-key")
        .env("NEXTARGET__RATE_LIMIT__AI_REQUESTS_PER_MINUTE", "1000000")
        .envs(extra_env.iter().copied())
        .current_dir(dir)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stdout line") {
            if let Some(rest) = line.split("listening on ").nth(1) {
                return rest.split_whitespace().next().expect("address").to_owned();
            }
        }
        panic!("the binary exited before listening");
    })
    .await
    .expect("the binary listens within 60 s");
    // Keep draining stdout (the logs) so the child never blocks on it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, address)
}

/// The history id of a 200 answer (see `real_binary::answered_id`).
async fn answered_id(resp: reqwest::Response, streamed: bool) -> Option<Uuid> {
    if resp.status() != 200 {
        return None;
    }
    real_binary::answered_id(&resp.text().await.ok()?, streamed)
}

/// One client: completions one after another until the server is gone.
/// Returns the ids answered, and how many of them finished after SIGTERM;
/// `answered` counts them as they come.
async fn client_loop(
    address: String,
    token: String,
    streamed: bool,
    signalled: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
) -> (Vec<Uuid>, usize) {
    let client = reqwest::Client::new();
    let (mut ids, mut after_signal) = (Vec::new(), 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    for n in 0.. {
        if Instant::now() > deadline {
            break;
        }
        let sent = client
            .post(format!("{address}/ai/completions"))
            .bearer_auth(&token)
            .json(&json!({"prompt": format!("hello {n}"), "stream": streamed}))
            .send()
            .await;
        let Ok(resp) = sent else { break };
        let was_signalled = signalled.load(Ordering::SeqCst);
        match answered_id(resp, streamed).await {
            Some(id) => {
                ids.push(id);
                answered.fetch_add(1, Ordering::SeqCst);
                if was_signalled {
                    after_signal += 1;
                }
            }
            None => break,
        }
    }
    (ids, after_signal)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_load_drains_requests_and_loses_no_history() {
    let upstream = slow_upstream().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    let (mut child, address) = start_server(&db_url, &upstream.uri(), dir.path(), &[]).await;

    let register = reqwest::Client::new()
        .post(format!("{address}/auth/register"))
        .json(&json!({"email": "load@example.com", "password": crate::common::STRONG_PASSWORD, "provider": "local"}))
        .send()
        .await
        .expect("register");
    assert_eq!(register.status(), 201);
    let token = register.json::<Value>().await.expect("tokens")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    let signalled = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            tokio::spawn(client_loop(
                address.clone(),
                token.clone(),
                i % 2 == 1,
                signalled.clone(),
                answered.clone(),
            ))
        })
        .collect();
    // Two rounds of completions answered (counted, not timed), the next in
    // flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::SeqCst) < CLIENTS * 2 {
        assert!(Instant::now() < deadline, "the load stalled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signalled.store(true, Ordering::SeqCst);
    sigterm(&child);

    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the server stops within its grace")
        .expect("exit status");
    assert!(status.success(), "exit status {status}");

    let (mut ids, mut after_signal) = (Vec::new(), 0);
    for client in clients {
        let (answered, late) = client.await.expect("client task");
        ids.extend(answered);
        after_signal += late;
    }
    assert!(
        ids.len() >= CLIENTS,
        "only {} completions answered",
        ids.len()
    );
    assert!(
        after_signal > 0,
        "no request in flight at SIGTERM was allowed to finish"
    );

    let pool = sqlx::SqlitePool::connect(&db_url).await.expect("sqlite");
    let stored: Vec<String> = sqlx::query_scalar("SELECT lower(hex(id)) FROM interactions")
        .fetch_all(&pool)
        .await
        .expect("history rows");
    let missing: Vec<_> = ids
        .iter()
        .filter(|id| !stored.contains(&id.simple().to_string()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} answered completions have no history row: {missing:?}",
        missing.len(),
        ids.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_ready_503_at_once_and_serves_through_the_drain_delay() {
    let upstream = slow_upstream().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let extra = [("NEXTARGET__SERVER__DRAIN_DELAY_SECS", "2")];
    let (mut child, address) = start_server(&db_url, &upstream.uri(), dir.path(), &extra).await;
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{address}/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().get("connection").is_none());

    let signalled_at = Instant::now();
    sigterm(&child);
    // Not ready at once (the first answer after the signal is handled)...
    let ready = loop {
        let ready = client
            .get(format!("{address}/ready"))
            .send()
            .await
            .expect("ready");
        if ready.status() != 200 {
            break ready;
        }
        assert!(
            signalled_at.elapsed() < Duration::from_secs(1),
            "/ready stayed 200"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.headers()["connection"], "close");
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "draining");
    // ...while still serving, each answer closing its connection...
    let health = client
        .get(format!("{address}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["connection"], "close");
    assert!(
        signalled_at.elapsed() < Duration::from_secs(2),
        "checked too late"
    );
    // ...until the delay is over; then the process exits.
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the server stops after its drain delay")
        .expect("exit status");
    assert!(status.success(), "exit status {status}");
    assert!(
        signalled_at.elapsed() >= Duration::from_secs(2),
        "exited before the drain delay was over"
    );
    assert!(client
        .get(format!("{address}/health"))
        .send()
        .await
        .is_err());
}
