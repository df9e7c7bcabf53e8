//! What every AI use case shares: admission under the per-user rate limit
//! and daily token budget, the upstream call with its latency measured, its
//! history row and its charge.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nextarget_ports::{
    Completion, CompletionRequest, Interaction, InteractionKind, InteractionStatus, RateDecision,
    RateLimit, UserId,
};
use uuid::Uuid;

use super::{
    budget::{Admission, Charge},
    AiError, AiService,
};

/// One upstream call to make and record.
pub struct LlmCall {
    pub user_id: UserId,
    pub kind: InteractionKind,
    /// What the history shows as the prompt.
    pub history_prompt: String,
    pub request: CompletionRequest,
    /// Where its usage is charged (see [`Admission::next_charge`]).
    pub charge: Charge,
}

/// A successful call, already in history.
pub struct CallOutcome {
    pub interaction_id: Uuid,
    pub completion: Completion,
    pub latency_ms: u64,
    /// The time spent waiting on the provider, for the proxy's overhead.
    pub provider_wait: Duration,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl AiService {
    /// Takes one request from the user's request limit
    /// (`rate_limit.ai_requests_per_minute`, shared by /ai and /coach), then
    /// reserves `estimate` tokens (the prompt's) of their daily token budget
    /// (`rate_limit.ai_tokens_per_day`), before anything goes upstream.
    ///
    /// # Errors
    /// `RateLimited` with the seconds to wait; `TokenBudgetExceeded` with
    /// the seconds to the next UTC midnight.
    pub async fn admit(&self, user_id: UserId, estimate: u64) -> Result<Admission, AiError> {
        let now = self.ports.clock.now();
        let key = format!("ai:{user_id}");
        self.check_rate("ai", &key, self.policy.requests_per_minute, now)
            .await?;
        self.reserve(user_id, estimate, now).await
    }

    /// Takes one request of `key` under `max` a minute; a refusal is
    /// counted under `scope`.
    ///
    /// # Errors
    /// `RateLimited` with the seconds to wait.
    pub(crate) async fn check_rate(
        &self,
        scope: &str,
        key: &str,
        max: u32,
        now: DateTime<Utc>,
    ) -> Result<(), AiError> {
        let limit = RateLimit {
            max,
            per: Duration::from_secs(60),
        };
        match self.ports.limiter.check(key, limit, now).await {
            Ok(RateDecision::Allowed { .. }) => Ok(()),
            Ok(RateDecision::Limited { retry_after_secs }) => {
                self.ports.metrics.rate_limited(scope);
                Err(AiError::RateLimited { retry_after_secs })
            }
            // The limiter adapters already fall back to per-instance limits;
            // an error here is not worth refusing the user for.
            Err(err) => {
                tracing::warn!(error = %err, "rate limiter failed; request admitted");
                Ok(())
            }
        }
    }

    /// Calls the LLM, measures the wait, stores the outcome and charges its
    /// usage before returning it, whatever it is.
    ///
    /// # Errors
    /// The upstream failure, mapped to its `AiError`.
    #[tracing::instrument(name = "llm_call", skip_all, fields(model = %call.request.model, kind = ?call.kind))]
    pub async fn call(&self, call: LlmCall) -> Result<CallOutcome, AiError> {
        let id = Uuid::now_v7();
        let created_at = self.ports.clock.now();
        let model = call.request.model.clone();
        let started = Instant::now();
        let result = self.ports.llm.complete(call.request).await;
        let waited = started.elapsed();
        let latency_ms = elapsed_ms(started);
        let mut interaction = Interaction {
            id,
            user_id: call.user_id,
            kind: call.kind,
            model,
            prompt: call.history_prompt,
            response: None,
            status: InteractionStatus::Ok,
            error_code: None,
            latency_ms,
            usage: None,
            created_at,
        };
        match result {
            Ok(completion) => {
                self.ports.metrics.llm_call(
                    &interaction.model,
                    "ok",
                    waited,
                    Some(completion.usage),
                );
                interaction.model = completion.model.clone();
                interaction.response = Some(completion.content.clone());
                interaction.usage = Some(completion.usage);
                self.record(&interaction).await;
                let used = u64::from(completion.usage.total_tokens);
                self.settle(call.user_id, call.charge, used, false).await;
                Ok(CallOutcome {
                    interaction_id: id,
                    completion,
                    latency_ms,
                    provider_wait: waited,
                    created_at,
                })
            }
            Err(err) => {
                let err = AiError::from(err);
                self.ports
                    .metrics
                    .llm_call(&interaction.model, err.code(), waited, None);
                interaction.status = InteractionStatus::Error;
                interaction.error_code = Some(err.code().to_owned());
                self.record(&interaction).await;
                self.settle(call.user_id, call.charge, 0, false).await;
                Err(err)
            }
        }
    }

    /// Stores a history row before the answer goes out. A failure is
    /// logged and the answer still returned: the caller paid for it. (The
    /// history adapter the server wires, `BufferedHistory`, retries and keeps
    /// what the store refused, so it does not fail.)
    pub(crate) async fn record(&self, interaction: &Interaction) {
        if let Err(err) = self.ports.history.append(interaction).await {
            tracing::error!(
                error = %err,
                interaction_id = %interaction.id,
                user_id = %interaction.user_id,
                "history write failed"
            );
        }
    }
}
