//! The load generator: closed loop (N clients back to back, for the most
//! requests/s) and open loop (a fixed rate, latency measured from each
//! request's scheduled start so a slow server cannot hide its queue).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

/// Builds one request.
pub type MakeRequest = Arc<dyn Fn(&Client) -> RequestBuilder + Send + Sync>;

/// What a phase measured; latencies in microseconds.
pub struct Stats {
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub hist: Histogram<u64>,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn p_ms(&self, quantile: f64) -> f64 {
        self.hist.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// One phase: what was sent, how it went, its latency percentiles in ms and
    /// how many latencies they come from (`samples`: a p99 of 100 samples is
    /// the second slowest).
    pub fn json(&self) -> Value {
        json!({
            "ok": self.ok,
            "errors": self.errors,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "rps": self.rps(),
            "samples": self.hist.len(),
            "p50_ms": self.p_ms(0.5),
            "p90_ms": self.p_ms(0.9),
            "p99_ms": self.p_ms(0.99),
            "p999_ms": self.p_ms(0.999),
            "max_ms": self.hist.max() as f64 / 1000.0,
        })
    }

    /// Adds another slice of the same phase.
    pub fn merge(&mut self, other: &Stats) {
        let _ = self.hist.add(&other.hist);
        self.ok += other.ok;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
    }
}

/// How a phase drives the server.
#[derive(Clone)]
pub enum Load {
    /// That many clients, back to back.
    Closed(usize, MakeRequest),
    /// That many requests per second.
    Open(u32, MakeRequest),
}

impl Load {
    pub async fn run(&self, client: &Client, duration: Duration) -> Stats {
        match self {
            Load::Closed(clients, make) => {
                closed_loop(client, *clients, duration, make.clone()).await
            }
            Load::Open(rate, make) => open_loop(client, *rate, duration, make.clone()).await,
        }
    }
}

/// Two loads measured side by side: `rounds` alternating slices of each,
/// so a neighbour's burst on the shared cores hits both alike.
pub async fn side_by_side(
    client: &Client,
    duration: Duration,
    rounds: u32,
    a: &Load,
    b: &Load,
) -> (Stats, Stats) {
    let slice = duration / rounds;
    let (mut sa, mut sb) = (empty(), empty());
    for _ in 0..rounds {
        sa.merge(&a.run(client, slice).await);
        sb.merge(&b.run(client, slice).await);
    }
    (sa, sb)
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

async fn send(client: &Client, make: &MakeRequest) -> bool {
    match make(client).send().await {
        Ok(resp) => {
            let ok = resp.status().is_success();
            // Read the whole body: a response is done when its body is.
            resp.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// `clients` loops sending requests one after another for `duration`.
pub async fn closed_loop(
    client: &Client,
    clients: usize,
    duration: Duration,
    make: MakeRequest,
) -> Stats {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, make) = (client.clone(), make.clone());
            tokio::spawn(async move {
                let (mut hist, mut ok, mut errors) = (histogram(), 0, 0);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if send(&client, &make).await {
                        ok += 1;
                        let _ = hist.record(micros(sent.elapsed()));
                    } else {
                        errors += 1;
                    }
                }
                (hist, ok, errors)
            })
        })
        .collect();
    collect(tasks, started).await
}

/// Requests started at `rate` per second for `duration`, whatever the
/// answers' pace.
pub async fn open_loop(client: &Client, rate: u32, duration: Duration, make: MakeRequest) -> Stats {
    let started = Instant::now();
    let period = Duration::from_secs_f64(1.0 / f64::from(rate));
    let total = (duration.as_secs_f64() * f64::from(rate)) as u32;
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let scheduled = started + period * n;
        tokio::time::sleep_until(scheduled.into()).await;
        let (client, make) = (client.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            send(&client, &make)
                .await
                .then(|| micros(scheduled.elapsed()))
        }));
    }
    let mut stats = empty();
    for task in tasks {
        match task.await.ok().flatten() {
            Some(latency) => {
                let _ = stats.hist.record(latency);
                stats.ok += 1;
            }
            None => stats.errors += 1,
        }
    }
    stats.elapsed = started.elapsed();
    stats
}

pub fn empty() -> Stats {
    Stats {
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        hist: histogram(),
    }
}

async fn collect(
    tasks: Vec<tokio::task::JoinHandle<(Histogram<u64>, u64, u64)>>,
    started: Instant,
) -> Stats {
    let mut stats = empty();
    for task in tasks {
        if let Ok((hist, ok, errors)) = task.await {
            let _ = stats.hist.add(&hist);
            stats.ok += ok;
            stats.errors += errors;
        }
    }
    stats.elapsed = started.elapsed();
    stats
}
