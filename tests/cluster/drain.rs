//! Watches the instance being stopped, directly: when `/ready` turned 503,
//! until when it still answered, and when it refused connections.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Default)]
pub struct Drain {
    /// The first `/ready` answered 503.
    pub first_not_ready: Option<Instant>,
    /// The last answer of any kind (the listener still accepting).
    pub last_answer: Option<Instant>,
    /// The first connection refused (the listener closed).
    pub first_refused: Option<Instant>,
}

/// Polls `/ready` every 20 ms (a new connection each time: draining answers
/// close theirs) until connections are refused, or 30 s.
pub async fn watch(base: String) -> Drain {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let mut drain = Drain::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match client.get(format!("{base}/ready")).send().await {
            Ok(resp) => {
                let now = Instant::now();
                drain.last_answer = Some(now);
                if resp.status() == 503 && drain.first_not_ready.is_none() {
                    drain.first_not_ready = Some(now);
                }
            }
            Err(err) if err.is_connect() => {
                drain.first_refused = Some(Instant::now());
                return drain;
            }
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drain
}

impl Drain {
    pub fn print(&self, signalled: Instant) {
        let since = |at: Option<Instant>| {
            at.map_or_else(|| "never".to_owned(), |at| format!("{:?}", at - signalled))
        };
        println!(
            "cluster: SIGTERM to B: /ready 503 after {}, last answer after {}, connections refused after {}",
            since(self.first_not_ready),
            since(self.last_answer),
            since(self.first_refused)
        );
    }

    /// `/ready` said 503 while the instance still answered: a balancer that
    /// checks it had the drain delay to move the traffic.
    pub fn assert_ready_went_503_while_accepting(&self) {
        let not_ready = self.first_not_ready.expect("/ready never answered 503");
        let last = self.last_answer.expect("no answer at all");
        let refused = self.first_refused.expect("the listener never closed");
        assert!(
            not_ready < refused,
            "/ready was 200 until the listener closed"
        );
        assert!(
            last - not_ready >= Duration::from_secs(1),
            "served only {:?} after /ready went 503",
            last - not_ready
        );
    }
}
