//! The `RateLimiter` port: per-key request rates and failure counters, kept
//! in one place every server instance shares (Redis) or in process memory.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// At most `max` requests per `per`, smoothed (GCRA): a client may burst up
/// to `max` at once, then gets one more every `per / max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub per: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed {
        remaining: u32,
    },
    /// Refused; the next request for this key may pass after this many
    /// whole seconds (at least 1).
    Limited {
        retry_after_secs: u64,
    },
}

/// Consecutive failures recorded for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCount {
    pub count: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    /// The backing store does not answer (Redis down).
    #[error("rate limiter unavailable: {0}")]
    Unavailable(String),
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Takes one request for `key` under `limit`, as of `now`.
    ///
    /// MUST be one atomic step (no read-then-write race between instances).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn check(
        &self,
        key: &str,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, RateLimitError>;

    /// Adds one failure to `key` at `now`; the count is forgotten `ttl` after
    /// its last failure. Returns the count after this one, atomically.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn record_failure(
        &self,
        key: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, RateLimitError>;

    /// The failures recorded for `key` (zero when none or forgotten).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn failures(&self, key: &str, now: DateTime<Utc>)
        -> Result<FailureCount, RateLimitError>;

    /// Forgets the failures of `key` (after a success).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn clear_failures(&self, key: &str) -> Result<(), RateLimitError>;

    /// `Ok` when the store answers (used by `/ready`).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when it does not.
    async fn ping(&self) -> Result<(), RateLimitError>;
}
