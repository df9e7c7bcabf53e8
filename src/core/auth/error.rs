use nextarget_ports::StoreError;

pub use crate::validation::FieldError;

/// Why an account or session operation failed. The texts are the `detail`
/// the client reads; [`AuthError::code`] is the contract's `code`.
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
    #[error("a valid bearer access token is required")]
    Unauthorized,
    /// Unknown, expired or revoked refresh token.
    #[error("the refresh token is unknown, expired or revoked; sign in again")]
    InvalidRefreshToken,
    /// A spent refresh token came back: its whole family is now revoked.
    #[error(
        "this refresh token was already used: every session it belongs to is revoked; \
         sign in again"
    )]
    RefreshTokenReused,
    /// Unknown, used or expired password reset token.
    #[error("the reset link is unknown, used or expired; ask for a new one")]
    InvalidResetToken,
    /// Not one of the caller's live sessions.
    #[error("no such session")]
    NotFound,
    /// The account signs in only through a provider: it has no password to
    /// change.
    #[error("this account signs in through its provider and has no password")]
    NoPassword,
    /// Too many failed attempts for this account or client; wait this long.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the database is unavailable; try again shortly")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl AuthError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AuthError::Validation(vec![FieldError::new(field, message)])
    }

    /// The contract's `code` for this error.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Validation(_) => "validation_error",
            AuthError::EmailTaken => "email_taken",
            AuthError::InvalidCredentials => "invalid_credentials",
            AuthError::Unauthorized => "unauthorized",
            AuthError::InvalidRefreshToken => "invalid_refresh_token",
            AuthError::RefreshTokenReused => "refresh_token_reused",
            AuthError::InvalidResetToken => "invalid_reset_token",
            AuthError::NotFound => "not_found",
            AuthError::NoPassword => "no_password",
            AuthError::TooManyAttempts { .. } => "too_many_attempts",
            AuthError::Unavailable(_) => "service_unavailable",
            AuthError::Unknown(_) => "internal",
        }
    }
}

/// A store failure inside an auth operation. A duplicate here is a bug (the
/// operations where a duplicate means something, like sign-up's taken
/// email, match it themselves before converting).
impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate(rule) => {
                AuthError::Unknown(anyhow::anyhow!("unexpected duplicate on {rule}"))
            }
            StoreError::Unavailable(cause) => AuthError::Unavailable(cause),
            StoreError::Unknown(cause) => AuthError::Unknown(cause),
        }
    }
}
