//! What the fault tests share: throwaway PostgreSQL clusters and Redis
//! servers of their own (so they can be stopped and started again), on Unix
//! sockets in their own directories, and timing.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use tempfile::TempDir;

use crate::common::{skip, TestApp};

/// What a debug build on two busy, shared cores may add to a bound the
/// server promises (a timeout it enforces). Generous: these bounds are there
/// to catch a request waiting on the wrong thing (a hang, a timeout of 30 s),
/// not a slow machine.
pub const SLACK: Duration = Duration::from_secs(3);

/// `None` (the test skipped, see [`skip`]) when a tool the test needs is
/// missing, except under `CI=true`, where that is a failure.
pub fn required<T>(found: Option<T>, what: &str) -> Option<T> {
    if found.is_none() {
        skip(&format!("{what} is not installed, fault test not run"));
    }
    found
}

/// Waits until something accepts connections on the Unix socket `path`.
pub async fn wait_for_socket(path: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    while tokio::net::UnixStream::connect(path).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "nothing listens on {}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `request` and returns its result with how long it took.
pub async fn timed<T>(request: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = request.await;
    (out, started.elapsed())
}

/// How long `GET /health` takes (asserting it is 200).
pub async fn health_latency(app: &TestApp) -> Duration {
    let (resp, took) = timed(app.client.get(app.url("/health")).send()).await;
    assert_eq!(resp.expect("health").status(), 200);
    took
}

/// `GET /ready`: its status and body.
pub async fn ready(app: &TestApp) -> (u16, serde_json::Value) {
    let resp = app.get("/ready").await;
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("ready body"))
}

/// Polls `/ready` until it answers `status` (at most `within`).
pub async fn wait_ready(app: &TestApp, status: u16, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let (now, body) = ready(app).await;
        if now == status {
            return;
        }
        assert!(Instant::now() < deadline, "/ready still {now}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A PostgreSQL cluster of the test's own (`initdb` in a temp dir, trust
/// auth), run as `postgres` when the test runs as root. It listens only on
/// a Unix socket in that dir: no TCP port to pick, so none another process
/// can take between picking it and a (re)start.
pub struct PgCluster {
    bin: PathBuf,
    dir: TempDir,
}

/// The port only names the socket (`.s.PGSQL.<port>` in the cluster's dir).
const PG_PORT: u16 = 5432;

impl PgCluster {
    /// The PostgreSQL binaries: `/usr/lib/postgresql/<newest>/bin`, else PATH.
    fn bin_dir() -> Option<PathBuf> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|bin| bin.join("initdb").exists())
            .collect();
        versions.sort_by_key(|p| {
            p.parent()
                .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
        });
        versions.pop().or_else(|| {
            let out = Command::new("which").arg("initdb").output().ok()?;
            let path = String::from_utf8(out.stdout).ok()?;
            Some(Path::new(path.trim()).parent()?.to_path_buf())
        })
    }

    /// Creates and starts a cluster, or `None` when `initdb` is missing.
    pub fn start() -> Option<Self> {
        let bin = required(Self::bin_dir(), "PostgreSQL (initdb, pg_ctl)")?;
        let dir = tempfile::tempdir().expect("temp dir");
        if running_as_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown of the cluster dir to postgres");
        }
        let cluster = Self { bin, dir };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        cluster.pg_ctl_start();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// One of the cluster's binaries, run as `postgres` when we are root.
    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect(tool);
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn pg_ctl_start(&self) {
        let options = format!(
            "-p {PG_PORT} -k {} -c listen_addresses='' -c fsync=off -c max_connections=50",
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    /// `pg_ctl stop -m fast`: sessions are cut, the data is kept.
    pub fn pg_ctl_stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@localhost/postgres?host={}&port={PG_PORT}",
            self.dir.path().display()
        )
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Best effort: it may be stopped already.
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
