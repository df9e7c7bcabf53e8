//! Mocks of the ports the OAuth service needs, for its unit tests; the auth
//! service it signs in through is the shared [`AuthFixture`]'s.

use std::sync::Arc;

use nextarget_ports::{
    mocks::{MockAppCodeStore, MockOAuthProvider, MockOAuthStateStore},
    OAuthStateRecord, Provider,
};

use super::{CallbackOutcome, OAuthFlowError, OAuthPolicy, OAuthPorts, OAuthService};
use crate::auth::{AuthService, Session};
use crate::test_support::{issued_access_token, policy, AuthFixture};

/// The app link the fixture allows.
pub(super) const APP_LINK: &str = "nextarget://auth";

/// The session of a callback that signed in (answering JSON); panics on
/// anything else.
pub(super) fn signed_in(outcome: Result<CallbackOutcome, OAuthFlowError>) -> Session {
    match outcome {
        Ok(CallbackOutcome::SignedIn(session)) => session,
        Ok(CallbackOutcome::ToApp(_)) => panic!("went to the app"),
        Err(err) => panic!("failed: {err:?}"),
    }
}

pub(super) struct Fixture {
    /// The users, the clock (`auth.now`) and the session the sign-in opens.
    pub auth: AuthFixture,
    pub states: MockOAuthStateStore,
    pub app_codes: MockAppCodeStore,
    /// `oauth.app_redirect_urls`.
    pub app_links: Vec<String>,
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
            app_codes: MockAppCodeStore::new(),
            app_links: vec![APP_LINK.into()],
            google: MockOAuthProvider::new(),
            apple: MockOAuthProvider::new(),
            apple_web: true,
        }
    }

    /// The provider's account is unknown, and is created as asked.
    pub fn expect_new_account(&mut self) {
        self.auth
            .users
            .expect_find_by_subject()
            .returning(|_, _| Ok(None));
        self.auth
            .users
            .expect_create()
            .returning(|u| Ok(u.clone().into()));
    }

    pub fn record(&self, provider: Provider) -> OAuthStateRecord {
        OAuthStateRecord {
            state: "state-1".into(),
            provider,
            nonce: "nonce-1".into(),
            pkce_verifier: "v".repeat(43),
            app: None,
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
                app_codes: Arc::new(self.app_codes),
                users: ports.users.clone(),
                clock: ports.clock.clone(),
                google: Some(Arc::new(self.google)),
                facebook: None,
                apple: Some(Arc::new(self.apple)),
            },
            OAuthPolicy {
                app_redirect_urls: self.app_links,
            },
            Arc::new(AuthService::new(ports, policy())),
        )
    }
}
