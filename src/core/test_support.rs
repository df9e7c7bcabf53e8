//! The auth service on mockall mocks of every port it needs, for the unit
//! tests of `auth` and of `oauth` (whose fixture signs in through it).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use nextarget_ports::{
    mocks::{
        MockAccessTokenCodec, MockClock, MockMailer, MockPasswordHasher, MockPasswordResetStore,
        MockRateLimiter, MockRefreshTokenStore, MockUserRepository,
    },
    AccessClaims, Attempt, AttemptDecision, Email, FailureCount, IssuedAccessToken, Metrics,
    NoMetrics, PasswordHash, Provider, RefreshTokenRecord, User, UserId,
};
use secrecy::SecretString;
use uuid::Uuid;

use crate::auth::{AuthError, AuthPolicy, AuthPorts, AuthService};

pub(crate) struct AuthFixture {
    pub now: DateTime<Utc>,
    pub users: MockUserRepository,
    pub refresh_tokens: MockRefreshTokenStore,
    pub hasher: MockPasswordHasher,
    pub access_tokens: MockAccessTokenCodec,
    pub limiter: MockRateLimiter,
    pub reset_tokens: MockPasswordResetStore,
    pub mailer: MockMailer,
    /// Records nothing unless a test puts a `MockMetrics` here.
    pub metrics: Arc<dyn Metrics>,
}

impl AuthFixture {
    pub fn new() -> Self {
        Self {
            now: Utc
                .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
                .single()
                .expect("valid date"),
            users: MockUserRepository::new(),
            refresh_tokens: MockRefreshTokenStore::new(),
            hasher: MockPasswordHasher::new(),
            access_tokens: MockAccessTokenCodec::new(),
            limiter: MockRateLimiter::new(),
            reset_tokens: MockPasswordResetStore::new(),
            mailer: MockMailer::new(),
            metrics: Arc::new(NoMetrics),
        }
    }

    /// Expects one access token and one refresh token to be issued.
    pub fn expect_session_issued(&mut self) {
        self.expect_access_token_issued();
        self.refresh_tokens
            .expect_insert()
            .times(1)
            .returning(|_| Ok(()));
    }

    /// No key has any failure recorded.
    pub fn no_failures_recorded(&mut self) {
        self.limiter
            .expect_failures()
            .returning(|_, _| Ok(FailureCount::default()));
    }

    /// Expects `keys` attempts to be taken (one per limiter key), each the
    /// first of its key.
    pub fn attempts_taken(&mut self, keys: usize) {
        self.limiter
            .expect_take_attempt()
            .times(keys)
            .returning(|_, _, _, now| Ok(AttemptDecision::Taken(first_attempt(now))));
    }

    /// Expects one access token to be issued.
    pub fn expect_access_token_issued(&mut self) {
        self.access_tokens
            .expect_issue()
            .times(1)
            .returning(issued_access_token);
    }

    /// A live refresh-token record (a day to go), as a store returns it.
    pub fn refresh_record(&self) -> RefreshTokenRecord {
        RefreshTokenRecord {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            family_id: Uuid::now_v7(),
            expires_at: self.now + chrono::Duration::days(1),
            spent_at: None,
            revoked_at: None,
            parent_id: None,
            grace_closed_at: None,
        }
    }

    /// The mocks as ports, with a clock stopped at `now`.
    pub fn ports(self) -> AuthPorts {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(self.now);
        AuthPorts {
            users: Arc::new(self.users),
            refresh_tokens: Arc::new(self.refresh_tokens),
            hasher: Arc::new(self.hasher),
            access_tokens: Arc::new(self.access_tokens),
            clock: Arc::new(clock),
            limiter: Arc::new(self.limiter),
            metrics: self.metrics,
            reset_tokens: Arc::new(self.reset_tokens),
            mailer: Arc::new(self.mailer),
        }
    }

    pub fn service(self) -> AuthService {
        AuthService::with_mail_retry(self.ports(), policy(), std::time::Duration::ZERO)
    }
}

pub(crate) fn policy() -> AuthPolicy {
    AuthPolicy {
        refresh_token_ttl_secs: 3600,
        max_failed_logins: 5,
        max_failed_logins_per_ip: 50,
        refresh_reuse_grace_secs: 5,
        password_reset_ttl_secs: 1800,
        reset_url: "nextarget://reset-password?token={token}".into(),
    }
}

/// The `Retry-After` of a `TooManyAttempts` (panics on anything else).
pub(crate) fn wait_of<T>(result: Result<T, AuthError>) -> u64 {
    match result {
        Err(AuthError::TooManyAttempts { retry_after_secs }) => retry_after_secs,
        Err(other) => panic!("expected TooManyAttempts, got {other:?}"),
        Ok(_) => panic!("expected TooManyAttempts, got a success"),
    }
}

/// The first attempt of a key, taken at `now`.
pub(crate) fn first_attempt(now: DateTime<Utc>) -> Attempt {
    Attempt {
        count: 1,
        taken_at: now,
        previous_failure_at: None,
    }
}

/// What the access-token codec answers: a token for `user_id` at `now`.
pub(crate) fn issued_access_token(
    user_id: UserId,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<IssuedAccessToken> {
    Ok(IssuedAccessToken {
        token: "access".into(),
        expires_in_secs: 900,
        claims: AccessClaims {
            user_id,
            session_id,
            token_id: Uuid::now_v7(),
            issued_at: now,
            expires_at: now,
        },
    })
}

pub(crate) fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub(crate) fn local_user(email: &str) -> User {
    User {
        id: Uuid::now_v7(),
        email: Email::parse(email).expect("valid email"),
        provider: Provider::Local,
        provider_subject: None,
        password_hash: Some(PasswordHash::new("$2b$04$hash".into())),
        created_at: Utc::now(),
    }
}
