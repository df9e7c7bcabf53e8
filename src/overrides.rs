//! [`Overrides`]: the adapters a test (or an embedding program) supplies in
//! place of the ones the settings name, one per port. What is left `None`
//! is built from the configuration as usual, so a test replaces exactly
//! what it needs, e.g. a mockall `MockLlmClient` behind `POST
//! /ai/completions` while everything else runs for real (docs/testing.md).

use std::sync::Arc;

use nextarget_ports::{
    AccessTokenCodec, AppCodeStore, Clock, InteractionRepository, LlmClient, Mailer, OAuthProvider,
    OAuthStateStore, PasswordHasher, PasswordResetStore, RateLimiter, RefreshTokenStore,
    UserRepository,
};

#[derive(Default, Clone)]
pub struct Overrides {
    /// The clock, e.g. `nextarget_adapters::clock::ManualClock` to move
    /// time in tests.
    pub clock: Option<Arc<dyn Clock>>,
    /// Accounts.
    pub users: Option<Arc<dyn UserRepository>>,
    /// Refresh tokens and the sessions they form.
    pub refresh_tokens: Option<Arc<dyn RefreshTokenStore>>,
    /// The AI history.
    pub interactions: Option<Arc<dyn InteractionRepository>>,
    /// The OAuth web flows' states.
    pub oauth_states: Option<Arc<dyn OAuthStateStore>>,
    /// The one-time codes of web flows that end in an app.
    pub app_codes: Option<Arc<dyn AppCodeStore>>,
    /// Forgot-password tokens.
    pub reset_tokens: Option<Arc<dyn PasswordResetStore>>,
    /// The LLM behind `/ai/*` and `/coach/*`.
    pub llm: Option<Arc<dyn LlmClient>>,
    /// Google sign-in (on even when `oauth.google` is not configured).
    pub google: Option<Arc<dyn OAuthProvider>>,
    /// Facebook sign-in (on even when `oauth.facebook` is not configured).
    pub facebook: Option<Arc<dyn OAuthProvider>>,
    /// Sign in with Apple (on even when `oauth.apple` is not configured).
    pub apple: Option<Arc<dyn OAuthProvider>>,
    /// Request rates and failure counts.
    pub limiter: Option<Arc<dyn RateLimiter>>,
    /// Sends the reset links, e.g. one that records them.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Hashes and checks passwords.
    pub hasher: Option<Arc<dyn PasswordHasher>>,
    /// Issues and checks access tokens.
    pub access_tokens: Option<Arc<dyn AccessTokenCodec>>,
}
