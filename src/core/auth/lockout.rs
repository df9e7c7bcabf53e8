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
//! the 6th for 60 s, the 7th for 120 s ... the 10th and later for 900 s
//! (`LockPolicy`, the one formula, in the port).
//!
//! Counting is atomic: a sign-in takes its place in the account's count and
//! in the IP's (`RateLimiter::take_attempt`, one atomic step per key, in
//! memory and in Redis alike) before the user is looked up and the password
//! verified, so of N concurrent wrong passwords for one account at most the
//! threshold reach the password check; the others are refused. A locked
//! key refuses the attempt whatever the password (the right one still waits
//! the backoff out), with the longest wait of the keys, and nothing is
//! counted: refused attempts neither extend the lock nor cost bcrypt work.
//! A wrong password keeps its places (they are its failure); the right one
//! forgets the account's count (success forgets the account's count, not
//! the IP's) and gives its place in the IP's count back; an error of a port
//! after the places were taken gives both back. A given-back place leaves
//! the count and its last failure as they were without it (no longer lock,
//! no longer memory). While an attempt is under way its place counts, so a
//! concurrent attempt may be refused on its account (or IP) even if the
//! attempt under way turns out right. An unknown email is counted and
//! locked exactly like a real one. A count is forgotten an hour after its
//! last failure.
//!
//! A refresh reads the IP's lock before the store is asked, and takes its
//! place only once the token proves never issued: see `refresh`.

use std::{net::IpAddr, time::Duration};

use chrono::{DateTime, Utc};
use nextarget_ports::{Attempt, AttemptDecision, Email, LockPolicy, RateLimitError};

use super::{refresh_token, AuthError, AuthService};

pub const BACKOFF_BASE_SECS: u64 = 30;
pub const BACKOFF_CAP_SECS: u64 = 15 * 60;
pub const FAILURE_MEMORY_SECS: u64 = 60 * 60;
const FAILURE_MEMORY: Duration = Duration::from_secs(FAILURE_MEMORY_SECS);

/// The place one attempt took in one key's count.
pub(super) struct Place {
    pub key: String,
    attempt: Attempt,
}

/// The limiter key of an account: a hash of the normalised email (no
/// address in the shared store), or of the trimmed lowercase input when it
/// is not an email.
pub(super) fn account_key(email: &str) -> String {
    let normalised = Email::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    format!("auth-fail:account:{}", refresh_token::hash(&normalised))
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

    fn lock_policy(&self, key: &str) -> LockPolicy {
        LockPolicy {
            max: self.threshold(key),
            base_secs: BACKOFF_BASE_SECS,
            cap_secs: BACKOFF_CAP_SECS,
        }
    }

    /// Takes an attempt's place in the count of each of `keys`, in order,
    /// each in one atomic step (`RateLimiter::take_attempt`).
    ///
    /// # Errors
    /// `TooManyAttempts` when a key is locked, with the longest wait of the
    /// keys; `Unavailable` when the limiter is. Either way nothing stays
    /// counted: the places taken before are given back, and the keys after
    /// a locked one are only read.
    pub(super) async fn take_places(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<Place>, AuthError> {
        let mut places = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let decision = self
                .ports
                .limiter
                .take_attempt(key, self.lock_policy(key), FAILURE_MEMORY, now)
                .await;
            match decision {
                Ok(AttemptDecision::Taken(attempt)) => places.push(Place {
                    key: key.clone(),
                    attempt,
                }),
                Ok(AttemptDecision::Locked { retry_after_secs }) => {
                    self.give_back(places).await;
                    let rest = self.longest_wait(&keys[i + 1..], now).await?;
                    return Err(too_many_attempts(retry_after_secs.max(rest)));
                }
                Err(err) => {
                    self.give_back(places).await;
                    return Err(unavailable(err));
                }
            }
        }
        Ok(places)
    }

    /// Gives back `places` (their attempts were no failures); a failure
    /// here is logged, not fatal.
    pub(super) async fn give_back(&self, places: Vec<Place>) {
        for place in places {
            let given = self
                .ports
                .limiter
                .give_back(&place.key, place.attempt, FAILURE_MEMORY)
                .await;
            if let Err(err) = given {
                tracing::warn!(error = %err, "could not give back a counted attempt");
            }
        }
    }

    /// The longest wait, in whole seconds, of `keys` as they stand (0 when
    /// none is locked); a read, counting nothing.
    async fn longest_wait(&self, keys: &[String], now: DateTime<Utc>) -> Result<u64, AuthError> {
        let mut wait = 0;
        for key in keys {
            let failures = self
                .ports
                .limiter
                .failures(key, now)
                .await
                .map_err(unavailable)?;
            wait = wait.max(self.lock_policy(key).retry_after_secs(failures, now));
        }
        Ok(wait)
    }

    /// `TooManyAttempts` (with the longest wait) when any key is locked;
    /// a read, counting nothing.
    pub(super) async fn ensure_not_locked(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        match self.longest_wait(keys, now).await? {
            0 => Ok(()),
            wait => Err(too_many_attempts(wait)),
        }
    }

    /// The attempt whose `places` were taken proved right: the account's
    /// count is forgotten and every other place (the IP's) given back.
    pub(super) async fn attempt_succeeded(&self, places: Vec<Place>, account: &str) {
        self.forget_failures(account).await;
        let others = places.into_iter().filter(|p| p.key != account).collect();
        self.give_back(others).await;
    }

    /// Forgets `key`'s failures; a failure here is logged, not fatal.
    pub(super) async fn forget_failures(&self, key: &str) {
        if let Err(err) = self.ports.limiter.clear_failures(key).await {
            tracing::warn!(error = %err, "could not reset a failure count");
        }
    }
}

fn too_many_attempts(retry_after_secs: u64) -> AuthError {
    tracing::info!(retry_after_secs, "attempt refused: too many failures");
    AuthError::TooManyAttempts { retry_after_secs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_follow_the_normalised_email_and_hide_it() {
        assert_eq!(
            account_key(" Alice@Example.com"),
            account_key("alice@example.com")
        );
        assert!(!account_key("alice@example.com").contains("alice"));
    }
}
