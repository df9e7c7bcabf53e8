//! Mocks of the ports the OAuth service needs, for its unit tests; the auth
//! service it signs in through is the shared [`AuthFixture`]'s.

use std::sync::Arc;

use nextarget_ports::{
    mocks::{MockOAuthProvider, MockOAuthStateStore},
    OAuthStateRecord, Provider,
};

use super::{OAuthPorts, OAuthService};
use crate::auth::AuthService;
use crate::test_support::{issued_access_token, policy, AuthFixture};

pub(super) struct Fixture {
    /// The users, the clock (`auth.now`) and the session the sign-in opens.
    pub auth: AuthFixture,
    pub states: MockOAuthStateStore,
    /// Web flow on.
    pub google: MockOAuthProvider,
    pub apple: MockOAuthProvider,
    /// Whether Apple's web flow is on (`true` unless a test says otherwise).
    pub apple_web: bool,
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            auth: AuthFixture::new(),
            states: MockOAuthStateStore::new(),
            google: MockOAuthProvider::new(),
            apple: MockOAuthProvider::new(),
            apple_web: true,
        }
    }

    pub fn record(&self, provider: Provider) -> OAuthStateRecord {
        OAuthStateRecord {
            state: "state-1".into(),
            provider,
            nonce: "nonce-1".into(),
            pkce_verifier: "v".repeat(43),
            redirect_uri: None,
            expires_at: self.auth.now + chrono::Duration::minutes(10),
        }
    }

    /// The OAuth service, sharing the users and the clock of its auth
    /// service, which issues any number of sessions.
    pub fn service(mut self) -> OAuthService {
        self.auth
            .access_tokens
            .expect_issue()
            .returning(issued_access_token);
        self.auth
            .refresh_tokens
            .expect_insert()
            .returning(|_| Ok(()));
        self.google.expect_has_web_flow().return_const(true);
        self.apple
            .expect_has_web_flow()
            .return_const(self.apple_web);
        let ports = self.auth.ports();
        OAuthService::new(
            OAuthPorts {
                states: Arc::new(self.states),
                users: ports.users.clone(),
                clock: ports.clock.clone(),
                google: Some(Arc::new(self.google)),
                facebook: None,
                apple: Some(Arc::new(self.apple)),
            },
            Arc::new(AuthService::new(ports, policy())),
        )
    }
}
