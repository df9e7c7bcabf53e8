//! Checking a completion request before anything goes upstream.

use nextarget_ports::{ChatMessage, ChatRole, CompletionRequest};

use super::{AiError, AiPolicy};
use crate::validation::{too_long, FieldError};

/// A completion as the client asked for it.
#[derive(Debug, Clone, Default)]
pub struct CompletionInput {
    pub prompt: String,
    pub system: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<i64>,
}

pub const MAX_SYSTEM_CHARS: usize = 8000;
pub const MAX_TOKENS_LIMIT: i64 = 32_768;
/// `temperature` runs from 0 to this.
pub const MAX_TEMPERATURE: f64 = 2.0;

impl CompletionInput {
    /// The upstream request, once every field is within its range.
    ///
    /// # Errors
    /// `PromptTooLong` past `llm.max_prompt_chars`; `Validation` for an
    /// empty prompt, a model not allowed, or an out-of-range value.
    pub fn validate(&self, policy: &AiPolicy) -> Result<CompletionRequest, AiError> {
        let chars = self.prompt.chars().count();
        if chars > policy.max_prompt_chars {
            return Err(AiError::PromptTooLong {
                actual: chars,
                limit: policy.max_prompt_chars,
            });
        }
        let mut errors = Vec::new();
        if self.prompt.trim().is_empty() {
            errors.push(FieldError::new("prompt", "must not be empty"));
        }
        let model = self
            .model
            .clone()
            .unwrap_or_else(|| policy.default_model.clone());
        if !policy.allowed_models.contains(&model) {
            errors.push(FieldError::new(
                "model",
                format!("must be one of: {}", policy.allowed_models.join(", ")),
            ));
        }
        if let Some(system) = &self.system {
            errors.extend(too_long("system", system, MAX_SYSTEM_CHARS));
        }
        if self
            .temperature
            .is_some_and(|t| !(0.0..=MAX_TEMPERATURE).contains(&t))
        {
            errors.push(FieldError::new(
                "temperature",
                format!("must be between 0 and {MAX_TEMPERATURE}"),
            ));
        }
        if self
            .max_tokens
            .is_some_and(|m| !(1..=MAX_TOKENS_LIMIT).contains(&m))
        {
            errors.push(FieldError::new(
                "max_tokens",
                format!("must be between 1 and {MAX_TOKENS_LIMIT}"),
            ));
        }
        if !errors.is_empty() {
            return Err(AiError::Validation(errors));
        }
        let mut messages = Vec::with_capacity(2);
        if let Some(system) = self.system.as_ref().filter(|s| !s.trim().is_empty()) {
            messages.push(ChatMessage {
                role: ChatRole::System,
                content: system.clone(),
            });
        }
        messages.push(ChatMessage {
            role: ChatRole::User,
            content: self.prompt.clone(),
        });
        Ok(CompletionRequest {
            model,
            messages,
            #[allow(clippy::cast_possible_truncation)]
            temperature: self.temperature.map(|t| t as f32),
            max_tokens: self.max_tokens.and_then(|m| u32::try_from(m).ok()),
            json_mode: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AiPolicy {
        AiPolicy {
            default_model: "m".into(),
            allowed_models: vec!["m".into(), "n".into()],
            max_prompt_chars: 10,
            requests_per_minute: 20,
            tokens_per_day: 0,
        }
    }

    #[test]
    fn a_prompt_over_the_limit_says_the_limit() {
        let input = CompletionInput {
            prompt: "é".repeat(11),
            ..Default::default()
        };
        let err = input.validate(&policy()).expect_err("too long");
        assert!(matches!(
            err,
            AiError::PromptTooLong {
                actual: 11,
                limit: 10
            }
        ));
        let exactly = CompletionInput {
            prompt: "é".repeat(10),
            ..Default::default()
        };
        assert!(exactly.validate(&policy()).is_ok());
    }

    #[test]
    fn out_of_range_fields_are_all_reported() {
        let input = CompletionInput {
            prompt: "  ".into(),
            model: Some("gpt".into()),
            temperature: Some(3.0),
            max_tokens: Some(0),
            ..Default::default()
        };
        let Err(AiError::Validation(fields)) = input.validate(&policy()) else {
            panic!("validation error expected");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["prompt", "model", "temperature", "max_tokens"]);
    }

    #[test]
    fn the_default_model_and_the_system_prompt_reach_the_request() {
        let input = CompletionInput {
            prompt: "hi".into(),
            system: Some("be brief".into()),
            ..Default::default()
        };
        let request = input.validate(&policy()).expect("valid");
        assert_eq!(request.model, "m");
        assert_eq!(request.messages.len(), 2);
        assert_eq!(request.messages[0].role, ChatRole::System);
    }
}
