use nextarget_ports::{LlmError, StoreError};

use crate::validation::FieldError;

/// Why an AI call failed. The texts are the `detail` the client reads (a
/// provider's own reason is only logged); [`AiError::code`] is the
/// contract's `code`.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("prompt is {actual} characters; the limit is {limit}")]
    PromptTooLong { actual: usize, limit: usize },
    /// Our own per-user limit.
    #[error("too many AI requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The user's daily token budget is spent until the next UTC midnight.
    #[error(
        "the daily AI token budget is spent; it renews at midnight UTC, in {retry_after_secs} s"
    )]
    TokenBudgetExceeded { retry_after_secs: u64 },
    /// The provider said 429.
    #[error("the LLM provider is rate limiting; retry later")]
    UpstreamRateLimited { retry_after_secs: Option<u64> },
    /// The provider failed; the payload is its reason, for the log.
    #[error("the LLM provider failed")]
    Upstream(String),
    #[error("the LLM provider did not answer in time")]
    UpstreamTimeout,
    /// The payload is the reason, for the log.
    #[error("the LLM provider is unavailable; try again shortly")]
    LlmUnavailable(String),
    /// The model answered, but nothing usable could be read from it.
    #[error("no advice could be read from the model's reply")]
    UnparseableAdvice,
    #[error("the database is unavailable; try again shortly")]
    StorageUnavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl AiError {
    /// The contract's `code`, also stored in history for a failed call.
    pub fn code(&self) -> &'static str {
        match self {
            AiError::Validation(_) => "validation_error",
            AiError::PromptTooLong { .. } => "prompt_too_long",
            AiError::RateLimited { .. } => "rate_limited",
            AiError::TokenBudgetExceeded { .. } => "token_budget_exceeded",
            AiError::UpstreamRateLimited { .. } => "upstream_rate_limited",
            AiError::Upstream(_) => "upstream_error",
            AiError::UpstreamTimeout => "upstream_timeout",
            AiError::LlmUnavailable(_) => "llm_unavailable",
            AiError::UnparseableAdvice => "unparseable_advice",
            AiError::StorageUnavailable(_) => "service_unavailable",
            AiError::Unknown(_) => "internal",
        }
    }
}

impl From<LlmError> for AiError {
    fn from(err: LlmError) -> Self {
        match err {
            LlmError::RateLimited { retry_after_secs } => {
                AiError::UpstreamRateLimited { retry_after_secs }
            }
            LlmError::Upstream { message, .. } => AiError::Upstream(message),
            LlmError::Timeout => AiError::UpstreamTimeout,
            LlmError::Unavailable(reason) => AiError::LlmUnavailable(reason),
        }
    }
}

impl From<StoreError> for AiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => AiError::StorageUnavailable(cause),
            StoreError::Duplicate(rule) => {
                AiError::Unknown(anyhow::anyhow!("unexpected duplicate on {rule}"))
            }
            StoreError::Unknown(cause) => AiError::Unknown(cause),
        }
    }
}
