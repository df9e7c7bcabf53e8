//! `cargo bench --bench load -- profile`: one server (PostgreSQL when
//! `NEXTARGET_TEST_POSTGRES_URL` is set and `LOAD_PROFILE_DB` is not
//! `sqlite`), one client sending `POST /ai/completions` back to back for
//! `LOAD_SECS` against the stub, for a profiler to watch. It prints the
//! server's pid; with `LOAD_PERF_DATA=<file>` it runs
//! `perf record -F 1999 --call-graph dwarf,8192 -p <pid> -o <file>` itself
//! around the measured part (DWARF: a release build keeps no frame
//! pointers, so `-g` would cut every stack at its first Rust frame);
//! `LOAD_PERF_ARGS` replaces everything between `perf` and `-p <pid>`
//! (e.g. `stat -e context-switches,syscalls:sys_enter_sendto`). Prints the one-client latencies (stub direct and through the
//! proxy, side by side) when done.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use reqwest::{Client, Method};
use serde_json::json;

use crate::driver::{closed_loop, Load};
use crate::phases::request;
use crate::server::ServerProcess;

/// Runs `perf record` on `pid` until dropped (SIGINT, then waited for).
struct Perf(std::process::Child);

impl Perf {
    fn start(pid: u32, args: &[String]) -> Option<Self> {
        let child = Command::new("perf")
            .args(args)
            .arg("-p")
            .arg(pid.to_string())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| eprintln!("profile: perf did not start ({e})"))
            .ok()?;
        Some(Self(child))
    }
}

impl Drop for Perf {
    #[allow(unsafe_code)] // kill(2), below
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // SAFETY: plain integers; the pid is our own child's, not yet
            // waited for.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        let _ = self.0.wait();
    }
}

pub async fn profile(client: &Client, database_url: &str, stub: &str, duration: Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(database_url, stub, dir.path());
    let base = server.address.clone();
    let email = format!("profile-{}@example.com", uuid::Uuid::new_v4().simple());
    let token = server
        .sign_up(client, &email, "tundra-Velvet-93-orbit")
        .await;
    let prompt = json!({"prompt": "How do I keep running when it rains?"});
    let proxy = request(
        Method::POST,
        format!("{base}/ai/completions"),
        Some(token),
        Some(prompt),
    );
    let wire = json!({"model": "mistral-small-latest", "messages": [{"role": "user", "content": "hi"}], "stream": false});
    let direct = request(
        Method::POST,
        format!("{stub}/v1/chat/completions"),
        None,
        Some(wire),
    );
    // Warm-up: the pool's connections, the prepared statements, the caches.
    closed_loop(client, 1, Duration::from_secs(1), proxy.clone()).await;
    eprintln!("profile: server pid {}", server.pid());
    let record = |out: String| {
        let args = ["record", "-F", "1999", "--call-graph", "dwarf,8192", "-o"];
        args.into_iter().map(str::to_owned).chain([out]).collect()
    };
    let args: Option<Vec<String>> = match std::env::var("LOAD_PERF_ARGS") {
        Ok(args) => Some(args.split_whitespace().map(str::to_owned).collect()),
        Err(_) => std::env::var("LOAD_PERF_DATA").ok().map(record),
    };
    let perf = args.and_then(|args| Perf::start(server.pid(), &args));
    if perf.is_some() {
        tokio::time::sleep(Duration::from_millis(500)).await; // perf attaches
    }
    let measured = Load::Closed(1, proxy).run(client, duration).await;
    drop(perf);
    let stub_one = Load::Closed(1, direct).run(client, duration / 5).await;
    println!(
        "one client, {} completions in {:.1} s: proxy p50 / p99 {:.3} / {:.3} ms, \
         stub direct {:.3} / {:.3} ms, added {:.3} / {:.3} ms",
        measured.ok,
        measured.elapsed.as_secs_f64(),
        measured.p_ms(0.5),
        measured.p_ms(0.99),
        stub_one.p_ms(0.5),
        stub_one.p_ms(0.99),
        measured.p_ms(0.5) - stub_one.p_ms(0.5),
        measured.p_ms(0.99) - stub_one.p_ms(0.99),
    );
}
