//! The daily token budget (`rate_limit.ai_tokens_per_day`): a call is
//! admitted only while its user's tokens of the UTC day are below the
//! limit, and every call that reached the provider is then charged its real
//! usage. At admission the call reserves an estimate of its prompt, so that
//! concurrent calls of one user see each other before the provider answers;
//! the settlement puts the real usage in its place.
//!
//! What is charged: the provider's `total_tokens` for a whole completion
//! and for a stream that finished; for a stream cut short (the client went
//! away, or it broke midway), the provider reported nothing (Mistral sends
//! usage only in its last chunk), so an estimate from the text is charged
//! (prompt and partial answer, [`estimate_tokens`]); a call that failed
//! before any answer is charged nothing.

use chrono::{DateTime, NaiveDate, Utc};
use nextarget_ports::{
    budget::{estimate_tokens, secs_to_next_utc_midnight, utc_day},
    BudgetDecision, ChatMessage, DayUsage, UserId,
};

use super::{AiError, AiService};

/// A call's place in its user's daily budget: the day it counts on and the
/// tokens reserved for it at admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub day: NaiveDate,
    pub reserved: u64,
}

/// An admitted request: the budget reservation its first upstream call
/// settles (later calls of the same request, a coach reformat, reserved
/// nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    day: NaiveDate,
    reserved: u64,
}

impl Admission {
    /// The charge of the next upstream call: the reservation the first
    /// time, nothing reserved after.
    pub fn next_charge(&mut self) -> Charge {
        let charge = Charge {
            day: self.day,
            reserved: self.reserved,
        };
        self.reserved = 0;
        charge
    }
}

/// What `GET /users/me/usage` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    pub day: NaiveDate,
    /// Tokens charged today (UTC), reservations of calls under way included.
    pub tokens_used: u64,
    /// `rate_limit.ai_tokens_per_day`; `None` when off.
    pub tokens_limit: Option<u64>,
    /// Calls that reached the provider today.
    pub requests_used: u64,
    /// `rate_limit.ai_requests_per_minute`.
    pub requests_limit: u32,
}

/// The tokens a request's messages are estimated at.
pub(crate) fn estimate_messages(messages: &[ChatMessage]) -> u64 {
    messages
        .iter()
        .map(|m| estimate_tokens(&m.content))
        .fold(0, u64::saturating_add)
}

fn budget_key(user_id: UserId) -> String {
    format!("ai:{user_id}")
}

impl AiService {
    /// Reserves `estimate` tokens of `user_id`'s budget of today, when a
    /// budget is set.
    ///
    /// # Errors
    /// `TokenBudgetExceeded` (with the seconds to the next UTC midnight)
    /// when the day's tokens have reached the limit; nothing is reserved.
    pub(crate) async fn reserve(
        &self,
        user_id: UserId,
        estimate: u64,
        now: DateTime<Utc>,
    ) -> Result<Admission, AiError> {
        let day = utc_day(now);
        let limit = self.policy.tokens_per_day;
        if limit == 0 {
            return Ok(Admission { day, reserved: 0 });
        }
        let answer = self
            .ports
            .limiter
            .reserve_tokens(&budget_key(user_id), day, estimate, limit, now)
            .await;
        match answer {
            Ok(BudgetDecision::Reserved(_)) => Ok(Admission {
                day,
                reserved: estimate,
            }),
            Ok(BudgetDecision::Exhausted(_)) => {
                self.ports.metrics.token_budget_exceeded();
                Err(AiError::TokenBudgetExceeded {
                    retry_after_secs: secs_to_next_utc_midnight(now),
                })
            }
            // As for the request limit: the adapters already fall back to
            // per-instance counts, an error here refuses nobody.
            Err(err) => {
                tracing::warn!(error = %err, "token budget unavailable; request admitted");
                Ok(Admission { day, reserved: 0 })
            }
        }
    }

    /// Charges one upstream call: `used` tokens in place of its
    /// reservation, and one request. Counted whether or not a budget is
    /// set, so `/users/me/usage` always tells. A failure is logged.
    pub(crate) async fn settle(&self, user_id: UserId, charge: Charge, used: u64, estimated: bool) {
        let result = self
            .ports
            .limiter
            .settle_tokens(
                &budget_key(user_id),
                charge.day,
                charge.reserved,
                used,
                self.ports.clock.now(),
            )
            .await;
        match result {
            Ok(_) => self.ports.metrics.tokens_charged(used, estimated),
            Err(err) => {
                tracing::warn!(error = %err, %user_id, used, "token usage not charged");
            }
        }
    }

    /// `user_id`'s usage of today (UTC).
    ///
    /// # Errors
    /// `StorageUnavailable` when the limiter's store cannot be read.
    pub async fn usage(&self, user_id: UserId) -> Result<UsageReport, AiError> {
        let day = utc_day(self.ports.clock.now());
        let DayUsage { tokens, requests } = self
            .ports
            .limiter
            .day_usage(&budget_key(user_id), day)
            .await
            .map_err(|err| AiError::StorageUnavailable(err.into()))?;
        Ok(UsageReport {
            day,
            tokens_used: tokens,
            tokens_limit: (self.policy.tokens_per_day > 0).then_some(self.policy.tokens_per_day),
            requests_used: requests,
            requests_limit: self.policy.requests_per_minute,
        })
    }
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
