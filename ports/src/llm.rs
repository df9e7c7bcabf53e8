//! The `LlmClient` port: chat completions, whole or streamed.

use async_trait::async_trait;
use futures::stream::BoxStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatRole {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
}

/// One chat completion request.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Ask for a JSON object reply (`response_format`), where the provider
    /// supports it.
    pub json_mode: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub total_tokens: u32,
}

/// A whole completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub model: String,
    pub content: String,
    pub finish_reason: String,
    pub usage: Usage,
}

/// One item of a streamed completion: deltas, then exactly one `Done`.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Delta(String),
    Done {
        model: String,
        finish_reason: String,
        usage: Usage,
    },
}

pub type CompletionStream = BoxStream<'static, Result<StreamEvent, LlmError>>;

/// Failures the core tells apart (each maps to its own contract status).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// The provider answered 429; `retry_after_secs` is its Retry-After.
    #[error("upstream rate limited")]
    RateLimited { retry_after_secs: Option<u64> },
    /// The provider answered an error or something unreadable.
    #[error("upstream error: {message}")]
    Upstream {
        status: Option<u16>,
        message: String,
    },
    /// No complete answer within the configured timeout.
    #[error("upstream timeout")]
    Timeout,
    /// The provider could not be reached at all.
    #[error("upstream unavailable: {0}")]
    Unavailable(String),
}

impl LlmError {
    /// The contract's problem `code` this failure answers with (also the
    /// `outcome` label of its metrics).
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::RateLimited { .. } => "upstream_rate_limited",
            LlmError::Upstream { .. } => "upstream_error",
            LlmError::Timeout => "upstream_timeout",
            LlmError::Unavailable(_) => "llm_unavailable",
        }
    }

    /// Whether another model may be tried after this failure (before any
    /// byte of an answer): a timeout, a provider that cannot be reached,
    /// or a 5xx. Never a 4xx (the request itself is at fault, or a 429 the
    /// caller must see) nor an answer that could not be read.
    pub fn warrants_fallback(&self) -> bool {
        match self {
            LlmError::Timeout | LlmError::Unavailable(_) => true,
            LlmError::Upstream { status, .. } => status.is_some_and(|s| (500..=599).contains(&s)),
            LlmError::RateLimited { .. } => false,
        }
    }
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait LlmClient: Send + Sync {
    /// One whole completion.
    ///
    /// # Errors
    /// An [`LlmError`] variant for each way the provider can fail.
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, LlmError>;

    /// A streamed completion. Errors before the first byte come back as
    /// `Err`; errors after it come as an `Err` item that ends the stream.
    ///
    /// # Errors
    /// As [`LlmClient::complete`], for failures before the stream starts.
    async fn stream(&self, request: CompletionRequest) -> Result<CompletionStream, LlmError>;
}

#[cfg(test)]
mod tests {
    use super::LlmError;

    fn upstream(status: Option<u16>) -> LlmError {
        LlmError::Upstream {
            status,
            message: "x".into(),
        }
    }

    #[test]
    fn only_timeouts_unreachable_providers_and_5xx_warrant_a_fallback() {
        for err in [
            LlmError::Timeout,
            LlmError::Unavailable("refused".into()),
            upstream(Some(500)),
            upstream(Some(503)),
            upstream(Some(599)),
        ] {
            assert!(err.warrants_fallback(), "{err:?}");
        }
        for err in [
            LlmError::RateLimited {
                retry_after_secs: Some(1),
            },
            upstream(Some(400)),
            upstream(Some(401)),
            upstream(Some(404)),
            upstream(None),
        ] {
            assert!(!err.warrants_fallback(), "{err:?}");
        }
    }
}
