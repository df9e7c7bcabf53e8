//! The AI proxy: admission (per-user rate limit and daily token budget),
//! the upstream call with its latency measured, a history row for every
//! call that was attempted and its usage charged; the user's usage and
//! export.

mod budget;
mod complete;
pub mod cursor;
mod error;
mod export;
mod gateway;
mod history;
mod request;
mod retention;
mod stream;

use std::sync::Arc;

use nextarget_ports::{Clock, InteractionRepository, LlmClient, Metrics, RateLimiter};
use tokio_util::task::TaskTracker;

pub use budget::{Admission, Charge, UsageReport};
pub use complete::CompletionOutput;
pub use error::AiError;
pub use export::EXPORT_PAGE;
pub use gateway::{CallOutcome, LlmCall};
pub use history::{HistoryPage, MAX_PAGE};
pub use request::{CompletionInput, MAX_SYSTEM_CHARS, MAX_TEMPERATURE, MAX_TOKENS_LIMIT};
pub use retention::{RetentionPolicy, RetentionWorker};
pub use stream::{CompletionStreamOutput, StreamItem, StreamSummary};

#[derive(Clone)]
pub struct AiPorts {
    pub llm: Arc<dyn LlmClient>,
    pub history: Arc<dyn InteractionRepository>,
    pub limiter: Arc<dyn RateLimiter>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<dyn Metrics>,
}

/// Tunables from `llm.*` and `rate_limit.*`.
#[derive(Debug, Clone)]
pub struct AiPolicy {
    pub default_model: String,
    pub allowed_models: Vec<String>,
    pub max_prompt_chars: usize,
    pub requests_per_minute: u32,
    /// `rate_limit.ai_tokens_per_day`: each user's tokens per UTC day
    /// (0: no budget).
    pub tokens_per_day: u64,
}

pub struct AiService {
    ports: AiPorts,
    policy: AiPolicy,
    /// Streams still running (and their history writes); shutdown waits
    /// for them.
    background: TaskTracker,
}

impl AiService {
    pub fn new(ports: AiPorts, policy: AiPolicy) -> Self {
        Self {
            ports,
            policy,
            background: TaskTracker::new(),
        }
    }

    pub fn policy(&self) -> &AiPolicy {
        &self.policy
    }

    /// Waits until every stream in flight and every history write has
    /// finished (graceful shutdown). New work may still be started after.
    pub async fn flush(&self) {
        self.background.close();
        self.background.wait().await;
        self.background.reopen();
    }
}

#[cfg(test)]
pub(crate) mod test_support;
