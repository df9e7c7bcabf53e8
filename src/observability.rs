//! The process-wide Prometheus recorder behind the `metrics` facade: the
//! HTTP layer records through `metrics::counter!`/`histogram!`, the core
//! through its `Metrics` port ([`PrometheusMetrics`] below), and `/metrics`
//! renders what this recorder holds.
//!
//! Every series name lives here, with its help text, so the scrape reads as
//! documentation.

use std::{sync::OnceLock, time::Duration};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use nextarget_adapters::storage::Storage;
use nextarget_ports::{AuthEvent, Metrics, Usage};

use crate::http::metrics::MetricsSource;

/// `http_requests_total{method, route, status}`: `route` is the matched
/// route template (`/users/me`), or `unmatched`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// `http_request_duration_seconds{method, route, status}` histogram.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// `llm_requests_total{model, outcome}`: outcome `ok`, `cancelled` or an error code.
pub const LLM_REQUESTS: &str = "llm_requests_total";
/// `llm_request_duration_seconds{model, outcome}`: time waiting on the provider.
pub const LLM_DURATION: &str = "llm_request_duration_seconds";
/// `llm_tokens_total{model, kind}`: `kind` is `prompt` or `completion`.
pub const LLM_TOKENS: &str = "llm_tokens_total";
/// `llm_attempts_total{model, outcome}`: each model tried inside one call
/// when `llm.fallbacks` is set (the primary, then each fallback); outcome
/// `ok` or the failure's code.
pub const LLM_ATTEMPTS: &str = "llm_attempts_total";
/// `llm_attempt_duration_seconds{model, outcome}` histogram.
pub const LLM_ATTEMPT_DURATION: &str = "llm_attempt_duration_seconds";
/// `ai_tokens_charged_total{source}`: tokens charged to users' daily
/// budgets; `source` is `reported` (the provider's usage) or `estimated`
/// (a stream cut short).
pub const AI_TOKENS_CHARGED: &str = "ai_tokens_charged_total";
/// `ai_token_budget_refusals_total`: calls refused because the user's
/// daily token budget was spent (429 `token_budget_exceeded`).
pub const AI_TOKEN_BUDGET_REFUSALS: &str = "ai_token_budget_refusals_total";
/// `history_rows_deleted_total`: AI history rows deleted by retention.
pub const HISTORY_ROWS_DELETED: &str = "history_rows_deleted_total";
/// `ai_proxy_overhead_seconds{route}`: an AI request's time in the server
/// minus its time waiting on the provider.
pub const PROXY_OVERHEAD: &str = "ai_proxy_overhead_seconds";
/// `rate_limit_rejections_total{scope}`.
pub const RATE_LIMIT_REJECTIONS: &str = "rate_limit_rejections_total";
/// `auth_events_total{event}`: the audit trail's events (see
/// `nextarget_ports::AuthEvent::as_str`).
pub const AUTH_EVENTS: &str = "auth_events_total";
/// `mail_total{outcome}`: `sent`, `retried`, `failed`, `dropped`.
pub const MAIL: &str = "mail_total";
/// `login_failures_total{reason}`.
pub const LOGIN_FAILURES: &str = "login_failures_total";
/// `db_pool_connections{state}`: `in_use` and `idle`, sampled at scrape time.
pub const DB_POOL_CONNECTIONS: &str = "db_pool_connections";
/// `session_cache_live`: 1 while session invalidations are subscribed (the
/// bearer check may skip the database), 0 while every request asks it.
pub const SESSION_CACHE_LIVE: &str = "session_cache_live";
/// `session_cache_entries`: the sessions cached now.
pub const SESSION_CACHE_ENTRIES: &str = "session_cache_entries";
/// `db_pool_max_connections`, from `database.max_connections`.
pub const DB_POOL_MAX: &str = "db_pool_max_connections";

/// Seconds: from 0.25 ms (proxy overhead) to 30 s (`llm.timeout_secs`).
const LATENCY_BUCKETS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder once per process and returns its handle; `None`
/// when another recorder was installed first (metrics are then not served).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            // Histograms keep raw samples until drained; drain them even
            // when nobody scrapes, so memory stays flat.
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                });
            if let Err(err) = spawned {
                tracing::warn!(error = %err, "metrics upkeep thread not started");
            }
            Some(handle)
        })
        .clone()
}

/// What `/metrics` serves: the process recorder, and this server's pool
/// sampled at scrape time.
pub fn metrics_source(storage: &Storage) -> MetricsSource {
    let closer = storage.closer.clone();
    let cache = storage.session_cache.clone();
    MetricsSource::new(
        install(),
        std::sync::Arc::new(move || {
            // Sampled at each scrape, with the pool.
            metrics::gauge!(SESSION_CACHE_LIVE).set(if cache.is_live() { 1.0 } else { 0.0 });
            #[allow(clippy::cast_precision_loss)] // at most MAX_ENTRIES
            metrics::gauge!(SESSION_CACHE_ENTRIES).set(cache.len() as f64);
            let stats = closer.pool_stats();
            (stats.size, stats.idle, stats.max)
        }),
    )
}

/// The core's `Metrics` port on the process recorder.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrometheusMetrics;

impl Metrics for PrometheusMetrics {
    fn llm_call(&self, model: &str, outcome: &str, waited: Duration, usage: Option<Usage>) {
        let labels = [("model", model.to_owned()), ("outcome", outcome.to_owned())];
        metrics::counter!(LLM_REQUESTS, &labels).increment(1);
        metrics::histogram!(LLM_DURATION, &labels).record(waited.as_secs_f64());
        if let Some(usage) = usage {
            let model = model.to_owned();
            metrics::counter!(LLM_TOKENS, "model" => model.clone(), "kind" => "prompt")
                .increment(u64::from(usage.prompt_tokens));
            metrics::counter!(LLM_TOKENS, "model" => model, "kind" => "completion")
                .increment(u64::from(usage.completion_tokens));
        }
    }

    fn llm_attempt(&self, model: &str, outcome: &str, waited: Duration) {
        let labels = [("model", model.to_owned()), ("outcome", outcome.to_owned())];
        metrics::counter!(LLM_ATTEMPTS, &labels).increment(1);
        metrics::histogram!(LLM_ATTEMPT_DURATION, &labels).record(waited.as_secs_f64());
    }

    fn rate_limited(&self, scope: &str) {
        metrics::counter!(RATE_LIMIT_REJECTIONS, "scope" => scope.to_owned()).increment(1);
    }

    fn tokens_charged(&self, tokens: u64, estimated: bool) {
        let source = if estimated { "estimated" } else { "reported" };
        metrics::counter!(AI_TOKENS_CHARGED, "source" => source).increment(tokens);
    }

    fn token_budget_exceeded(&self) {
        metrics::counter!(AI_TOKEN_BUDGET_REFUSALS).increment(1);
    }

    fn history_deleted(&self, rows: u64) {
        metrics::counter!(HISTORY_ROWS_DELETED).increment(rows);
    }

    fn auth_event(&self, event: AuthEvent) {
        metrics::counter!(AUTH_EVENTS, "event" => event.as_str()).increment(1);
        if event == AuthEvent::SignInFailed {
            metrics::counter!(LOGIN_FAILURES, "reason" => "invalid_credentials").increment(1);
        }
    }

    fn mail(&self, outcome: &str) {
        metrics::counter!(MAIL, "outcome" => outcome.to_owned()).increment(1);
    }
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by method, route template and status"
    );
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "HTTP request latency");
    describe_counter!(LLM_REQUESTS, "LLM provider calls by model and outcome");
    describe_histogram!(
        LLM_DURATION,
        Unit::Seconds,
        "Time waiting on the LLM provider"
    );
    describe_counter!(LLM_TOKENS, "Tokens reported by the LLM provider");
    describe_histogram!(
        PROXY_OVERHEAD,
        Unit::Seconds,
        "AI request time in the server minus the time waiting on the provider"
    );
    describe_counter!(
        LLM_ATTEMPTS,
        "Attempts at each model inside LLM calls with fallbacks, by model and outcome"
    );
    describe_histogram!(
        LLM_ATTEMPT_DURATION,
        Unit::Seconds,
        "Time of each attempt at a model inside LLM calls with fallbacks"
    );
    describe_counter!(RATE_LIMIT_REJECTIONS, "Requests refused by a rate limit");
    describe_counter!(
        AI_TOKENS_CHARGED,
        "Tokens charged to users' daily budgets, as reported or estimated"
    );
    describe_counter!(
        AI_TOKEN_BUDGET_REFUSALS,
        "AI calls refused because the user's daily token budget was spent"
    );
    describe_counter!(
        HISTORY_ROWS_DELETED,
        "AI history rows deleted by retention (history.retention_days)"
    );
    describe_counter!(LOGIN_FAILURES, "Failed password logins");
    describe_counter!(AUTH_EVENTS, "Auth events of the audit trail, by event");
    describe_counter!(MAIL, "Outgoing mail (password reset links) by outcome");
    describe_gauge!(DB_POOL_CONNECTIONS, "Database pool connections by state");
    describe_gauge!(DB_POOL_MAX, "Database pool size limit");
}
