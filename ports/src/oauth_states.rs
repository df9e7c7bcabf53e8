//! The `OAuthStateStore` port: the short-lived record of one OAuth web
//! sign-in, between `/auth/{provider}/start` and its callback.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{error::StoreError, user::Provider};

/// Where a web sign-in that an app started ends: the app link and what the
/// app sent with it (`/start?redirect_to=&code_challenge=&app_state=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReturn {
    /// The app link the callback redirects to: one of
    /// `oauth.app_redirect_urls`, exactly as configured.
    pub redirect_to: String,
    /// The app's own PKCE `code_challenge` (S256, 43 characters): the
    /// one-time code the app gets is redeemable only with its verifier.
    pub code_challenge: String,
    /// The app's opaque value, handed back on the app link as it came.
    pub app_state: Option<String>,
}

/// What `/start` remembers about one sign-in attempt. The PKCE verifier is
/// a secret until the code is exchanged: `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthStateRecord {
    /// The random `state` sent to the provider; the record's key.
    pub state: String,
    /// The provider this state was issued for; a callback of another
    /// provider must not use it.
    pub provider: Provider,
    /// The OpenID Connect `nonce` the id_token must carry.
    pub nonce: String,
    /// The PKCE `code_verifier` (43 to 128 characters).
    pub pkce_verifier: String,
    /// Set when an app started the flow: the callback then ends in the
    /// app with a one-time code instead of answering a `TokenResponse`.
    pub app: Option<AppReturn>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for OAuthStateRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthStateRecord")
            .field("state", &self.state)
            .field("provider", &self.provider)
            .field("nonce", &self.nonce)
            .field("pkce_verifier", &"[redacted]")
            .field("app", &self.app)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where pending OAuth states live: in the database, so any instance can
/// answer the callback of a sign-in another instance started.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait OAuthStateStore: Send + Sync {
    /// Stores a new state. Records that expired before `now` MAY be purged
    /// on the way.
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] when `record.state` is already
    /// stored.
    async fn put(&self, record: &OAuthStateRecord, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Removes and returns the record of `state`, in one atomic step: of two
    /// concurrent calls with the same state at most one gets it, and every
    /// later call gets `None`. A record whose `expires_at` is not after `now`
    /// is removed too, and answered `None`.
    ///
    /// # Errors
    /// Only when the store fails.
    async fn take(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OAuthStateRecord>, StoreError>;
}
