//! `cargo bench --bench load -- soak`: mixed traffic at a steady pace for
//! `SOAK_SECS` (default 300) against one server on SQLite, its memory
//! (RSS) sampled every 10 s, to tell whether it grows.
//!
//! Per second: 200 `/users/me`, 100 `/ai/completions` (each writes a history
//! row), 40 `/ai/history` pages and 2 sign-ups (bcrypt at the bench cost).

use std::{sync::Arc, time::Duration};

use reqwest::Client;
use serde_json::{json, Value};

use crate::driver::{open_loop, MakeRequest, Stats};
use crate::server::ServerProcess;

const SAMPLE: Duration = Duration::from_secs(10);
/// Requests per second: `/users/me`, `/ai/completions`, `/ai/history`, sign-ups.
const RATES: [u32; 4] = [200, 100, 40, 2];
/// Samples before this are warm-up (caches, pools, allocator arenas).
const WARM_UP_SAMPLES: usize = 6;

fn get(url: String, token: String) -> MakeRequest {
    Arc::new(move |c: &Client| c.get(&url).bearer_auth(&token))
}

fn post(url: String, token: Option<String>, body: Value) -> MakeRequest {
    Arc::new(move |c: &Client| {
        let req = c.post(&url).json(&body);
        match &token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    })
}

fn sign_up(url: String) -> MakeRequest {
    Arc::new(move |c: &Client| {
        let email = format!("soak-{}@example.com", uuid::Uuid::new_v4().simple());
        c.post(&url)
            .json(&json!({"email": email, "password": "tundra-Velvet-93-orbit"}))
    })
}

/// Least-squares slope of `ys` per sample.
fn slope(ys: &[f64]) -> f64 {
    let n = ys.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    num / den
}

/// Runs the soak, prints its table and summary, and returns them as JSON.
pub async fn soak(client: &Client, database_url: &str, stub: &str, total: Duration) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(database_url, stub, dir.path());
    let base = server.address.clone();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = server.rss_mib();
    let token = server
        .sign_up(client, "soak@example.com", "tundra-Velvet-93-orbit")
        .await;
    let me = get(format!("{base}/users/me"), token.clone());
    let history = get(format!("{base}/ai/history?limit=20"), token.clone());
    let prompt = json!({"prompt": "How do I keep running when it rains?"});
    let complete = post(format!("{base}/ai/completions"), Some(token), prompt);
    let signup = sign_up(format!("{base}/auth/register"));

    println!("\n| t (s) | RSS MiB | ok | errors |\n|---|---|---|---|");
    let mut samples = Vec::new();
    let mut rows = Vec::new();
    let (mut ok, mut errors) = (0u64, 0u64);
    let rounds = (total.as_secs() / SAMPLE.as_secs()).max(1);
    for round in 1..=rounds {
        let (a, b, c, d): (Stats, Stats, Stats, Stats) = tokio::join!(
            open_loop(client, RATES[0], SAMPLE, me.clone()),
            open_loop(client, RATES[1], SAMPLE, complete.clone()),
            open_loop(client, RATES[2], SAMPLE, history.clone()),
            open_loop(client, RATES[3], SAMPLE, signup.clone()),
        );
        for s in [&a, &b, &c, &d] {
            ok += s.ok;
            errors += s.errors;
        }
        let rss = server.rss_mib();
        samples.push(rss);
        rows.push(json!({
            "t_s": round * SAMPLE.as_secs(), "rss_mib": rss, "ok": ok, "errors": errors,
        }));
        println!(
            "| {} | {rss:.1} | {ok} | {errors} |",
            round * SAMPLE.as_secs()
        );
    }
    let steady = &samples[WARM_UP_SAMPLES.min(samples.len() - 1)..];
    let per_minute = slope(steady) * (60.0 / SAMPLE.as_secs_f64());
    let first = steady.first().copied().unwrap_or_default();
    let last = steady.last().copied().unwrap_or_default();
    let verdict = if per_minute.abs() < 0.25 {
        "flat"
    } else {
        "GROWING"
    };
    let peak = server.peak_rss_mib();
    println!(
        "\nSoak, SQLite, {} s: idle {idle:.1} MiB; after warm-up {first:.1} MiB, at the end \
         {last:.1} MiB, peak {peak:.1} MiB; slope {per_minute:+.2} MiB/min after warm-up: {verdict}. \
         {ok} requests answered, {errors} errors.",
        total.as_secs(),
    );
    json!({
        "rates_per_s": {
            "users_me": RATES[0], "ai_completions": RATES[1], "ai_history": RATES[2], "sign_ups": RATES[3],
        },
        "sample_every_s": SAMPLE.as_secs(),
        "warm_up_samples": WARM_UP_SAMPLES,
        "samples": rows,
        "rss_mib": {"idle": idle, "after_warm_up": first, "end": last, "peak": peak},
        "slope_mib_per_min_after_warm_up": per_minute,
        "verdict": verdict,
        "ok": ok,
        "errors": errors,
    })
}
