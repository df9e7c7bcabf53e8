//! What the AI use cases tell the metrics facade (plain `metrics` macros:
//! whichever recorder the composition root installed gets them, none in
//! unit tests), and the time a request spent waiting on the provider, for
//! the inbound adapter to subtract from the request's own time.

use std::{cell::Cell, future::Future, time::Duration};

use nextarget_ports::Usage;

/// `llm_requests_total{model, outcome}`.
pub const LLM_REQUESTS: &str = "llm_requests_total";
/// `llm_request_duration_seconds{model, outcome}`.
pub const LLM_DURATION: &str = "llm_request_duration_seconds";
/// `llm_tokens_total{model, kind}`.
pub const LLM_TOKENS: &str = "llm_tokens_total";
/// `rate_limit_rejections_total{scope}`.
pub const RATE_LIMIT_REJECTIONS: &str = "rate_limit_rejections_total";

tokio::task_local! {
    static PROVIDER_WAIT: Cell<Duration>;
}

/// Runs `fut` and returns, beside its output, how long the AI use cases
/// it drove waited on the LLM provider (zero when they did not call it).
pub async fn measure_provider_wait<F: Future>(fut: F) -> (F::Output, Duration) {
    PROVIDER_WAIT
        .scope(Cell::new(Duration::ZERO), async move {
            let output = fut.await;
            (output, PROVIDER_WAIT.with(Cell::get))
        })
        .await
}

/// Adds to the wait of the request being served, if it is measured.
pub(crate) fn provider_waited(waited: Duration) {
    let _ = PROVIDER_WAIT.try_with(|total| total.set(total.get() + waited));
}

/// One finished provider call: its outcome, its wait and its tokens.
/// `model` is the requested one (bounded by `llm.allowed_models`).
pub(crate) fn llm_call(model: &str, outcome: &str, waited: Duration, usage: Option<Usage>) {
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

/// A request refused by the per-user AI rate limit.
pub(crate) fn rate_limited(scope: &'static str) {
    metrics::counter!(RATE_LIMIT_REJECTIONS, "scope" => scope).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_provider_wait_adds_up_inside_a_measured_request() {
        let ((), waited) = measure_provider_wait(async {
            provider_waited(Duration::from_millis(3));
            provider_waited(Duration::from_millis(4));
        })
        .await;
        assert_eq!(waited, Duration::from_millis(7));
    }

    #[test]
    fn a_wait_outside_a_measured_request_is_ignored() {
        provider_waited(Duration::from_millis(3));
    }
}
