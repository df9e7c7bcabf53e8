//! `POST /coach/advice`: prompt, call, parse (once more with a reformat
//! request when nothing could be read), score, keep the best `max_items`.

use std::sync::Arc;

use nextarget_ports::{ChatMessage, ChatRole, CompletionRequest, InteractionKind, UserId};
use uuid::Uuid;

use super::{
    build_prompt, build_reformat_prompt, parse_advice, score_advice, AdviceRequest, CoachPrompt,
    ScoredAdvice,
};
use crate::ai::{AiError, AiService, LlmCall};
use crate::validation::FieldError;

pub const MAX_GOAL_CHARS: usize = 500;
pub const MAX_CONTEXT_CHARS: usize = 4000;
pub const MAX_ITEMS: usize = 10;

/// Scored advice, best first, as stored in history under `id`.
#[derive(Debug, Clone)]
pub struct AdviceOutput {
    pub id: Uuid,
    pub goal: String,
    pub model: String,
    pub advice: Vec<ScoredAdvice>,
    pub latency_ms: u64,
}

pub struct CoachService {
    ai: Arc<AiService>,
}

impl CoachService {
    pub fn new(ai: Arc<AiService>) -> Self {
        Self { ai }
    }

    /// Advice toward `request.goal` for `user_id`.
    ///
    /// # Errors
    /// `Validation` for an empty or too long goal or context, or `max_items`
    /// outside 1..=10; the AI gateway's errors; `UnparseableAdvice` when
    /// neither the reply nor the reformatted one holds any advice.
    pub async fn advise(
        &self,
        user_id: UserId,
        request: AdviceRequest,
    ) -> Result<AdviceOutput, AiError> {
        validate(&request)?;
        self.ai.admit(user_id).await?;
        let first = self.ask(user_id, build_prompt(&request)).await?;
        let mut latency_ms = first.latency_ms;
        let (mut id, mut model) = (first.interaction_id, first.completion.model.clone());
        let mut items = parse_advice(&first.completion.content);
        if items.is_empty() {
            tracing::info!(interaction_id = %id, "coach reply unreadable; asking the model to reformat");
            let second = self
                .ask(
                    user_id,
                    build_reformat_prompt(&request, &first.completion.content),
                )
                .await?;
            latency_ms += second.latency_ms;
            (id, model) = (second.interaction_id, second.completion.model.clone());
            items = parse_advice(&second.completion.content);
        }
        if items.is_empty() {
            return Err(AiError::UnparseableAdvice);
        }
        let mut advice = score_advice(&request.goal, items);
        advice.truncate(request.max_items);
        Ok(AdviceOutput {
            id,
            goal: request.goal,
            model,
            advice,
            latency_ms,
        })
    }

    async fn ask(
        &self,
        user_id: UserId,
        prompt: CoachPrompt,
    ) -> Result<crate::ai::CallOutcome, AiError> {
        let request = CompletionRequest {
            model: self.ai.policy().default_model.clone(),
            messages: vec![
                ChatMessage {
                    role: ChatRole::System,
                    content: prompt.system,
                },
                ChatMessage {
                    role: ChatRole::User,
                    content: prompt.user.clone(),
                },
            ],
            temperature: Some(0.4),
            max_tokens: Some(1500),
            json_mode: true,
        };
        self.ai
            .call(LlmCall {
                user_id,
                kind: InteractionKind::Coach,
                history_prompt: prompt.user,
                request,
            })
            .await
    }
}

fn validate(request: &AdviceRequest) -> Result<(), AiError> {
    let mut errors = Vec::new();
    let goal_chars = request.goal.chars().count();
    if request.goal.trim().is_empty() {
        errors.push(FieldError::new("goal", "must not be empty"));
    } else if goal_chars > MAX_GOAL_CHARS {
        errors.push(FieldError::new(
            "goal",
            format!("must be at most {MAX_GOAL_CHARS} characters"),
        ));
    }
    if request
        .context
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_CONTEXT_CHARS)
    {
        errors.push(FieldError::new(
            "context",
            format!("must be at most {MAX_CONTEXT_CHARS} characters"),
        ));
    }
    if !(1..=MAX_ITEMS).contains(&request.max_items) {
        errors.push(FieldError::new(
            "max_items",
            format!("must be between 1 and {MAX_ITEMS}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AiError::Validation(errors))
    }
}

#[cfg(test)]
#[path = "advise_tests.rs"]
mod tests;
