use std::time::Duration;

use chrono::{DateTime, Utc};
use nextarget_ports::{InteractionKind, Usage, UserId};
use uuid::Uuid;

use super::{budget::estimate_messages, AiError, AiService, CompletionInput, LlmCall};

/// A whole completion, as stored in history under `id`.
#[derive(Debug, Clone)]
pub struct CompletionOutput {
    pub id: Uuid,
    pub model: String,
    pub content: String,
    pub finish_reason: String,
    pub usage: Usage,
    pub latency_ms: u64,
    /// The time spent waiting on the provider, for the proxy's overhead.
    pub provider_wait: Duration,
    pub created_at: DateTime<Utc>,
}

impl AiService {
    /// Validates, admits, calls the LLM, records the call and charges it.
    ///
    /// # Errors
    /// Validation, rate-limit and token-budget errors before any upstream
    /// call; upstream errors after it (then recorded in history too).
    #[tracing::instrument(skip_all, fields(%user_id))]
    pub async fn complete(
        &self,
        user_id: UserId,
        input: CompletionInput,
    ) -> Result<CompletionOutput, AiError> {
        let request = input.validate(&self.policy)?;
        let mut admission = self
            .admit(user_id, estimate_messages(&request.messages))
            .await?;
        let outcome = self
            .call(LlmCall {
                user_id,
                kind: InteractionKind::Completion,
                history_prompt: input.prompt,
                request,
                charge: admission.next_charge(),
            })
            .await?;
        Ok(CompletionOutput {
            id: outcome.interaction_id,
            model: outcome.completion.model,
            content: outcome.completion.content,
            finish_reason: outcome.completion.finish_reason,
            usage: outcome.completion.usage,
            latency_ms: outcome.latency_ms,
            provider_wait: outcome.provider_wait,
            created_at: outcome.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use nextarget_ports::{Completion, InteractionStatus, LlmError, StoreError};

    use super::super::test_support::{reply, Fixture};
    use super::*;

    fn input(prompt: &str) -> CompletionInput {
        CompletionInput {
            prompt: prompt.into(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_success_is_recorded_before_it_is_returned() {
        let mut fx = Fixture::new();
        fx.allow_all();
        fx.llm.expect_complete().returning(|req| {
            Ok(Completion {
                model: req.model,
                content: "hello".into(),
                finish_reason: "stop".into(),
                usage: Usage {
                    prompt_tokens: 1,
                    completion_tokens: 2,
                    total_tokens: 3,
                },
            })
        });
        fx.history
            .expect_append()
            .withf(|i| i.status == InteractionStatus::Ok && i.response.as_deref() == Some("hello"))
            .times(1)
            .returning(|_| Ok(()));
        let out = fx
            .service()
            .complete(fx_user(), input("hi"))
            .await
            .expect("answer");
        assert_eq!(out.content, "hello");
        assert_eq!(out.usage.total_tokens, 3);
    }

    #[tokio::test]
    async fn an_upstream_failure_is_recorded_with_its_code() {
        let mut fx = Fixture::new();
        fx.allow_all();
        fx.llm
            .expect_complete()
            .returning(|_| Err(LlmError::Timeout));
        fx.history
            .expect_append()
            .withf(|i| {
                i.status == InteractionStatus::Error
                    && i.error_code.as_deref() == Some("upstream_timeout")
            })
            .times(1)
            .returning(|_| Ok(()));
        let err = fx.service().complete(fx_user(), input("hi")).await.err();
        assert!(matches!(err, Some(AiError::UpstreamTimeout)), "{err:?}");
    }

    #[tokio::test]
    async fn a_history_write_failing_is_logged_and_the_answer_still_returned() {
        let mut fx = Fixture::new();
        fx.allow_all();
        fx.llm.expect_complete().returning(reply("ok"));
        fx.history
            .expect_append()
            .times(1)
            .returning(|_| Err(StoreError::Unavailable(anyhow::anyhow!("down"))));
        let answer = fx.service().complete(fx_user(), input("hi")).await;
        assert!(answer.is_ok(), "the caller gets the answer it paid for");
    }

    #[tokio::test]
    async fn a_rate_limited_user_never_reaches_the_llm() {
        let mut fx = Fixture::new();
        fx.limiter.expect_check().returning(|_, _, _| {
            Ok(nextarget_ports::RateDecision::Limited {
                retry_after_secs: 3,
            })
        });
        fx.llm.expect_complete().never();
        fx.history.expect_append().never();
        let err = fx.service().complete(fx_user(), input("hi")).await.err();
        assert!(
            matches!(
                err,
                Some(AiError::RateLimited {
                    retry_after_secs: 3
                })
            ),
            "{err:?}"
        );
    }

    fn fx_user() -> UserId {
        Uuid::now_v7()
    }
}
