//! The `RateLimiter` port: per-key request rates and failure counters, kept
//! in one place every server instance shares (Redis) or in process memory.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::budget::{BudgetDecision, DayUsage};

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

/// When a failure count locks its key: from `max` failures on, the key is
/// locked for `backoff_secs(count)` after its last failure, `base_secs` at
/// `max`, doubling with each further failure, at most `cap_secs`.
///
/// The one formula of the lock: the memory adapter and the core compute
/// with it, the Redis script indexes [`LockPolicy::backoff_steps_secs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// The count at which the lock starts (0 is taken as 1).
    pub max: u32,
    pub base_secs: u64,
    pub cap_secs: u64,
}

/// Past this many doublings the backoff stops growing (the cap has long
/// been reached with any sensible base).
const MAX_DOUBLINGS: u32 = 16;

impl LockPolicy {
    /// The lock, in seconds from the last failure, that `count` failures
    /// earn: 0 below `max`, then `base_secs` doubling per failure, capped.
    pub fn backoff_secs(&self, count: u32) -> u64 {
        let max = self.max.max(1);
        if count < max {
            return 0;
        }
        let doublings = (count - max).min(MAX_DOUBLINGS);
        self.base_secs
            .saturating_mul(1 << doublings)
            .min(self.cap_secs)
    }

    /// `backoff_secs(max + i)` for `i = 0, 1, ...` up to the first that
    /// stays the same for every larger count (the cap, or the last
    /// doubling): a store-side script takes entry `min(i, len - 1)`.
    /// Never empty.
    pub fn backoff_steps_secs(&self) -> Vec<u64> {
        let max = self.max.max(1);
        let mut steps = Vec::new();
        for i in 0..=MAX_DOUBLINGS {
            let secs = self.backoff_secs(max.saturating_add(i));
            steps.push(secs);
            if secs >= self.cap_secs {
                break;
            }
        }
        steps
    }

    /// Whole seconds (rounded up, at least 1) a key holding `failures`
    /// stays locked after `now`; 0 when it is not locked.
    pub fn retry_after_secs(&self, failures: FailureCount, now: DateTime<Utc>) -> u64 {
        let backoff = self.backoff_secs(failures.count);
        let Some(last) = failures.last_failure_at.filter(|_| backoff > 0) else {
            return 0;
        };
        let backoff_ms = i64::try_from(backoff.saturating_mul(1000)).unwrap_or(i64::MAX);
        let left_ms = last
            .timestamp_millis()
            .saturating_add(backoff_ms)
            .saturating_sub(now.timestamp_millis());
        wait_secs(left_ms)
    }
}

/// Milliseconds to wait as whole seconds, rounded up: 0 when none are left.
pub fn wait_secs(left_ms: i64) -> u64 {
    u64::try_from(left_ms).map_or(0, |ms| ms.div_ceil(1000))
}

/// One attempt that took its place in a key's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The key's count with this attempt in it.
    pub count: u32,
    /// When it was taken: the key's last failure from then on, until a
    /// later attempt.
    pub taken_at: DateTime<Utc>,
    /// The key's last failure before this attempt (none when its count was
    /// 0): what giving the attempt back restores.
    pub previous_failure_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptDecision {
    /// Counted: the attempt may go on (to the password check).
    Taken(Attempt),
    /// The key is locked: nothing was counted; it unlocks after this many
    /// whole seconds (at least 1).
    Locked { retry_after_secs: u64 },
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

    /// Takes one attempt's place in `key`'s count, as of `now`, in one
    /// atomic step (no read-then-write race, between instances either):
    /// while the key is locked under `policy` (its count at least
    /// `policy.max` and `now` before its last failure plus
    /// `policy.backoff_secs(count)`) the answer is `Locked` and nothing is
    /// counted; otherwise the count goes up by one, its last failure is
    /// `now`, and the answer is `Taken`. So of N concurrent attempts on a
    /// fresh key, exactly `policy.max` are taken. The count is forgotten
    /// `ttl` after its last failure.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn take_attempt(
        &self,
        key: &str,
        policy: LockPolicy,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<AttemptDecision, RateLimitError>;

    /// Gives back the place `attempt` took in `key`'s count (an attempt
    /// that was no failure): the count goes down by one, never below zero
    /// (a count of 0 is forgotten); when no later attempt has come since,
    /// the last failure is again the one before `attempt`, forgotten `ttl`
    /// after it, so a given-back attempt neither extends a lock nor the
    /// memory of the count.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn give_back(
        &self,
        key: &str,
        attempt: Attempt,
        ttl: Duration,
    ) -> Result<(), RateLimitError>;

    /// The failures recorded for `key` (zero when none or forgotten).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn failures(&self, key: &str, now: DateTime<Utc>)
        -> Result<FailureCount, RateLimitError>;

    /// Forgets the failures of `key` (after a success), attempts still
    /// under way included.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn clear_failures(&self, key: &str) -> Result<(), RateLimitError>;

    /// Reserves `tokens` of `key`'s budget for the UTC `day`, in one atomic
    /// step (between instances too): when the day's tokens have already
    /// reached `limit` nothing is counted and the answer is `Exhausted`;
    /// otherwise they grow by `tokens` and the answer is `Reserved`. A
    /// `limit` of 0 never refuses. The day's counters are kept
    /// [`crate::budget::day_ttl`] from `now`.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn reserve_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        tokens: u64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<BudgetDecision, RateLimitError>;

    /// Settles one LLM call on `key`'s `day`, in one atomic step: the day's
    /// tokens grow by `used` and shrink by the `reserved` taken for the
    /// call (never below zero), its requests grow by one. Returns the day's
    /// usage after it.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn settle_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        reserved: u64,
        used: u64,
        now: DateTime<Utc>,
    ) -> Result<DayUsage, RateLimitError>;

    /// `key`'s usage on `day` (zero when none, or forgotten).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the store cannot be reached.
    async fn day_usage(&self, key: &str, day: NaiveDate) -> Result<DayUsage, RateLimitError>;

    /// `Ok` when the store answers (used by `/ready`).
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when it does not.
    async fn ping(&self) -> Result<(), RateLimitError>;
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const POLICY: LockPolicy = LockPolicy {
        max: 5,
        base_secs: 30,
        cap_secs: 900,
    };

    #[test]
    fn the_backoff_starts_at_the_threshold_doubles_and_is_capped() {
        let secs: Vec<u64> = (3..=12).map(|n| POLICY.backoff_secs(n)).collect();
        assert_eq!(secs, [0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(POLICY.backoff_secs(u32::MAX), 900);
        let zero = LockPolicy { max: 0, ..POLICY };
        assert_eq!((zero.backoff_secs(0), zero.backoff_secs(1)), (0, 30));
    }

    #[test]
    fn the_steps_are_the_backoffs_from_the_threshold_on() {
        assert_eq!(POLICY.backoff_steps_secs(), [30, 60, 120, 240, 480, 900]);
        let policies = [
            POLICY,
            LockPolicy { max: 1, ..POLICY },
            LockPolicy {
                max: 50,
                base_secs: 1,
                cap_secs: u64::MAX,
            },
            LockPolicy {
                max: 3,
                base_secs: u64::MAX / 2,
                cap_secs: u64::MAX,
            },
        ];
        for policy in policies {
            let steps = policy.backoff_steps_secs();
            assert!(!steps.is_empty());
            for i in 0..40 {
                let step = steps[usize::try_from(i).expect("small").min(steps.len() - 1)];
                assert_eq!(step, policy.backoff_secs(policy.max + i), "{policy:?} +{i}");
            }
        }
    }

    #[test]
    fn the_wait_counts_from_the_last_failure_rounded_up() {
        let last = Utc.timestamp_opt(1_800_000_000, 0).single().expect("time");
        let failures = FailureCount {
            count: 5,
            last_failure_at: Some(last),
        };
        let at = |ms| last + chrono::Duration::milliseconds(ms);
        assert_eq!(POLICY.retry_after_secs(failures, at(0)), 30);
        assert_eq!(POLICY.retry_after_secs(failures, at(29_001)), 1);
        assert_eq!(POLICY.retry_after_secs(failures, at(30_000)), 0);
        let below = FailureCount {
            count: 4,
            ..failures
        };
        assert_eq!(POLICY.retry_after_secs(below, at(0)), 0);
        assert_eq!(POLICY.retry_after_secs(FailureCount::default(), at(0)), 0);
    }
}
