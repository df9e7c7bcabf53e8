//! Local sign-up and sign-in, sessions (access + refresh token), and the
//! bearer check of protected endpoints.

mod account;
mod audit;
mod error;
mod input_limits;
mod lockout;
mod login;
mod logout;
mod password_change;
mod password_policy;
mod refresh;
pub(crate) mod refresh_token;
mod register;
mod reset;
mod session;
mod sessions;

use std::sync::Arc;

use nextarget_ports::{
    AccessTokenCodec, Clock, Mailer, Metrics, PasswordHasher, PasswordResetStore, RateLimiter,
    RefreshTokenStore, UserRepository,
};

pub(crate) use audit::Subject;
pub use error::{AuthError, FieldError};
pub use input_limits::{
    MAX_ACCESS_TOKEN_CHARS, MAX_EMAIL_CHARS, MAX_ID_TOKEN_CHARS, MAX_NONCE_CHARS,
    MAX_PASSWORD_CHARS, MAX_REFRESH_TOKEN_CHARS,
};
pub use lockout::{BACKOFF_BASE_SECS, BACKOFF_CAP_SECS, FAILURE_MEMORY_SECS};
pub use logout::LogoutScope;
pub use password_policy::{check_password, MAX_PASSWORD_BYTES, MIN_PASSWORD_BYTES};
pub use reset::{
    MailLanguage, ResetJob, ResetQueue, ResetWorker, RESET_REQUESTS_PER_EMAIL_PER_HOUR,
    RESET_REQUESTS_PER_IP_PER_HOUR,
};
pub use session::{Caller, Session};
pub use sessions::SessionView;

/// The ports the auth use cases need.
#[derive(Clone)]
pub struct AuthPorts {
    pub users: Arc<dyn UserRepository>,
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub access_tokens: Arc<dyn AccessTokenCodec>,
    pub clock: Arc<dyn Clock>,
    /// Counts failed sign-ins (brute-force backoff).
    pub limiter: Arc<dyn RateLimiter>,
    /// The audit trail's counters.
    pub metrics: Arc<dyn Metrics>,
    /// Forgot-password tokens.
    pub reset_tokens: Arc<dyn PasswordResetStore>,
    /// Sends the reset links.
    pub mailer: Arc<dyn Mailer>,
}

/// Tunables of the auth use cases, from `auth.*`.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub refresh_token_ttl_secs: u64,
    /// Failures per account and per client IP before the backoff starts.
    pub max_failed_logins: u32,
    /// Failures per client IP before its backoff (`auth.max_failed_logins_per_ip`).
    pub max_failed_logins_per_ip: u32,
    /// How long the immediately previous refresh token may come back once
    /// (0: never).
    pub refresh_reuse_grace_secs: u64,
    /// How long a reset link works (`auth.password_reset_ttl_secs`).
    pub password_reset_ttl_secs: u64,
    /// The link mailed, `{token}` replaced (`mail.reset_url`).
    pub reset_url: String,
}

pub struct AuthService {
    ports: AuthPorts,
    policy: AuthPolicy,
    reset_queue: ResetQueue,
}

impl AuthService {
    /// The service; reset requests wait in its queue until a
    /// [`ResetWorker`] runs on it.
    pub fn new(ports: AuthPorts, policy: AuthPolicy) -> Self {
        Self::with_mail_retry(ports, policy, std::time::Duration::from_secs(2))
    }

    /// [`AuthService::new`], retrying a failed mail after `retry_base`
    /// (then twice that): shorter in tests.
    pub fn with_mail_retry(
        ports: AuthPorts,
        policy: AuthPolicy,
        retry_base: std::time::Duration,
    ) -> Self {
        Self {
            ports,
            policy,
            reset_queue: ResetQueue::new(retry_base),
        }
    }
}
