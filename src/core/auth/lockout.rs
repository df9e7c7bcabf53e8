//! Brute-force protection for `/auth/login` and `/auth/refresh`.
//!
//! Failures are counted through the `RateLimiter` port (shared by every
//! instance with Redis), per normalised email (login) and per client IP
//! (login and refresh, counted apart). Once an account holds
//! `auth.max_failed_logins` failures, or an IP `auth.max_failed_logins_per_ip`
//! (50 by default: one carrier NAT hides thousands of app users; a refresh
//! counts only when its token was never issued), each attempt is refused with
//! `TooManyAttempts` until `last failure + backoff` has passed, where the
//! backoff is 30 s at the threshold and doubles with each further failure,
//! capped at 15 min: with the default of 5, the 5th failure locks for 30 s,
//! the 6th for 60 s, the 7th for 120 s ... the 10th and later for 900 s.
//!
//! The check runs before the password is verified, so the right password
//! still waits the backoff out; refused attempts are not counted (they
//! neither extend the lock nor cost bcrypt work). A successful sign-in
//! forgets the account's failures but not the IP's. A count is forgotten
//! an hour after its last failure.

use std::{net::IpAddr, time::Duration};

use chrono::{DateTime, Utc};
use nextarget_ports::{Email, FailureCount, RateLimitError};
use sha2::{Digest, Sha256};

use super::{AuthError, AuthService};

pub const BACKOFF_BASE_SECS: u64 = 30;
pub const BACKOFF_CAP_SECS: u64 = 15 * 60;
pub const FAILURE_MEMORY_SECS: u64 = 60 * 60;

/// The lock, in seconds from the last failure, that `count` consecutive
/// failures earn with a threshold of `max` (0 below it).
pub fn backoff_secs(count: u32, max: u32) -> u64 {
    if count < max.max(1) {
        return 0;
    }
    let doublings = (count - max.max(1)).min(16);
    (BACKOFF_BASE_SECS << doublings).min(BACKOFF_CAP_SECS)
}

/// Whole seconds still to wait (rounded up), 0 when not locked.
fn remaining_secs(failures: FailureCount, max: u32, now: DateTime<Utc>) -> u64 {
    let backoff = backoff_secs(failures.count, max);
    if backoff == 0 {
        return 0;
    }
    let Some(last) = failures.last_failure_at else {
        return backoff;
    };
    let until = last + chrono::Duration::seconds(i64::try_from(backoff).unwrap_or(i64::MAX));
    let left_ms = (until - now).num_milliseconds();
    if left_ms <= 0 {
        0
    } else {
        u64::try_from(left_ms).map_or(backoff, |ms| ms.div_ceil(1000).max(1))
    }
}

/// The limiter key of an account: a hash of the normalised email (no
/// address in the shared store), or of the trimmed lowercase input when it
/// is not an email.
pub(super) fn account_key(email: &str) -> String {
    let normalised = Email::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let digest = Sha256::digest(normalised.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("auth-fail:account:{hex}")
}

/// The limiter key of a client IP for `operation` (`login`, `refresh`).
pub(super) fn ip_key(operation: &str, ip: Option<IpAddr>) -> Option<String> {
    ip.map(|ip| format!("auth-fail:{operation}:ip:{ip}"))
}

fn unavailable(err: RateLimitError) -> AuthError {
    AuthError::Unavailable(anyhow::Error::new(err))
}

impl AuthService {
    /// The failures `key` may hold before its backoff: an IP's threshold
    /// or an account's.
    fn threshold(&self, key: &str) -> u32 {
        if key.contains(":ip:") {
            self.policy.max_failed_logins_per_ip
        } else {
            self.policy.max_failed_logins
        }
    }

    /// `TooManyAttempts` (with the longest wait) when any key is locked.
    pub(super) async fn ensure_not_locked(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let mut wait = 0;
        for key in keys {
            let failures = self
                .ports
                .limiter
                .failures(key, now)
                .await
                .map_err(unavailable)?;
            wait = wait.max(remaining_secs(failures, self.threshold(key), now));
        }
        if wait > 0 {
            tracing::info!(
                retry_after_secs = wait,
                "attempt refused: too many failures"
            );
            return Err(AuthError::TooManyAttempts {
                retry_after_secs: wait,
            });
        }
        Ok(())
    }

    pub(super) async fn record_failures(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let memory = Duration::from_secs(FAILURE_MEMORY_SECS);
        for key in keys {
            self.ports
                .limiter
                .record_failure(key, memory, now)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Forgets `key`'s failures; a failure here is logged, not fatal.
    pub(super) async fn forget_failures(&self, key: &str) {
        if let Err(err) = self.ports.limiter.clear_failures(key).await {
            tracing::warn!(error = %err, "could not reset a failure count");
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_backoff_starts_at_the_threshold_doubles_and_is_capped() {
        let secs: Vec<u64> = (3..=12).map(|n| backoff_secs(n, 5)).collect();
        assert_eq!(secs, [0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(backoff_secs(u32::MAX, 5), 900);
    }

    #[test]
    fn the_wait_counts_from_the_last_failure_rounded_up() {
        let last = Utc.timestamp_opt(1_800_000_000, 0).single().expect("time");
        let failures = FailureCount {
            count: 5,
            last_failure_at: Some(last),
        };
        let at = |ms| last + chrono::Duration::milliseconds(ms);
        assert_eq!(remaining_secs(failures, 5, at(0)), 30);
        assert_eq!(remaining_secs(failures, 5, at(29_001)), 1);
        assert_eq!(remaining_secs(failures, 5, at(30_000)), 0);
        assert_eq!(remaining_secs(FailureCount::default(), 5, at(0)), 0);
    }

    #[test]
    fn account_keys_follow_the_normalised_email_and_hide_it() {
        assert_eq!(
            account_key(" Alice@Example.com"),
            account_key("alice@example.com")
        );
        assert!(!account_key("alice@example.com").contains("alice"));
    }
}
