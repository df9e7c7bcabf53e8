//! The LLM client used when `llm.provider = "mistral"` but no API key is
//! set: the server still starts and serves everything else, and AI calls
//! answer 503 `llm_unavailable` saying why.

use async_trait::async_trait;
use nextarget_ports::{Completion, CompletionRequest, CompletionStream, LlmClient, LlmError};

#[derive(Debug, Clone)]
pub struct UnconfiguredLlm {
    reason: String,
}

impl UnconfiguredLlm {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

#[async_trait]
impl LlmClient for UnconfiguredLlm {
    async fn complete(&self, _request: CompletionRequest) -> Result<Completion, LlmError> {
        Err(LlmError::Unavailable(self.reason.clone()))
    }

    async fn stream(&self, _request: CompletionRequest) -> Result<CompletionStream, LlmError> {
        Err(LlmError::Unavailable(self.reason.clone()))
    }
}
