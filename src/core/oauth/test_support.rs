//! Mocks of every port the OAuth service needs, for its unit tests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use nextarget_ports::{
    mocks::{
        MockAccessTokenCodec, MockClock, MockOAuthProvider, MockOAuthStateStore,
        MockPasswordHasher, MockRefreshTokenStore, MockUserRepository,
    },
    AccessClaims, IssuedAccessToken, OAuthStateRecord, Provider,
};
use uuid::Uuid;

use super::{OAuthPorts, OAuthService};
use crate::auth::{AuthPolicy, AuthPorts, AuthService};

pub(super) struct Fixture {
    pub now: DateTime<Utc>,
    pub states: MockOAuthStateStore,
    pub users: MockUserRepository,
    pub google: MockOAuthProvider,
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            now: Utc
                .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
                .single()
                .expect("valid date"),
            states: MockOAuthStateStore::new(),
            users: MockUserRepository::new(),
            google: MockOAuthProvider::new(),
        }
    }

    pub fn record(&self, provider: Provider) -> OAuthStateRecord {
        OAuthStateRecord {
            state: "state-1".into(),
            provider,
            nonce: "nonce-1".into(),
            pkce_verifier: "v".repeat(43),
            redirect_uri: None,
            expires_at: self.now + chrono::Duration::minutes(10),
        }
    }

    pub fn service(self) -> OAuthService {
        let users = Arc::new(self.users);
        let mut access_tokens = MockAccessTokenCodec::new();
        access_tokens.expect_issue().returning(|user_id, now| {
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
        let mut refresh_tokens = MockRefreshTokenStore::new();
        refresh_tokens.expect_insert().returning(|_| Ok(()));
        let clock = {
            let mut clock = MockClock::new();
            clock.expect_now().return_const(self.now);
            Arc::new(clock)
        };
        let auth = AuthService::new(
            AuthPorts {
                users: users.clone(),
                refresh_tokens: Arc::new(refresh_tokens),
                hasher: Arc::new(MockPasswordHasher::new()),
                access_tokens: Arc::new(access_tokens),
                clock: clock.clone(),
                limiter: Arc::new(nextarget_ports::mocks::MockRateLimiter::new()),
            },
            AuthPolicy {
                refresh_token_ttl_secs: 3600,
                max_failed_logins: 5,
                refresh_reuse_grace_secs: 5,
            },
        );
        OAuthService::new(
            OAuthPorts {
                states: Arc::new(self.states),
                users,
                clock,
                google: Some(Arc::new(self.google)),
                facebook: None,
            },
            Arc::new(auth),
        )
    }
}
