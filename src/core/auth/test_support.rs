//! Mocks of every port the auth service needs, for its unit tests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use nextarget_ports::{
    mocks::{
        MockAccessTokenCodec, MockClock, MockPasswordHasher, MockRateLimiter,
        MockRefreshTokenStore, MockUserRepository,
    },
    AccessClaims, Email, FailureCount, IssuedAccessToken, PasswordHash, Provider, User,
};
use secrecy::SecretString;
use uuid::Uuid;

use super::{AuthPolicy, AuthPorts, AuthService};

pub(super) struct Fixture {
    pub now: DateTime<Utc>,
    pub users: MockUserRepository,
    pub refresh_tokens: MockRefreshTokenStore,
    pub hasher: MockPasswordHasher,
    pub access_tokens: MockAccessTokenCodec,
    pub limiter: MockRateLimiter,
}

impl Fixture {
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

    /// Expects `keys` failures to be recorded (one per limiter key).
    pub fn failures_recorded(&mut self, keys: usize) {
        self.limiter
            .expect_record_failure()
            .times(keys)
            .returning(|_, _, now| {
                Ok(FailureCount {
                    count: 1,
                    last_failure_at: Some(now),
                })
            });
    }

    /// Expects one access token to be issued.
    pub fn expect_access_token_issued(&mut self) {
        self.access_tokens
            .expect_issue()
            .times(1)
            .returning(|user_id, now| {
                Ok(IssuedAccessToken {
                    token: "access".into(),
                    expires_in_secs: 900,
                    claims: AccessClaims {
                        user_id,
                        token_id: Uuid::now_v7(),
                        issued_at: now,
                        expires_at: now,
                    },
                })
            });
    }

    pub fn service(self) -> AuthService {
        let mut clock = MockClock::new();
        let now = self.now;
        clock.expect_now().return_const(now);
        AuthService::new(
            AuthPorts {
                users: Arc::new(self.users),
                refresh_tokens: Arc::new(self.refresh_tokens),
                hasher: Arc::new(self.hasher),
                access_tokens: Arc::new(self.access_tokens),
                clock: Arc::new(clock),
                limiter: Arc::new(self.limiter),
            },
            AuthPolicy {
                refresh_token_ttl_secs: 3600,
                max_failed_logins: 5,
                refresh_reuse_grace_secs: 5,
            },
        )
    }
}

pub(super) fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub(super) fn local_user(email: &str) -> User {
    User {
        id: Uuid::now_v7(),
        email: Email::parse(email).expect("valid email"),
        provider: Provider::Local,
        provider_subject: None,
        password_hash: Some(PasswordHash::new("$2b$04$hash".into())),
        created_at: Utc::now(),
    }
}
