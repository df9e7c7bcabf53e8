//! One `nextarget` process of the cluster: started on a fixed port (so the
//! balancer's upstream address stays valid across restarts), killed,
//! stopped, started again.

use std::{process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    time::Instant,
};

/// What every instance shares: the database, Redis, the upstream, the
/// JWT secret.
#[derive(Clone)]
pub struct Shared {
    pub database_url: String,
    pub redis_url: String,
    pub redis_prefix: String,
    pub upstream: String,
    pub ai_requests_per_minute: u32,
    pub drain_delay_secs: u64,
}

pub struct Instance {
    pub name: &'static str,
    pub port: u16,
    shared: Shared,
    child: Option<Child>,
}

impl Instance {
    pub fn new(name: &'static str, port: u16, shared: Shared) -> Self {
        Self {
            name,
            port,
            shared,
            child: None,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the release binary and waits until `/ready` answers 200.
    pub async fn start(&mut self) {
        let shared = &self.shared;
        let mut child = Command::new(env!("CARGO_BIN_EXE_nextarget"))
            .env_clear()
            .env("NEXTARGET_ENV", "test")
            .env(
                "JWT_SECRET_KEY",
                "cluster-test-secret-0123456789-0123456789",
            )
            .env("DATABASE_URL", &shared.database_url)
            .env("NEXTARGET__SERVER__PORT", self.port.to_string())
            .env("NEXTARGET__SERVER__TRUSTED_PROXIES", "127.0.0.1")
            .env("NEXTARGET__SERVER__SHUTDOWN_GRACE_SECS", "10")
            .env(
                "NEXTARGET__SERVER__DRAIN_DELAY_SECS",
                shared.drain_delay_secs.to_string(),
            )
            .env("NEXTARGET__LLM__PROVIDER", "mistral")
            .env("NEXTARGET__LLM__BASE_URL", &shared.upstream)
            .env("NEXTARGET__LLM__API_KEY", "cluster-test-key")
            .env("NEXTARGET__RATE_LIMIT__BACKEND", "redis")
            .env("NEXTARGET__RATE_LIMIT__REDIS_URL", &shared.redis_url)
            .env("NEXTARGET__RATE_LIMIT__REDIS_PREFIX", &shared.redis_prefix)
            .env(
                "NEXTARGET__RATE_LIMIT__AI_REQUESTS_PER_MINUTE",
                shared.ai_requests_per_minute.to_string(),
            )
            .env("NEXTARGET__LOG__LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the nextarget binary starts");
        let stdout = child.stdout.take().expect("stdout");
        // Drain the logs so the child never blocks on a full pipe.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(_)) = lines.next_line().await {}
        });
        wait_ready(
            &format!("instance {}", self.name),
            &mut child,
            &self.url(),
            Duration::from_secs(60),
        )
        .await;
        self.child = Some(child);
    }

    /// SIGKILL, and wait for the process to be gone.
    pub async fn kill(&mut self) {
        let mut child = self.child.take().expect("a running instance");
        child.kill().await.expect("SIGKILL");
    }

    /// Sends SIGTERM; the process then drains and exits on its own
    /// ([`Instance::wait_exit`]).
    pub fn terminate(&self) {
        crate::real_binary::sigterm(self.child.as_ref().expect("a running instance"));
    }

    /// Waits for the process to exit after SIGTERM; panics unless it exits 0
    /// within `limit`.
    pub async fn wait_exit(&mut self, limit: Duration) {
        let mut child = self.child.take().expect("a running instance");
        let status = tokio::time::timeout(limit, child.wait())
            .await
            .unwrap_or_else(|_| panic!("instance {} still running after {limit:?}", self.name))
            .expect("exit status");
        assert!(
            status.success(),
            "instance {} exited with {status}",
            self.name
        );
    }
}

/// A free port on 127.0.0.1 (taken, then released for the instance).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Polls `{base}/ready` until it answers 200; panics if `child` (called
/// `what`) exits first or `limit` passes.
pub async fn wait_ready(what: &str, child: &mut Child, base: &str, limit: Duration) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + limit;
    loop {
        let ready = client.get(format!("{base}/ready")).send().await;
        if matches!(&ready, Ok(r) if r.status() == 200) {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited while starting: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} not ready within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
