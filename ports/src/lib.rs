//! Ports of the NexTarget hexagon: the domain types the core speaks in and the
//! traits every outbound adapter implements.
//!
//! With the `mocks` feature each trait also exports a mockall mock
//! (`MockUserRepository`, `MockClock`, ...) for the core's tests and testers.

pub mod app_codes;
pub mod budget;
pub mod clock;
pub mod email;
pub mod error;
pub mod interactions;
pub mod llm;
pub mod mailer;
pub mod metrics;
pub mod oauth;
pub mod oauth_states;
pub mod password;
pub mod rate_limiter;
pub mod refresh_tokens;
pub mod reset_tokens;
pub mod sessions;
pub mod tokens;
pub mod user;
pub mod users;

pub use app_codes::{AppCodeRecord, AppCodeStore};
pub use budget::{BudgetDecision, DayUsage};
pub use clock::Clock;
pub use email::{Email, EmailError};
pub use error::{StoreContext, StoreError};
pub use interactions::{Interaction, InteractionKind, InteractionRepository, InteractionStatus};
pub use llm::{
    ChatMessage, ChatRole, Completion, CompletionRequest, CompletionStream, LlmClient, LlmError,
    StreamEvent, Usage,
};
pub use mailer::{Mail, MailError, Mailer};
pub use metrics::{AuthEvent, Metrics, NoMetrics};
pub use oauth::{OAuthError, OAuthProvider, VerifiedIdentity};
pub use oauth_states::{AppReturn, OAuthStateRecord, OAuthStateStore};
pub use password::{PasswordHash, PasswordHasher};
pub use rate_limiter::{
    Attempt, AttemptDecision, FailureCount, LockPolicy, RateDecision, RateLimit, RateLimitError,
    RateLimiter,
};
pub use refresh_tokens::{
    NewRefreshToken, NextRefreshToken, RefreshTokenRecord, RefreshTokenStore, RotateError,
    Rotation, RotationKind, RotationStep,
};
pub use reset_tokens::{NewResetToken, PasswordResetStore};
pub use sessions::{ClientInfo, LiveSession, SessionRecord, MAX_USER_AGENT_CHARS};
pub use tokens::{AccessClaims, AccessTokenCodec, IssuedAccessToken, TokenError};
pub use user::{NewUser, Provider, User, UserId};
pub use users::UserRepository;

#[cfg(feature = "mocks")]
pub mod mocks {
    //! mockall mocks of every port.
    pub use crate::app_codes::MockAppCodeStore;
    pub use crate::clock::MockClock;
    pub use crate::interactions::MockInteractionRepository;
    pub use crate::llm::MockLlmClient;
    pub use crate::mailer::MockMailer;
    pub use crate::metrics::MockMetrics;
    pub use crate::oauth::MockOAuthProvider;
    pub use crate::oauth_states::MockOAuthStateStore;
    pub use crate::password::MockPasswordHasher;
    pub use crate::rate_limiter::MockRateLimiter;
    pub use crate::refresh_tokens::MockRefreshTokenStore;
    pub use crate::reset_tokens::MockPasswordResetStore;
    pub use crate::tokens::MockAccessTokenCodec;
    pub use crate::users::MockUserRepository;
}
