//! PostgreSQL stopped and started again under load, on a cluster of the
//! test's own: requests during the outage get a fast 503, `/ready` says so,
//! the same server recovers by itself, and no acknowledged write is lost.

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{spawn_instance, TestApp, TestDb, STRONG_PASSWORD};
use crate::support::{ready, wait_ready, PgCluster, SLACK};

/// `database.acquire_timeout_secs`: how long a request waits for a
/// connection before its 503.
const ACQUIRE: Duration = Duration::from_secs(1);
/// How long the database stays down.
const OUTAGE: Duration = Duration::from_secs(3);

/// One request of the load, as the client saw it.
struct Outcome {
    signup: bool,
    status: u16,
    /// The problem's code, for errors.
    code: Option<String>,
    /// The acknowledged write: the email signed up, or the interaction id.
    written: Option<String>,
    started: Instant,
    took: Duration,
}

async fn one_request(app: &TestApp, token: &str, signup: bool) -> Outcome {
    let started = Instant::now();
    let email = format!("load-{}@example.com", Uuid::new_v4().simple());
    let resp = if signup {
        app.register(&email, STRONG_PASSWORD).await
    } else {
        app.post_json_with_token("/ai/completions", token, &json!({"prompt": "hi"}))
            .await
    };
    let status = resp.status().as_u16();
    let problem = resp
        .headers()
        .get("content-type")
        .is_some_and(|ct| ct == "application/problem+json");
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let written = match (status, signup) {
        (201, true) => Some(email),
        (200, false) => body["id"].as_str().map(str::to_owned),
        _ => None,
    };
    Outcome {
        signup,
        status,
        code: problem.then(|| body["code"].as_str().unwrap_or("?").to_owned()),
        written,
        started,
        took: started.elapsed(),
    }
}

const WORKERS: usize = 4;

/// Sign-ups and completions, alternating, until `stop`; `done` counts the
/// requests answered.
async fn worker(
    app: Arc<TestApp>,
    token: String,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut signup = false;
    while !stop.load(Ordering::Relaxed) {
        signup = !signup;
        outcomes.push(one_request(&app, &token, signup).await);
        done.fetch_add(1, Ordering::Relaxed);
    }
    outcomes
}

/// Waits until `done` is `at_least` (the workers' pace, not a clock's).
async fn until_answered(done: &AtomicUsize, at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while done.load(Ordering::Relaxed) < at_least {
        assert!(Instant::now() < deadline, "the load stalled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn blocking(f: impl FnOnce() + Send + 'static) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_gives_fast_503s_then_recovers_without_losing_writes() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let cluster = Arc::new(cluster);
    let app = Arc::new(
        spawn_instance(
            &TestDb::at(cluster.url()),
            &[
                (
                    "database.acquire_timeout_secs",
                    &ACQUIRE.as_secs().to_string(),
                ),
                ("rate_limit.ai_requests_per_minute", "100000"),
            ],
            None,
        )
        .await,
    );
    let token = app.new_user_token().await;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (stop, done) = (stop.clone(), done.clone());
            tokio::spawn(worker(app.clone(), token.clone(), stop, done))
        })
        .collect();

    // Every worker under way: a few rounds answered.
    until_answered(&done, WORKERS * 2).await;
    let c = cluster.clone();
    blocking(move || c.pg_ctl_stop()).await.expect("stop");
    let outage_from = Instant::now();
    let started = Instant::now();
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"], "unavailable", "{body}");
    assert!(started.elapsed() < ACQUIRE + SLACK, "/ready was slow");
    tokio::time::sleep(OUTAGE).await;
    let outage_to = Instant::now();
    let c = cluster.clone();
    blocking(move || c.pg_ctl_start()).await.expect("start");
    wait_ready(&app, 200, Duration::from_secs(15)).await;
    let recovered = Instant::now();
    // Of the next 3 rounds, at most one request per worker began before
    // `recovered`: the rest (two at least, from one worker, in turn) are
    // a sign-up and a completion begun after it.
    until_answered(&done, done.load(Ordering::Relaxed) + WORKERS * 3).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for w in workers {
        let done = tokio::time::timeout(Duration::from_secs(15), w).await;
        outcomes.extend(done.expect("no request hangs").expect("worker"));
    }

    for o in &outcomes {
        let ok = matches!((o.signup, o.status), (true, 201) | (false, 200));
        let unavailable = o.status == 503 && o.code.as_deref() == Some("service_unavailable");
        assert!(ok || unavailable, "status {} code {:?}", o.status, o.code);
        if unavailable {
            assert!(o.took < ACQUIRE + SLACK, "503 after {:?}", o.took);
        }
        // Any other answer within the same promise, with room for one that
        // the stop caught in the middle of a query.
        assert!(o.took < ACQUIRE * 2 + SLACK, "took {:?}", o.took);
        if o.started >= outage_from && o.started + o.took <= outage_to {
            assert_eq!(o.status, 503, "served while the database was down");
        }
        if o.started >= recovered {
            assert!(ok, "status {} after recovery", o.status);
        }
    }
    let during = outcomes
        .iter()
        .filter(|o| o.started >= outage_from && o.started < outage_to)
        .count();
    assert!(
        during >= WORKERS,
        "only {during} requests during the outage"
    );
    let refused: Vec<_> = outcomes.iter().filter(|o| o.status == 503).collect();
    let slowest = refused.iter().map(|o| o.took).max().unwrap_or_default();
    eprintln!(
        "{} requests, {} got 503 (slowest {slowest:?})",
        outcomes.len(),
        refused.len()
    );
    assert!(!refused.is_empty(), "no 503 during the outage");
    for signup in [true, false] {
        let after = outcomes.iter().filter(|o| o.started >= recovered);
        assert!(after.filter(|o| o.signup == signup).count() > 0);
    }

    // Every acknowledged write is there: sign-ups at once; a completion's
    // row may have been deferred during the outage and is written as soon
    // as the database is back (the pending queue retries every 250 ms).
    let mut missing = Vec::new();
    for _ in 0..40 {
        let emails: HashSet<String> = app
            .strings("SELECT email FROM users")
            .await
            .into_iter()
            .collect();
        let ids: HashSet<String> = app
            .strings("SELECT id::text FROM interactions")
            .await
            .into_iter()
            .collect();
        missing = outcomes
            .iter()
            .filter_map(|o| {
                let written = o.written.as_ref()?;
                let found = if o.signup { &emails } else { &ids };
                (!found.contains(written)).then(|| (o.signup, written.clone()))
            })
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            missing.iter().all(|(signup, _)| !signup),
            "acknowledged sign-ups missing: {missing:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(missing.is_empty(), "acknowledged but missing: {missing:?}");
    // And the same server works as before: an old session, a new user.
    let resp = app.get_with_token("/users/me", &token).await;
    assert_eq!(resp.status(), 200);
    let fresh = app.new_user_token().await;
    let resp = app
        .post_json_with_token("/ai/completions", &fresh, &json!({"prompt": "back?"}))
        .await;
    assert_eq!(resp.status(), 200);
}
