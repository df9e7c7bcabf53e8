//! Mocks of every port the AI service needs, for its unit tests.

use std::sync::Arc;

use chrono::Utc;
use nextarget_ports::{
    mocks::{MockClock, MockInteractionRepository, MockLlmClient, MockRateLimiter},
    BudgetDecision, Completion, CompletionRequest, DayUsage, LlmError, NoMetrics, RateDecision,
    Usage,
};

use super::{AiPolicy, AiPorts, AiService};

pub(crate) struct Fixture {
    pub llm: MockLlmClient,
    pub history: MockInteractionRepository,
    pub limiter: MockRateLimiter,
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            llm: MockLlmClient::new(),
            history: MockInteractionRepository::new(),
            limiter: MockRateLimiter::new(),
        }
    }

    /// The rate limiter lets everything through, and charges go nowhere.
    pub fn allow_all(&mut self) {
        self.limiter
            .expect_check()
            .returning(|_, _, _| Ok(RateDecision::Allowed { remaining: 10 }));
        self.limiter
            .expect_reserve_tokens()
            .returning(|_, _, _, _, _| Ok(BudgetDecision::Reserved(DayUsage::default())));
        self.limiter
            .expect_settle_tokens()
            .returning(|_, _, _, _, _| Ok(DayUsage::default()));
    }

    pub fn service(self) -> AiService {
        self.service_with_budget(0)
    }

    /// The service with `rate_limit.ai_tokens_per_day = tokens_per_day`.
    pub fn service_with_budget(self, tokens_per_day: u64) -> AiService {
        let mut clock = MockClock::new();
        clock.expect_now().returning(Utc::now);
        AiService::new(
            AiPorts {
                llm: Arc::new(self.llm),
                history: Arc::new(self.history),
                limiter: Arc::new(self.limiter),
                clock: Arc::new(clock),
                metrics: Arc::new(NoMetrics),
            },
            AiPolicy {
                default_model: "test-model".into(),
                allowed_models: vec!["test-model".into()],
                max_prompt_chars: 100,
                requests_per_minute: 20,
                tokens_per_day,
            },
        )
    }
}

/// An LLM that answers `content` to any request, with no token usage.
pub(crate) fn reply(
    content: &'static str,
) -> impl Fn(CompletionRequest) -> Result<Completion, LlmError> {
    move |req| {
        Ok(Completion {
            model: req.model,
            content: content.into(),
            finish_reason: "stop".into(),
            usage: Usage::default(),
        })
    }
}
