//! Request metrics recorded by the access-log middleware, and the
//! Prometheus text served at `/metrics`.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use metrics_exporter_prometheus::PrometheusHandle;
use poem::{http::Method, PathPattern, Response};

use crate::observability::{
    DB_POOL_CONNECTIONS, DB_POOL_MAX, HTTP_DURATION, HTTP_REQUESTS, PROXY_OVERHEAD,
};

/// The route label of a request nothing matched.
pub const UNMATCHED: &str = "unmatched";

/// A connection pool's state at scrape time: (open, idle, max).
pub type PoolSampler = Arc<dyn Fn() -> (u32, u32, u32) + Send + Sync>;

/// What `/metrics` renders: the process recorder, and the pool it samples.
#[derive(Clone)]
pub struct MetricsSource {
    handle: Option<PrometheusHandle>,
    pool: PoolSampler,
}

impl MetricsSource {
    pub fn new(handle: Option<PrometheusHandle>, pool: PoolSampler) -> Self {
        Self { handle, pool }
    }

    /// The Prometheus text exposition, with the pool gauges sampled now.
    pub fn render(&self) -> String {
        let (size, idle, max) = (self.pool)();
        metrics::gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
        metrics::gauge!(DB_POOL_CONNECTIONS, "state" => "in_use")
            .set(f64::from(size.saturating_sub(idle)));
        metrics::gauge!(DB_POOL_MAX).set(f64::from(max));
        self.handle
            .as_ref()
            .map(PrometheusHandle::render)
            .unwrap_or_default()
    }
}

/// The matched route template of a response (`/users/me`), or `unmatched`
/// (an unknown path only matches the empty prefix the API is nested at).
pub fn route_of(resp: &Response) -> Arc<str> {
    resp.data::<PathPattern>()
        .map(|p| p.0.clone())
        .filter(|p| !p.is_empty() && &**p != "/")
        .unwrap_or_else(|| Arc::from(UNMATCHED))
}

/// One served request; `provider_wait` is its time waiting on the LLM.
pub fn record_request(
    method: &Method,
    route: &Arc<str>,
    status: u16,
    elapsed: Duration,
    provider_wait: Duration,
) {
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
    if !provider_wait.is_zero() {
        metrics::histogram!(PROXY_OVERHEAD, "route" => route.to_string())
            .record(elapsed.saturating_sub(provider_wait).as_secs_f64());
    }
}

/// The time one request spent waiting on the LLM provider: the access-log
/// middleware puts a fresh one in each request's data, the AI handlers add
/// the wait their use case reported, and the middleware reads it back to
/// record the proxy's own overhead.
#[derive(Debug, Clone, Default)]
pub struct ProviderWait(Arc<AtomicU64>);

impl ProviderWait {
    pub fn add(&self, waited: Duration) {
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}
