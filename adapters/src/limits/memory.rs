//! In-process limiter: right for one instance (and tests). Entries expire
//! and are swept, so memory stays bounded by the active keys.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use nextarget_ports::{
    Attempt, AttemptDecision, FailureCount, LockPolicy, RateDecision, RateLimit, RateLimitError,
    RateLimiter,
};

use super::gcra;

#[derive(Default)]
struct State {
    /// key -> theoretical arrival time (ms)
    rates: HashMap<String, i64>,
    failures: HashMap<String, Failures>,
    ops: u64,
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

    async fn ping(&self) -> Result<(), RateLimitError> {
        Ok(())
    }
}
