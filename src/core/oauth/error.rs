use nextarget_ports::{OAuthError, Provider, StoreError};

use crate::auth::{AuthError, FieldError};

/// Why an OAuth sign-in failed; each variant has its status and code in
/// CONTRACT.md (mapped in `http::error_map`).
#[derive(Debug, thiserror::Error)]
pub enum OAuthFlowError {
    /// client id, secret or redirect URI unset for this provider.
    #[error("{0} sign-in is not configured on this server")]
    NotConfigured(Provider),
    /// The provider sent `?error=` (the user said no, or the provider failed
    /// before asking).
    #[error("the provider did not grant access ({})", printable(.0))]
    Denied(String),
    /// `state` missing, unknown, expired, already used, or issued for the
    /// other provider.
    #[error("the state is missing, unknown, expired or already used; start the sign-in again")]
    InvalidState,
    /// The callback came without `code`.
    #[error("the callback has no code")]
    MissingCode,
    /// The id_token, code or access token failed a check (`reason` is
    /// for the log).
    #[error("the {provider} token or code was rejected")]
    InvalidToken { provider: Provider, reason: String },
    /// The provider failed or could not be reached (`reason` is for the log).
    #[error("{provider} could not be reached or answered unexpectedly")]
    Provider { provider: Provider, reason: String },
    /// The provider's email belongs to another account of the same provider.
    #[error("another account of this provider already has this email")]
    EmailTaken,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("the database is unavailable; try again shortly")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl OAuthFlowError {
    /// The contract's `code` for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured(_) => "provider_not_configured",
            Self::Denied(_) => "oauth_denied",
            Self::InvalidState => "invalid_state",
            Self::MissingCode => "bad_request",
            Self::InvalidToken {
                provider: Provider::Facebook,
                ..
            } => "invalid_provider_token",
            Self::InvalidToken { .. } => "invalid_id_token",
            Self::Provider { .. } => "provider_error",
            Self::EmailTaken => "email_taken",
            Self::Validation(_) => "validation_error",
            Self::Unavailable(_) => "service_unavailable",
            Self::Unknown(_) => "internal",
        }
    }

    pub(super) fn from_provider(provider: Provider, err: OAuthError) -> Self {
        match err {
            OAuthError::InvalidToken(reason) => Self::InvalidToken { provider, reason },
            OAuthError::ProviderError(reason) => Self::Provider { provider, reason },
            OAuthError::Unsupported => Self::Validation(vec![FieldError::new(
                "provider",
                format!("{provider} has no native sign-in; use /auth/{provider}/start"),
            )]),
        }
    }
}

impl From<StoreError> for OAuthFlowError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate(rule) => {
                Self::Unknown(anyhow::anyhow!("unexpected duplicate on {rule}"))
            }
            StoreError::Unavailable(cause) => Self::Unavailable(cause),
            StoreError::Unknown(cause) => Self::Unknown(cause),
        }
    }
}

impl From<AuthError> for OAuthFlowError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Validation(fields) => Self::Validation(fields),
            AuthError::EmailTaken => Self::EmailTaken,
            AuthError::Unavailable(cause) => Self::Unavailable(cause),
            AuthError::Unknown(cause) => Self::Unknown(cause),
            other @ (AuthError::InvalidCredentials
            | AuthError::Unauthorized
            | AuthError::InvalidRefreshToken
            | AuthError::RefreshTokenReused
            | AuthError::NotFound
            | AuthError::NoPassword
            | AuthError::InvalidResetToken
            | AuthError::TooManyAttempts { .. }) => Self::Unknown(anyhow::anyhow!(
                "unexpected while opening a session: {other}"
            )),
        }
    }
}

/// The provider's `error` value, cut short and reduced to plain characters
/// before it is echoed.
fn printable(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        .take(64)
        .collect()
}
