//! Redis stopped under load, on a `redis-server` of the test's own, with two
//! instances sharing it: limits fall back to per-instance memory (documented
//! fail-soft), requests stay fast, `/ready` reports Redis down, and shared
//! limits come back with Redis.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::json;
use tempfile::TempDir;
use uuid::Uuid;

use crate::common::{problem, spawn_instance, test_database, Backend, TestApp};
use crate::support::{ready, required, timed, wait_for_socket, wait_ready, SLACK};
use nextarget_adapters::clock::ManualClock;

const LIMIT: usize = 6;

/// The longest the Redis limiter waits on Redis per call (its `TIMEOUT`,
/// in adapters/src/limits/redis.rs) before the fallback answers.
const REDIS_CALL: Duration = Duration::from_millis(500);
/// A completion asks the limiter once (its budget).
const ASK_BOUND: Duration = REDIS_CALL.saturating_add(SLACK);
/// A failed login asks it up to 4 times: the account's and the IP's failure
/// counts, read, then each recorded.
const LOGIN_BOUND: Duration = REDIS_CALL.saturating_mul(4).saturating_add(SLACK);

/// A completion on `app`: its status, asserting it took under `ASK_BOUND`.
async fn ask(app: &TestApp, token: &str) -> u16 {
    let body = json!({"prompt": "hi"});
    let (resp, took) = timed(app.post_json_with_token("/ai/completions", token, &body)).await;
    assert!(took < ASK_BOUND, "a request took {took:?}");
    let status = resp.status().as_u16();
    if status == 429 {
        problem(resp, 429, "rate_limited").await;
    } else {
        assert_eq!(status, 200);
    }
    status
}

/// How many of `n` requests on each instance, in turn, were admitted.
async fn admitted(a: &TestApp, b: &TestApp, token: &str, n: usize) -> (usize, usize) {
    let (mut on_a, mut on_b) = (0, 0);
    for _ in 0..n {
        on_a += usize::from(ask(a, token).await == 200);
        on_b += usize::from(ask(b, token).await == 200);
    }
    (on_a, on_b)
}

/// Completions and failed logins on both instances until `stop`; every
/// answer is served (200, 429, 401) within its bound.
async fn load(apps: [Arc<TestApp>; 2], token: String, stop: Arc<AtomicBool>) -> usize {
    let mut served = 0;
    let email = format!("victim-{}@example.com", Uuid::new_v4().simple());
    while !stop.load(Ordering::Relaxed) {
        for app in &apps {
            ask(app, &token).await;
            let (resp, took) = timed(app.login(&email, "wrong-password-123")).await;
            assert!(took < LOGIN_BOUND, "a login took {took:?}");
            assert!(matches!(resp.status().as_u16(), 401 | 429), "{resp:?}");
            served += 2;
        }
    }
    served
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_under_load_falls_back_to_per_instance_limits_and_recovers() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let db = test_database(Backend::Sqlite).await.expect("sqlite");
    let url = redis.url();
    let prefix = format!("faults-{}:", Uuid::new_v4().simple());
    let limit = LIMIT.to_string();
    let settings = [
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", url.as_str()),
        ("rate_limit.redis_prefix", prefix.as_str()),
        ("rate_limit.ai_requests_per_minute", limit.as_str()),
    ];
    // One clock for both: the budget does not refill during the test.
    let clock = ManualClock::starting_now();
    let a = Arc::new(spawn_instance(&db, &settings, Some(clock.clone())).await);
    let b = Arc::new(spawn_instance(&db, &settings, Some(clock)).await);
    assert_eq!(ready(&a).await.0, 200);

    // Shared: one budget across both instances.
    let user = a.new_user_token().await;
    assert_eq!(admitted(&a, &b, &user, LIMIT).await, (LIMIT / 2, LIMIT / 2));

    let stop = Arc::new(AtomicBool::new(false));
    let loader = a.new_user_token().await;
    let running = tokio::spawn(load([a.clone(), b.clone()], loader, stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.stop();

    // Fail-soft: served, limited per instance, reported by /ready.
    let (status, body) = ready(&a).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["redis"], "unavailable", "{body}");
    assert_eq!(body["checks"]["database"], "ok", "{body}");
    let user = a.new_user_token().await;
    assert_eq!(admitted(&a, &b, &user, LIMIT + 1).await, (LIMIT, LIMIT));

    redis.restart().await;
    wait_ready(&a, 200, Duration::from_secs(15)).await;
    wait_ready(&b, 200, Duration::from_secs(15)).await;
    stop.store(true, Ordering::Relaxed);
    let served = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("no request hangs")
        .expect("load");
    assert!(served > 0);

    // Shared again.
    let user = a.new_user_token().await;
    assert_eq!(admitted(&a, &b, &user, LIMIT).await, (LIMIT / 2, LIMIT / 2));
}

/// A `redis-server` child process of the test's own, without persistence,
/// listening only on a Unix socket in a dir of its own: no TCP port to
/// pick, so none another process can take between picking it and a
/// (re)start.
pub struct RedisServer {
    child: Option<Child>,
    dir: TempDir,
}

impl RedisServer {
    /// Starts one, or `None` when `redis-server` is missing.
    pub async fn start() -> Option<Self> {
        let found = Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        required(found.then_some(()), "redis-server")?;
        let mut server = Self {
            child: None,
            dir: tempfile::tempdir().expect("temp dir"),
        };
        server.restart().await;
        Some(server)
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// Starts it (again) on the same socket.
    pub async fn restart(&mut self) {
        let socket = self.socket();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args(["--unixsocketperm", "700"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        wait_for_socket(&socket, Duration::from_secs(15)).await;
    }

    /// Kills it and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
