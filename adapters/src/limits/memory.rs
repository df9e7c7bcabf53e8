//! In-process limiter: right for one instance (and tests). Entries expire
//! and are swept, so memory stays bounded by the active keys.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use nextarget_ports::{
    budget::day_ttl, Attempt, AttemptDecision, BudgetDecision, DayUsage, FailureCount, LockPolicy,
    RateDecision, RateLimit, RateLimitError, RateLimiter,
};

use super::gcra;

#[derive(Default)]
struct State {
    /// key -> theoretical arrival time (ms)
    rates: HashMap<String, i64>,
    failures: HashMap<String, Failures>,
    budgets: HashMap<(String, NaiveDate), Budget>,
    ops: u64,
}

/// A key's usage of one day.
#[derive(Debug, Clone, Copy)]
struct Budget {
    usage: DayUsage,
    forget_at_ms: i64,
}

impl State {
    /// `key`'s budget of `day`, kept `day_ttl` from `now` on.
    fn budget(&mut self, key: &str, day: NaiveDate, now: DateTime<Utc>) -> &mut DayUsage {
        let forget_at_ms = now
            .timestamp_millis()
            .saturating_add(millis(day_ttl(day, now)));
        let entry = self.budgets.entry((key.to_owned(), day)).or_insert(Budget {
            usage: DayUsage::default(),
            forget_at_ms,
        });
        entry.forget_at_ms = entry.forget_at_ms.max(forget_at_ms);
        &mut entry.usage
    }
}

/// A key's failures.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last_ms: i64,
    forget_at_ms: i64,
}

#[derive(Default)]
pub struct MemoryLimiter {
    state: Mutex<State>,
}

impl MemoryLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_state<T>(&self, now_ms: i64, f: impl FnOnce(&mut State) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update of
        // plain counters: the data is still usable.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.ops += 1;
        if state.ops.is_multiple_of(1024) {
            state.rates.retain(|_, tat| *tat > now_ms);
            state.failures.retain(|_, f| f.forget_at_ms > now_ms);
            state.budgets.retain(|_, b| b.forget_at_ms > now_ms);
        }
        f(&mut state)
    }
}

fn failure_count(entry: Option<&Failures>, now_ms: i64) -> FailureCount {
    match entry {
        Some(f) if f.forget_at_ms > now_ms => FailureCount {
            count: f.count,
            last_failure_at: Utc.timestamp_millis_opt(f.last_ms).single(),
        },
        _ => FailureCount::default(),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn check(
        &self,
        key: &str,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, RateLimitError> {
        let now_ms = now.timestamp_millis();
        Ok(self.with_state(now_ms, |state| {
            let (decision, next) = gcra::step(state.rates.get(key).copied(), now_ms, limit);
            if let Some(tat) = next {
                state.rates.insert(key.to_owned(), tat);
            }
            decision
        }))
    }

    async fn take_attempt(
        &self,
        key: &str,
        policy: LockPolicy,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<AttemptDecision, RateLimitError> {
        let now_ms = now.timestamp_millis();
        Ok(self.with_state(now_ms, |state| {
            let current = failure_count(state.failures.get(key), now_ms);
            let retry_after_secs = policy.retry_after_secs(current, now);
            if retry_after_secs > 0 {
                return AttemptDecision::Locked { retry_after_secs };
            }
            let count = current.count.saturating_add(1);
            state.failures.insert(
                key.to_owned(),
                Failures {
                    count,
                    last_ms: now_ms,
                    forget_at_ms: now_ms.saturating_add(millis(ttl)),
                },
            );
            AttemptDecision::Taken(Attempt {
                count,
                taken_at: now,
                previous_failure_at: current.last_failure_at,
            })
        }))
    }

    async fn give_back(
        &self,
        key: &str,
        attempt: Attempt,
        ttl: Duration,
    ) -> Result<(), RateLimitError> {
        let taken_ms = attempt.taken_at.timestamp_millis();
        self.with_state(taken_ms, |state| {
            let Some(entry) = state.failures.get_mut(key) else {
                return;
            };
            if entry.count <= 1 {
                state.failures.remove(key);
                return;
            }
            entry.count -= 1;
            if let Some(previous) = attempt.previous_failure_at {
                if entry.last_ms == taken_ms {
                    entry.last_ms = previous.timestamp_millis();
                    entry.forget_at_ms = entry.last_ms.saturating_add(millis(ttl));
                }
            }
        });
        Ok(())
    }

    async fn failures(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, RateLimitError> {
        let now_ms = now.timestamp_millis();
        Ok(self.with_state(now_ms, |state| {
            failure_count(state.failures.get(key), now_ms)
        }))
    }

    async fn clear_failures(&self, key: &str) -> Result<(), RateLimitError> {
        self.with_state(0, |state| state.failures.remove(key));
        Ok(())
    }

    async fn reserve_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        tokens: u64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<BudgetDecision, RateLimitError> {
        Ok(self.with_state(now.timestamp_millis(), |state| {
            let usage = state.budget(key, day, now);
            if limit > 0 && usage.tokens >= limit {
                return BudgetDecision::Exhausted(*usage);
            }
            usage.tokens = usage.tokens.saturating_add(tokens);
            BudgetDecision::Reserved(*usage)
        }))
    }

    async fn settle_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        reserved: u64,
        used: u64,
        now: DateTime<Utc>,
    ) -> Result<DayUsage, RateLimitError> {
        Ok(self.with_state(now.timestamp_millis(), |state| {
            let usage = state.budget(key, day, now);
            usage.tokens = usage.tokens.saturating_add(used).saturating_sub(reserved);
            usage.requests = usage.requests.saturating_add(1);
            *usage
        }))
    }

    async fn day_usage(&self, key: &str, day: NaiveDate) -> Result<DayUsage, RateLimitError> {
        Ok(self.with_state(i64::MIN, |state| {
            state
                .budgets
                .get(&(key.to_owned(), day))
                .map(|b| b.usage)
                .unwrap_or_default()
        }))
    }

    async fn ping(&self) -> Result<(), RateLimitError> {
        Ok(())
    }
}
