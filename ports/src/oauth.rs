//! The `OAuthProvider` port: one per external identity provider (Google,
//! Facebook, Apple).

use async_trait::async_trait;

use crate::user::Provider;

/// Who the provider says signed in, once every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// The provider's stable id of the account (`sub` of Google and Apple,
    /// the Facebook id).
    pub subject: String,
    /// The address the provider vouches for, when it gave one.
    pub email: Option<String>,
}

/// Failures the core tells apart. Messages never carry a secret (client
/// secret, code, verifier, access token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The token or code the client brought is not acceptable: bad
    /// signature, algorithm, `aud`, `iss`, `exp`, `nonce`, unknown `kid`,
    /// or a code or access token the provider refused.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// The provider could not be reached, failed, or answered something
    /// unreadable.
    #[error("provider error: {0}")]
    ProviderError(String),
    /// This provider has no such flow (for example an access token for
    /// Google).
    #[error("not supported by this provider")]
    Unsupported,
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait OAuthProvider: Send + Sync {
    /// Which provider this is.
    fn provider(&self) -> Provider;

    /// Whether the browser flow ([`OAuthProvider::authorization_url`],
    /// [`OAuthProvider::exchange_code`]) is configured. A provider may be on
    /// for native tokens only (Apple with a client id but no signing key):
    /// the core then MUST answer its `/start` and `/callback` as not
    /// configured, and never call those two methods.
    fn has_web_flow(&self) -> bool;

    /// The URL to send the browser to. Providers without PKCE or nonce
    /// support leave those out.
    fn authorization_url(&self, state: &str, nonce: &str, pkce_challenge: &str) -> String;

    /// Exchanges an authorization code for the identity it proves.
    ///
    /// # Errors
    /// [`OAuthError::InvalidToken`] when the code is refused or the identity
    /// fails a check (including `expected_nonce`, where the provider has
    /// one); [`OAuthError::ProviderError`] when the provider fails.
    async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OAuthError>;

    /// Verifies a token a native SDK obtained (Google's or Apple's
    /// id_token). Its `aud` may be the web client id or one of the native
    /// apps' ids. With `nonce`, the token's `nonce` MUST equal it or its
    /// SHA-256 in hex; without, a token that carries a nonce MUST be
    /// refused.
    ///
    /// # Errors
    /// As [`OAuthProvider::exchange_code`]; [`OAuthError::Unsupported`] for
    /// providers without native tokens.
    async fn verify_native_token(
        &self,
        id_token: &str,
        nonce: Option<String>,
    ) -> Result<VerifiedIdentity, OAuthError>;

    /// Verifies a user access token a native SDK obtained (the Facebook
    /// SDK's): it MUST be valid, issued to this server's app and not
    /// expired, by the provider's own answer, before the identity it grants
    /// is read.
    ///
    /// # Errors
    /// [`OAuthError::InvalidToken`] when the token fails a check or the
    /// provider refuses it; [`OAuthError::ProviderError`] when the provider
    /// fails or cannot be reached; [`OAuthError::Unsupported`] (the
    /// default) for providers whose SDKs give no such token.
    async fn verify_access_token(
        &self,
        access_token: &str,
    ) -> Result<VerifiedIdentity, OAuthError> {
        let _ = access_token;
        Err(OAuthError::Unsupported)
    }
}
