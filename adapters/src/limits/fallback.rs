//! Fail-soft limiting: when the shared store (Redis) does not answer, the
//! limits still hold, per instance, from process memory.
//!
//! Why neither fail-open nor fail-closed: failing open would leave the LLM
//! budget and the login backoff unguarded during an outage; failing closed
//! would turn a Redis outage into a full outage of AI and login. Falling
//! back to per-instance limits keeps both working, at worst N times looser
//! with N instances. Each outage is logged, and `/ready` reports Redis as
//! unavailable (through `ping`, which is never masked).

use std::{
    future::Future,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use nextarget_ports::{
    Attempt, AttemptDecision, BudgetDecision, DayUsage, FailureCount, LockPolicy, RateDecision,
    RateLimit, RateLimitError, RateLimiter,
};

pub struct FallbackLimiter<P, F> {
    primary: P,
    fallback: F,
    degraded: AtomicBool,
}

impl<P: RateLimiter, F: RateLimiter> FallbackLimiter<P, F> {
    pub fn new(primary: P, fallback: F) -> Self {
        Self {
            primary,
            fallback,
            degraded: AtomicBool::new(false),
        }
    }

    fn note(&self, result: &Result<impl Sized, RateLimitError>) {
        match result {
            Err(RateLimitError::Unavailable(reason)) => {
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::error!(%reason, "rate limiter store unavailable: limiting per instance until it returns");
                }
            }
            Ok(_) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::warn!("rate limiter store is back: limits are shared again");
                }
            }
        }
    }

    /// The primary's answer, or the fallback's when the primary is
    /// unavailable (noted either way).
    async fn or_fallback<T, Answer>(
        &self,
        primary: Result<T, RateLimitError>,
        fallback: impl FnOnce() -> Answer,
    ) -> Result<T, RateLimitError>
    where
        Answer: Future<Output = Result<T, RateLimitError>>,
    {
        self.note(&primary);
        match primary {
            Err(_) => fallback().await,
            ok => ok,
        }
    }
}

#[async_trait]
impl<P: RateLimiter, F: RateLimiter> RateLimiter for FallbackLimiter<P, F> {
    async fn check(
        &self,
        key: &str,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, RateLimitError> {
        let primary = self.primary.check(key, limit, now).await;
        self.or_fallback(primary, || self.fallback.check(key, limit, now))
            .await
    }

    async fn take_attempt(
        &self,
        key: &str,
        policy: LockPolicy,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<AttemptDecision, RateLimitError> {
        let primary = self.primary.take_attempt(key, policy, ttl, now).await;
        self.or_fallback(primary, || {
            self.fallback.take_attempt(key, policy, ttl, now)
        })
        .await
    }

    /// Gives back where the primary answers, else to the fallback: an
    /// attempt taken from memory during an outage and given back once Redis
    /// answers again lowers Redis's count instead (by one, never below zero),
    /// within the per-instance looseness an outage already brings.
    async fn give_back(
        &self,
        key: &str,
        attempt: Attempt,
        ttl: Duration,
    ) -> Result<(), RateLimitError> {
        let primary = self.primary.give_back(key, attempt, ttl).await;
        self.or_fallback(primary, || self.fallback.give_back(key, attempt, ttl))
            .await
    }

    async fn failures(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, RateLimitError> {
        let primary = self.primary.failures(key, now).await;
        self.or_fallback(primary, || self.fallback.failures(key, now))
            .await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), RateLimitError> {
        let _ = self.fallback.clear_failures(key).await;
        let result = self.primary.clear_failures(key).await;
        self.note(&result);
        result.or(Ok(()))
    }

    async fn reserve_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        tokens: u64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<BudgetDecision, RateLimitError> {
        let primary = self
            .primary
            .reserve_tokens(key, day, tokens, limit, now)
            .await;
        self.or_fallback(primary, || {
            self.fallback.reserve_tokens(key, day, tokens, limit, now)
        })
        .await
    }

    /// Settles where the primary answers, else in the fallback: a call
    /// reserved in Redis and settled during an outage keeps its whole
    /// reservation in Redis and settles in memory (never below zero there),
    /// within the per-instance looseness an outage already brings.
    async fn settle_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        reserved: u64,
        used: u64,
        now: DateTime<Utc>,
    ) -> Result<DayUsage, RateLimitError> {
        let primary = self
            .primary
            .settle_tokens(key, day, reserved, used, now)
            .await;
        self.or_fallback(primary, || {
            self.fallback.settle_tokens(key, day, reserved, used, now)
        })
        .await
    }

    async fn day_usage(&self, key: &str, day: NaiveDate) -> Result<DayUsage, RateLimitError> {
        let primary = self.primary.day_usage(key, day).await;
        self.or_fallback(primary, || self.fallback.day_usage(key, day))
            .await
    }

    async fn ping(&self) -> Result<(), RateLimitError> {
        self.primary.ping().await
    }
}
