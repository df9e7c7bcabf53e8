//! `POST /coach/advice`: prompt, call, parse (once more with a reformat
//! request when nothing could be read), score, keep the best `max_items`.

use std::sync::Arc;

use nextarget_ports::{
    budget::estimate_tokens, ChatMessage, ChatRole, CompletionRequest, InteractionKind, UserId,
};
use uuid::Uuid;

use super::{
    build_prompt, build_reformat_prompt, parse_advice, score_advice, AdviceInput, CoachPrompt,
    ScoredAdvice,
};
use crate::ai::{AiError, AiService, Charge, LlmCall};

/// Scored advice, best first, as stored in history under `id`.
#[derive(Debug, Clone)]
pub struct AdviceOutput {
    pub id: Uuid,
    pub goal: String,
    pub model: String,
    pub advice: Vec<ScoredAdvice>,
    pub latency_ms: u64,
    /// The time spent waiting on the provider, for the proxy's overhead.
    pub provider_wait: std::time::Duration,
}

pub struct CoachService {
    ai: Arc<AiService>,
}

impl CoachService {
    pub fn new(ai: Arc<AiService>) -> Self {
        Self { ai }
    }

    /// Advice toward `input.goal` for `user_id`.
    ///
    /// # Errors
    /// `Validation` as [`AdviceInput::validate`] says; the AI gateway's
    /// errors; `UnparseableAdvice` when neither the reply nor the
    /// reformatted one holds any advice.
    #[tracing::instrument(name = "coach_advice", skip_all)]
    pub async fn advise(
        &self,
        user_id: UserId,
        input: AdviceInput,
    ) -> Result<AdviceOutput, AiError> {
        let request = input.validate()?;
        let prompt = build_prompt(&request);
        let estimate = estimate_tokens(&prompt.system) + estimate_tokens(&prompt.user);
        let mut admission = self.ai.admit(user_id, estimate).await?;
        let first = self.ask(user_id, prompt, admission.next_charge()).await?;
        let mut latency_ms = first.latency_ms;
        let mut provider_wait = first.provider_wait;
        let (mut id, mut model) = (first.interaction_id, first.completion.model.clone());
        let mut items = parse_advice(&first.completion.content);
        if items.is_empty() {
            tracing::info!(interaction_id = %id, "coach reply unreadable; asking the model to reformat");
            let second = self
                .ask(
                    user_id,
                    build_reformat_prompt(&request, &first.completion.content),
                    admission.next_charge(),
                )
                .await?;
            latency_ms += second.latency_ms;
            provider_wait += second.provider_wait;
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
            provider_wait,
        })
    }

    async fn ask(
        &self,
        user_id: UserId,
        prompt: CoachPrompt,
        charge: Charge,
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
                charge,
            })
            .await
    }
}

#[cfg(test)]
#[path = "advise_tests.rs"]
mod tests;
