//! In-process limiter: right for one instance (and tests). Entries expire
//! and are swept, so memory stays bounded by the active keys.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use nextarget_ports::{FailureCount, RateDecision, RateLimit, RateLimitError, RateLimiter};

use super::gcra;

#[derive(Default)]
struct State {
    /// key -> theoretical arrival time (ms)
    rates: HashMap<String, i64>,
    /// key -> (count, last failure ms, forget at ms)
    failures: HashMap<String, (u32, i64, i64)>,
    ops: u64,
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
            state
                .failures
                .retain(|_, (_, _, forget_at)| *forget_at > now_ms);
        }
        f(&mut state)
    }
}

fn failure_count(entry: Option<&(u32, i64, i64)>, now_ms: i64) -> FailureCount {
    match entry {
        Some(&(count, last, forget_at)) if forget_at > now_ms => FailureCount {
            count,
            last_failure_at: Utc.timestamp_millis_opt(last).single(),
        },
        _ => FailureCount::default(),
    }
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

    async fn record_failure(
        &self,
        key: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, RateLimitError> {
        let now_ms = now.timestamp_millis();
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        Ok(self.with_state(now_ms, |state| {
            let current = failure_count(state.failures.get(key), now_ms).count;
            let entry = (
                current.saturating_add(1),
                now_ms,
                now_ms.saturating_add(ttl_ms),
            );
            state.failures.insert(key.to_owned(), entry);
            failure_count(Some(&entry), now_ms)
        }))
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
