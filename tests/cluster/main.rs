//! The cluster test: two release instances on PostgreSQL and Redis behind
//! nginx (`deploy/nginx.conf`, templated), a bounded mixed load through
//! nginx while one instance is SIGKILLed and started again and the other is
//! SIGTERMed (drained) and started again; then what must hold: nothing
//! acknowledged is lost, no 5xx outside the kill windows and a bounded
//! number inside, limits and lockout shared, a session ended on one
//! instance refused by the other within a second, `/ready` at 503 on the
//! stopping instance while it still accepted.
//!
//! Not part of `cargo test` (it needs the release binary, nginx, PostgreSQL
//! and Redis): `.ci/run` runs it, and alone it is
//! `NEXTARGET_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!  NEXTARGET_TEST_REDIS_URL=redis://127.0.0.1:6379 cargo test --release --test cluster`
//! (see docs/operations.md). It prints its figures.

#[path = "../../adapters/tests/common/db.rs"]
mod db;

mod balancer;
#[path = "../common/canned_mistral.rs"]
mod canned_mistral;
mod checks;
mod drain;
mod instance;
mod load;
#[path = "../common/real_binary.rs"]
mod real_binary;
mod report;

use std::{
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use tokio::time::Instant;
use uuid::Uuid;
use wiremock::MockServer;

use instance::{free_port, Instance, Shared};

/// Load workers, each with at most one request in flight: the most
/// requests a SIGKILL can cut.
const WORKERS: usize = 8;
/// Per user per minute; low, so the shared budget is quick to spend.
const AI_REQUESTS_PER_MINUTE: u32 = 10;
const DRAIN_DELAY_SECS: u64 = 2;
/// After an instance is back, how long its kill still counts as the cause
/// of an error (nginx's `fail_timeout` does not matter here: it refuses no
/// request, it only skips a failed server).
const WINDOW_TAIL: Duration = Duration::from_secs(1);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(nginx) = balancer::nginx_binary() else {
        db::skip("nginx is not installed (apt-get install nginx), cluster test not run");
        return;
    };
    let Some(database) = db::test_database(db::Backend::Postgres).await else {
        return;
    };
    let Some(redis_url) = db::redis_url() else {
        return;
    };
    let upstream = MockServer::start().await;
    // Held 20 ms: requests are in flight when an instance is killed.
    canned_mistral::mount(&upstream, Duration::from_millis(20)).await;
    let shared = Shared {
        database_url: database.url.clone(),
        redis_url,
        redis_prefix: format!("nextarget-cluster-{}:", Uuid::new_v4().simple()),
        upstream: upstream.uri(),
        ai_requests_per_minute: AI_REQUESTS_PER_MINUTE,
        drain_delay_secs: DRAIN_DELAY_SECS,
    };
    let mut a = Instance::new("A", free_port(), shared.clone());
    let mut b = Instance::new("B", free_port(), shared);
    // Both at once, on the empty database: the migrations run once.
    tokio::join!(a.start(), b.start());
    let nginx = balancer::Balancer::start(nginx, [a.port, b.port], free_port()).await;
    println!(
        "cluster: A on {}, B on {}, nginx on {}",
        a.port, b.port, nginx.port
    );

    let began = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| tokio::spawn(load::worker(nginx.url(), stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;

    let killed = Instant::now();
    a.kill().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    a.start().await;
    let kill_window = (killed, Instant::now() + WINDOW_TAIL);
    // A rolling restart waits for the balancer to take the instance back:
    // nginx skips a failed server for `fail_timeout`, and stopping the other
    // one before that leaves it none ("no live upstreams", 502).
    tokio::time::sleep(balancer::fail_timeout() + Duration::from_secs(1)).await;

    let terminated = Instant::now();
    let watcher = tokio::spawn(drain::watch(b.url()));
    b.terminate();
    b.wait_exit(Duration::from_secs(30)).await;
    let drain = watcher.await.expect("drain watcher");
    b.start().await;
    let term_window = (terminated, Instant::now() + WINDOW_TAIL);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let mut all = load::WorkerReport::default();
    for worker in workers {
        let report = worker.await.expect("worker");
        all.outcomes.extend(report.outcomes);
        all.signed_up.extend(report.signed_up);
        all.completions.extend(report.completions);
    }
    let figures = report::Figures::new(&all.outcomes, began, kill_window, term_window);
    figures.print();
    drain.print(terminated);
    let log = nginx.error_log();
    let lines: Vec<&str> = log.lines().collect();
    println!(
        "cluster: nginx logged {} errors; the first ones:",
        lines.len()
    );
    for line in lines.iter().take(12) {
        println!("  {line}");
    }

    let rows =
        checks::nothing_acknowledged_is_lost(&database.url, &all.signed_up, &all.completions).await;
    println!(
        "cluster: {rows} rows checked ({} users, {} history rows), none missing",
        all.signed_up.len(),
        all.completions.len()
    );
    checks::ai_rate_limit_is_shared(&a.url(), &b.url(), AI_REQUESTS_PER_MINUTE).await;
    checks::login_lockout_is_shared(&a.url(), &b.url()).await;
    let took = checks::session_end_reaches_the_other_instance(&a.url(), &b.url()).await;
    println!("cluster: AI budget and login lockout shared; a session ended on A refused by B after {took:?}");

    drain.assert_ready_went_503_while_accepting();
    figures.assert_bounded(WORKERS);
    println!("cluster: ok");
    // In libtest's words, so that `.ci/run`'s tally counts this test.
    println!("test cluster ... ok");
    println!("test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}
