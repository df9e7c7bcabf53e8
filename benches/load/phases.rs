//! One backend's run: every phase against one server process, the pairs
//! to compare measured side by side (alternating slices).

use std::{sync::Arc, time::Duration};

use nextarget_adapters::auth::BcryptHasher;
use nextarget_ports::{PasswordHash, PasswordHasher};
use reqwest::Client;
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::driver::{empty, side_by_side, Load, MakeRequest, Stats};
use crate::server::{ServerProcess, BCRYPT_COST};

const PASSWORD: &str = "tundra-Velvet-93-orbit";
pub const CLIENTS: usize = 8;
pub const PROXY_RATE: u32 = 500;
pub const ROUNDS: u32 = 5;
/// `/users/me` requests per second while logins saturate the cores.
pub const PROBE_RATE: u32 = 20;

pub struct Bench {
    pub client: Client,
    pub phase: Duration,
    pub cores: usize,
}

/// One backend's column: (row label, value) for the printed table, and
/// the raw numbers behind it for the JSON report.
pub struct Column {
    pub rows: Vec<(String, String)>,
    pub raw: Value,
}

/// A request to send again and again (shared with `profile.rs`).
pub fn request(
    method: reqwest::Method,
    url: String,
    token: Option<String>,
    body: Option<Value>,
) -> MakeRequest {
    Arc::new(move |c: &Client| {
        let mut req = c.request(method.clone(), &url);
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        match &body {
            Some(b) => req.json(b),
            None => req,
        }
    })
}

fn lat(s: &Stats) -> String {
    let errors = if s.errors == 0 {
        String::new()
    } else {
        format!(", {} errors", s.errors)
    };
    format!("{:.2} / {:.2}{errors}", s.p_ms(0.5), s.p_ms(0.99))
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

impl Bench {
    pub async fn run(&self, database_url: &str, stub: &str) -> Column {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = ServerProcess::start(database_url, stub, dir.path());
        let base = server.address.clone();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_rss = server.rss_mib();
        let email = format!("bench-{}@example.com", uuid::Uuid::new_v4().simple());
        let token = Some(server.sign_up(&self.client, &email, PASSWORD).await);
        let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
        let health = request(get.clone(), format!("{base}/health"), None, None);
        let me = request(get, format!("{base}/users/me"), token.clone(), None);
        let prompt = json!({"prompt": "How do I keep running when it rains?"});
        let proxy = request(
            post.clone(),
            format!("{base}/ai/completions"),
            token,
            Some(prompt),
        );
        let wire = json!({"model": "mistral-small-latest", "messages": [{"role": "user", "content": "hi"}], "stream": false});
        let direct = request(
            post.clone(),
            format!("{stub}/v1/chat/completions"),
            None,
            Some(wire),
        );
        let login_body = json!({"email": email, "password": PASSWORD});
        let login = request(post, format!("{base}/auth/login"), None, Some(login_body));

        let (c, t) = (&self.client, self.phase);
        Load::Closed(CLIENTS, health.clone())
            .run(c, Duration::from_secs(1))
            .await; // warm-up
        let (health_s, me_s) = side_by_side(
            c,
            t,
            ROUNDS,
            &Load::Closed(CLIENTS, health),
            &Load::Closed(CLIENTS, me.clone()),
        )
        .await;
        let (direct_fixed, proxy_fixed) = side_by_side(
            c,
            t,
            ROUNDS,
            &Load::Open(PROXY_RATE, direct.clone()),
            &Load::Open(PROXY_RATE, proxy.clone()),
        )
        .await;
        // One request at a time: the added latency without any queueing.
        let (direct_one, proxy_one) = side_by_side(
            c,
            t,
            ROUNDS,
            &Load::Closed(1, direct.clone()),
            &Load::Closed(1, proxy.clone()),
        )
        .await;
        let (direct_max, proxy_max) = side_by_side(
            c,
            t,
            ROUNDS,
            &Load::Closed(CLIENTS, direct),
            &Load::Closed(CLIENTS, proxy),
        )
        .await;
        let (bcrypt, login_s, me_during) = self.logins(login, me).await;
        let peak_rss = server.peak_rss_mib();
        let after_rss = server.rss_mib();
        drop(server);

        let me_ratio = me_s.rps() / health_s.rps();
        let added_p50 = proxy_fixed.p_ms(0.5) - direct_fixed.p_ms(0.5);
        let added_p99 = proxy_fixed.p_ms(0.99) - direct_fixed.p_ms(0.99);
        let one_p50 = proxy_one.p_ms(0.5) - direct_one.p_ms(0.5);
        let one_p99 = proxy_one.p_ms(0.99) - direct_one.p_ms(0.99);
        let login_ratio = login_s.rps() / bcrypt;
        let me_p99 = me_during.p_ms(0.99);
        let raw = json!({
            "health_closed": health_s.json(),
            "users_me_closed": me_s.json(),
            "stub_direct_open": direct_fixed.json(),
            "proxy_open": proxy_fixed.json(),
            "stub_direct_one_client": direct_one.json(),
            "proxy_one_client": proxy_one.json(),
            "stub_direct_closed": direct_max.json(),
            "proxy_closed": proxy_max.json(),
            "bcrypt_verifications_per_s": bcrypt,
            "logins_closed": login_s.json(),
            "users_me_during_logins_open": me_during.json(),
            "rss_mib": {"idle": idle_rss, "peak": peak_rss, "end": after_rss},
            "derived": {
                "users_me_over_health": me_ratio,
                "proxy_added_p50_ms": added_p50,
                "proxy_added_p99_ms": added_p99,
                "proxy_added_one_client_p50_ms": one_p50,
                "proxy_added_one_client_p99_ms": one_p99,
                "logins_over_bcrypt": login_ratio,
            },
        });
        let rows = vec![
            (
                "`/health` req/s (p50 / p99 ms)".into(),
                format!("{:.0} ({})", health_s.rps(), lat(&health_s)),
            ),
            (
                "`/users/me` req/s (p50 / p99 ms)".into(),
                format!("{:.0} ({})", me_s.rps(), lat(&me_s)),
            ),
            (
                "`/users/me` ÷ `/health` req/s (aim ≥ 0.5)".into(),
                format!("{me_ratio:.2} {}", verdict(me_ratio >= 0.5)),
            ),
            (
                format!("stub direct at {PROXY_RATE}/s: p50 / p99 ms"),
                lat(&direct_fixed),
            ),
            (
                format!("`/ai/completions` at {PROXY_RATE}/s: p50 / p99 ms"),
                lat(&proxy_fixed),
            ),
            (
                "proxy added p50 / p99 ms (aim p99 < 2)".into(),
                format!(
                    "{added_p50:.2} / {added_p99:.2} {}",
                    verdict(added_p99 < 2.0)
                ),
            ),
            (
                "one client: stub direct / proxy p50 / p99 ms".into(),
                format!("{} / {}", lat(&direct_one), lat(&proxy_one)),
            ),
            (
                "one client: proxy added p50 / p99 ms (aim ≤ 0.25 / 0.5)".into(),
                format!(
                    "{one_p50:.2} / {one_p99:.2} {}",
                    verdict(one_p50 <= 0.25 && one_p99 <= 0.5)
                ),
            ),
            (
                "most req/s: stub direct / through the proxy".into(),
                format!("{:.0} / {:.0}", direct_max.rps(), proxy_max.rps()),
            ),
            (
                format!(
                    "bcrypt verifications/s, cost {BCRYPT_COST}, {} threads",
                    self.cores
                ),
                format!("{bcrypt:.1}"),
            ),
            (
                "`/auth/login` req/s, ÷ bcrypt (aim ≥ 90%)".into(),
                format!(
                    "{:.1}, {:.0}% {}",
                    login_s.rps(),
                    login_ratio * 100.0,
                    verdict(login_ratio >= 0.9)
                ),
            ),
            (
                format!(
                    "`/users/me` p99 ms during logins, of {} requests (aim < 20)",
                    me_during.hist.len()
                ),
                format!("{me_p99:.2} {}", verdict(me_p99 < 20.0)),
            ),
            (
                "server RSS MiB: idle (aim < 30) / peak / end".into(),
                format!(
                    "{idle_rss:.1} {} / {peak_rss:.1} / {after_rss:.1}",
                    verdict(idle_rss < 30.0)
                ),
            ),
        ];
        Column { rows, raw }
    }

    /// Alternating slices: raw bcrypt on every core (server idle), then
    /// logins from twice as many clients as cores with `/users/me` probed
    /// at [`PROBE_RATE`] meanwhile (so its p99 comes from about
    /// `PROBE_RATE` × the phase's seconds latencies: 100 by default). Returns (bcrypt/s, login stats, probe stats).
    async fn logins(&self, login: MakeRequest, me: MakeRequest) -> (f64, Stats, Stats) {
        let hasher = Arc::new(BcryptHasher::new(BCRYPT_COST.parse().expect("cost")));
        let secret = SecretString::from(PASSWORD.to_owned());
        let hash = hasher.hash(&secret).await.expect("hash");
        let slice = self.phase / ROUNDS;
        let (mut verified, mut bcrypt_time) = (0u64, Duration::ZERO);
        let (mut logins, mut probes) = (empty(), empty());
        for _ in 0..ROUNDS {
            let started = std::time::Instant::now();
            verified += self.bcrypt_slice(&hasher, &secret, &hash, slice).await;
            bcrypt_time += started.elapsed();
            let (login_load, probe) = (
                Load::Closed(self.cores * 2, login.clone()),
                Load::Open(PROBE_RATE, me.clone()),
            );
            let (l, p) = tokio::join!(
                login_load.run(&self.client, slice),
                probe.run(&self.client, slice)
            );
            logins.merge(&l);
            probes.merge(&p);
        }
        (verified as f64 / bcrypt_time.as_secs_f64(), logins, probes)
    }

    async fn bcrypt_slice(
        &self,
        hasher: &Arc<BcryptHasher>,
        secret: &SecretString,
        hash: &PasswordHash,
        slice: Duration,
    ) -> u64 {
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..self.cores)
            .map(|_| {
                let (hasher, secret, hash) = (hasher.clone(), secret.clone(), hash.clone());
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while started.elapsed() < slice {
                        let _ = hasher.verify(&secret, Some(hash.clone())).await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap_or(0);
        }
        total
    }
}
