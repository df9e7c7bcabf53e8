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
mod refresh_token;
mod register;
mod session;
mod sessions;

use std::sync::Arc;

use nextarget_ports::{
    AccessTokenCodec, Clock, Metrics, PasswordHasher, RateLimiter, RefreshTokenStore,
    UserRepository,
};

pub(crate) use audit::Subject;
pub use error::{AuthError, FieldError};
pub use input_limits::{
    MAX_EMAIL_CHARS, MAX_ID_TOKEN_CHARS, MAX_NONCE_CHARS, MAX_PASSWORD_CHARS,
    MAX_REFRESH_TOKEN_CHARS,
};
pub use lockout::{BACKOFF_BASE_SECS, BACKOFF_CAP_SECS, FAILURE_MEMORY_SECS};
pub use logout::LogoutScope;
pub use password_policy::{check_password, MAX_PASSWORD_BYTES, MIN_PASSWORD_BYTES};
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
}

pub struct AuthService {
    ports: AuthPorts,
    policy: AuthPolicy,
}

impl AuthService {
    pub fn new(ports: AuthPorts, policy: AuthPolicy) -> Self {
        Self { ports, policy }
    }
}
