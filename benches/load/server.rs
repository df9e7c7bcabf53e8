//! The server under test: the release `nextarget` binary as a child
//! process (so its memory is its own), production-like logs (JSON, info)
//! read and dropped, the LLM pointed at the stub. `LOAD_OTLP_DOWN=1` turns
//! traces on towards a collector that is down (a closed port), to measure
//! what export costs a request when nobody receives it.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

pub const BCRYPT_COST: &str = "10";

pub struct ServerProcess {
    child: Child,
    pub address: String,
}

impl ServerProcess {
    pub fn start(database_url: &str, llm_base_url: &str, dir: &std::path::Path) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nextarget"));
        if std::env::var_os("LOAD_OTLP_DOWN").is_some() {
            command.env("NEXTARGET__TELEMETRY__OTLP_ENDPOINT", closed_port_url());
        }
        let mut child = command
            .env("NEXTARGET_ENV", "test")
            .env("JWT_SECRET_KEY", "bench-only-secret-0123456789-0123456789")
            .env("DATABASE_URL", database_url)
            .env("NEXTARGET__SERVER__PORT", "0")
            .env("NEXTARGET__DATABASE__MAX_CONNECTIONS", "10")
            .env("NEXTARGET__AUTH__BCRYPT_COST", BCRYPT_COST)
            .env("NEXTARGET__LLM__PROVIDER", "mistral")
            .env("NEXTARGET__LLM__BASE_URL", llm_base_url)
            .env("NEXTARGET__LLM__API_KEY", "bench-key")
            .env(
                "NEXTARGET__RATE_LIMIT__AI_REQUESTS_PER_MINUTE",
                "2000000000",
            )
            .env("NEXTARGET__LOG__FORMAT", "json")
            .env("NEXTARGET__LOG__LEVEL", "info")
            .env_remove("RUST_LOG")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the nextarget binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the server exited before listening")
                .expect("stdout line");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
        };
        // The logs: read and dropped, as a log shipper would.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, address }
    }

    fn status_kb(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Signs a new user up; returns their access token.
    pub async fn sign_up(&self, client: &reqwest::Client, email: &str, password: &str) -> String {
        let body = serde_json::json!({"email": email, "password": password, "provider": "local"});
        let tokens: serde_json::Value = client
            .post(format!("{}/auth/register", self.address))
            .json(&body)
            .send()
            .await
            .expect("register")
            .json()
            .await
            .expect("tokens");
        tokens["access_token"].as_str().expect("token").to_owned()
    }

    /// The server's process id (for a profiler to attach to).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in MiB.
    pub fn rss_mib(&self) -> f64 {
        self.status_kb("VmRSS:") as f64 / 1024.0
    }

    /// The highest resident memory so far, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_kb("VmHWM:") as f64 / 1024.0
    }
}

/// A local URL nothing listens on (a port bound, then let go).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    format!("http://127.0.0.1:{port}")
}

impl Drop for ServerProcess {
    #[allow(unsafe_code)] // kill(2), below
    fn drop(&mut self) {
        // SIGTERM, the way production stops it; then wait for it.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill takes plain integers, no memory; the pid is our own
            // child's, not yet waited for, so it cannot name another process.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = self.child.wait();
    }
}
