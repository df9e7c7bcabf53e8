use nextarget_ports::StoreError;

pub use crate::validation::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Missing, malformed, tampered, expired or revoked access token, or its
    /// user is gone.
    #[error("authentication required")]
    Unauthorized,
    /// Unknown, expired or revoked refresh token.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A spent refresh token came back: its whole family is now revoked.
    #[error("refresh token reused; the session is revoked")]
    RefreshTokenReused,
    /// Too many failed attempts for this account or client; wait this long.
    #[error("too many failed attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("storage unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl AuthError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AuthError::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate(_) => AuthError::EmailTaken,
            StoreError::Unavailable(cause) => AuthError::Unavailable(cause),
            StoreError::Unknown(cause) => AuthError::Unknown(cause),
        }
    }
}
