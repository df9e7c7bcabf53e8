//! [`FallbackLlm`]: a decorator over [`LlmClient`] that tries other models
//! when the primary fails before its first byte, the way `FallbackLimiter`
//! falls back from Redis to memory. The core never knows.
//!
//! Guarantees:
//! - The primary (the request's own model) is tried first, then each
//!   fallback in order, each with the request's model replaced by its own;
//!   the answer (its `model`) is the first attempt's that did not fail.
//! - The next model is tried only after a failure that
//!   [`LlmError::warrants_fallback`]: a timeout, a provider that cannot be
//!   reached, a 5xx. A 4xx (a 429 too) is the answer, as without fallbacks.
//! - A stream is never switched once it has started: only the opening of
//!   a stream (up to its response headers) falls back; an error after that
//!   ends the stream as it would without fallbacks.
//! - Every attempt runs in a span `llm_attempt` (model, attempt number,
//!   outcome) and is counted through [`Metrics::llm_attempt`].
//! - When every model fails, the last failure is the answer.

use std::{future::Future, sync::Arc, time::Instant};

use async_trait::async_trait;
use nextarget_ports::{
    Completion, CompletionRequest, CompletionStream, LlmClient, LlmError, Metrics,
};
use tracing::Instrument;

/// A model tried after the primary, and the client that reaches it (the
/// primary's own, or one for another provider).
pub struct FallbackModel {
    pub model: String,
    pub client: Arc<dyn LlmClient>,
}

pub struct FallbackLlm {
    primary: Arc<dyn LlmClient>,
    fallbacks: Vec<FallbackModel>,
    metrics: Arc<dyn Metrics>,
}

impl FallbackLlm {
    pub fn new(
        primary: Arc<dyn LlmClient>,
        fallbacks: Vec<FallbackModel>,
        metrics: Arc<dyn Metrics>,
    ) -> Self {
        Self {
            primary,
            fallbacks,
            metrics,
        }
    }

    /// `call` on the primary, then on each fallback while the failure
    /// warrants one; see the module documentation.
    async fn first_answer<T, F, Fut>(
        &self,
        request: CompletionRequest,
        call: F,
    ) -> Result<T, LlmError>
    where
        F: Fn(Arc<dyn LlmClient>, CompletionRequest) -> Fut,
        Fut: Future<Output = Result<T, LlmError>>,
    {
        let primary = (request.model.clone(), &self.primary);
        let fallbacks = self.fallbacks.iter().map(|f| (f.model.clone(), &f.client));
        let attempts = std::iter::once(primary).chain(fallbacks);
        let last = self.fallbacks.len();
        let mut request = Some(request);
        let mut failure = None;
        for (i, (model, client)) in attempts.enumerate() {
            // The last attempt takes the request; the others a copy.
            let mut attempt = if i == last {
                request.take()
            } else {
                request.clone()
            }
            .ok_or_else(|| LlmError::Unavailable("no request left to send".into()))?;
            attempt.model.clone_from(&model);
            let span = tracing::info_span!(
                "llm_attempt",
                llm.model = %model,
                attempt = i + 1,
                outcome = tracing::field::Empty
            );
            let started = Instant::now();
            let result = call(client.clone(), attempt).instrument(span.clone()).await;
            let outcome = result.as_ref().map_or_else(LlmError::code, |_| "ok");
            span.record("outcome", outcome);
            self.metrics.llm_attempt(&model, outcome, started.elapsed());
            match result {
                Err(err) if err.warrants_fallback() && i < last => {
                    tracing::warn!(
                        llm.model = %model,
                        error = %err,
                        "LLM model failed before answering; trying the next fallback"
                    );
                    failure = Some(err);
                }
                answer => return answer,
            }
        }
        Err(failure.unwrap_or_else(|| LlmError::Unavailable("no model to try".into())))
    }
}

#[async_trait]
impl LlmClient for FallbackLlm {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, LlmError> {
        self.first_answer(request, |client, request| async move {
            client.complete(request).await
        })
        .await
    }

    async fn stream(&self, request: CompletionRequest) -> Result<CompletionStream, LlmError> {
        self.first_answer(request, |client, request| async move {
            client.stream(request).await
        })
        .await
    }
}
