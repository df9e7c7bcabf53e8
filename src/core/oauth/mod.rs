//! Sign-in with Google, Facebook and Apple: the web flow (`start`,
//! `callback`, and for apps the one-time code `exchange`) and native
//! tokens (Google's, Apple's and Facebook's). Users are upserted by
//! (provider, subject) and get a session from [`AuthService`].

mod app_link;
mod callback;
mod error;
mod native;
mod secrets;
mod start;

use std::sync::Arc;

use nextarget_ports::{
    AppCodeStore, Clock, Email, NewUser, OAuthProvider, OAuthStateStore, Provider, StoreContext,
    StoreError, User, UserRepository, VerifiedIdentity,
};
use uuid::Uuid;

use crate::auth::AuthService;
pub use app_link::{
    AppLanding, AppStartParams, APP_CODE_TTL_SECS, CHALLENGE_PATTERN, MAX_APP_CODE_CHARS,
    MAX_APP_STATE_CHARS, MAX_VERIFIER_CHARS, MIN_VERIFIER_CHARS, VERIFIER_PATTERN,
};
pub use callback::{CallbackOutcome, CallbackParams};
pub use error::OAuthFlowError;
pub use native::NativeToken;

/// How long a `state` from `/start` stays usable.
pub const STATE_TTL_SECS: i64 = 600;

/// The ports the OAuth use cases need; a provider is `None` when it is not
/// configured.
#[derive(Clone)]
pub struct OAuthPorts {
    pub states: Arc<dyn OAuthStateStore>,
    /// The one-time codes of flows that end in an app.
    pub app_codes: Arc<dyn AppCodeStore>,
    pub users: Arc<dyn UserRepository>,
    pub clock: Arc<dyn Clock>,
    pub google: Option<Arc<dyn OAuthProvider>>,
    pub facebook: Option<Arc<dyn OAuthProvider>>,
    /// On for native sign-in alone, or also for the web flow
    /// ([`OAuthProvider::has_web_flow`]).
    pub apple: Option<Arc<dyn OAuthProvider>>,
}

/// Tunables of the OAuth use cases, from `oauth.*`.
#[derive(Debug, Clone, Default)]
pub struct OAuthPolicy {
    /// The app links a web flow may end in (`oauth.app_redirect_urls`):
    /// `redirect_to` must equal one of them, byte for byte.
    pub app_redirect_urls: Vec<String>,
}

pub struct OAuthService {
    ports: OAuthPorts,
    policy: OAuthPolicy,
    auth: Arc<AuthService>,
}

impl OAuthService {
    pub fn new(ports: OAuthPorts, policy: OAuthPolicy, auth: Arc<AuthService>) -> Self {
        Self {
            ports,
            policy,
            auth,
        }
    }

    /// The provider, when it is on (for native tokens at least).
    fn provider(&self, provider: Provider) -> Result<&Arc<dyn OAuthProvider>, OAuthFlowError> {
        let configured = match provider {
            Provider::Google => self.ports.google.as_ref(),
            Provider::Facebook => self.ports.facebook.as_ref(),
            Provider::Apple => self.ports.apple.as_ref(),
            Provider::Local => None,
        };
        configured.ok_or(OAuthFlowError::NotConfigured(provider))
    }

    /// The provider, when its web flow is on.
    fn web_provider(&self, provider: Provider) -> Result<&Arc<dyn OAuthProvider>, OAuthFlowError> {
        Some(self.provider(provider)?)
            .filter(|p| p.has_web_flow())
            .ok_or(OAuthFlowError::NotConfigured(provider))
    }

    /// The user of this provider identity, created on first sign-in; the
    /// flag tells whether it was created now.
    async fn upsert(
        &self,
        provider: Provider,
        identity: VerifiedIdentity,
    ) -> Result<(User, bool), OAuthFlowError> {
        let users = &self.ports.users;
        if let Some(user) = users
            .find_by_subject(provider, &identity.subject)
            .await
            .context("Failed to find the provider account")?
        {
            return Ok((user, false));
        }
        let email = identity
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .map_or_else(|| Email::parse(&placeholder_email(provider, &identity)), Ok)
            .map_err(|e| anyhow::anyhow!("no usable email for a {provider} account: {e}"))?;
        let new = NewUser {
            id: Uuid::now_v7(),
            email,
            provider,
            provider_subject: Some(identity.subject.clone()),
            password_hash: None,
            created_at: self.ports.clock.now(),
        };
        match users.create(&new).await {
            Ok(user) => {
                tracing::info!(user_id = %user.id, %provider, "account created");
                Ok((user, true))
            }
            // Either a concurrent first sign-in of the same identity won the
            // race (then use its account), or another account of this
            // provider owns the email.
            Err(StoreError::Duplicate(_)) => {
                match users
                    .find_by_subject(provider, &identity.subject)
                    .await
                    .context("Failed to find the provider account after a race")?
                {
                    Some(user) => Ok((user, false)),
                    None => Err(OAuthFlowError::EmailTaken),
                }
            }
            Err(other) => Err(other
                .context("Failed to create the provider account")
                .into()),
        }
    }
}

/// `<subject>@<provider>.invalid`, for identities without an address.
fn placeholder_email(provider: Provider, identity: &VerifiedIdentity) -> String {
    let local: String = identity
        .subject
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    format!("{local}@{provider}.invalid")
}

#[cfg(test)]
mod app_link_tests;
#[cfg(test)]
mod callback_tests;
#[cfg(test)]
mod test_support;
