//! The `AccessTokenCodec` port: issuing and checking short-lived access tokens.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::user::UserId;

/// What a valid access token says.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessClaims {
    pub user_id: UserId,
    /// The session (refresh-token family) the token was issued for.
    pub session_id: Uuid,
    pub token_id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A freshly signed access token.
#[derive(Clone, PartialEq)]
pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in_secs: u64,
    pub claims: AccessClaims,
}

impl std::fmt::Debug for IssuedAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedAccessToken")
            .field("token", &"[redacted]")
            .field("expires_in_secs", &self.expires_in_secs)
            .field("claims", &self.claims)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed or its signature does not match")]
    Invalid,
    #[error("token has expired")]
    Expired,
}

#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait AccessTokenCodec: Send + Sync {
    /// Signs a token for `user_id` in `session_id`, valid from `now` for the
    /// configured TTL.
    ///
    /// # Errors
    /// Only on an internal signing failure.
    fn issue(
        &self,
        user_id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> anyhow::Result<IssuedAccessToken>;

    /// Checks signature, algorithm and expiry (against `now`, not the system
    /// clock).
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for anything tampered, malformed, signed with
    /// another key or algorithm (including `alg: none`);
    /// [`TokenError::Expired`] once `now` is past `exp`.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError>;
}
