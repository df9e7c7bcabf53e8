use nextarget_ports::StoreError;

pub use crate::core::validation::FieldError;

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
