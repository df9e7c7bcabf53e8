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
    /// `/start`'s `redirect_to` is not exactly one of
    /// `oauth.app_redirect_urls`.
    #[error("redirect_to is not one of this server's app links (oauth.app_redirect_urls); it must match one exactly")]
    InvalidRedirect,
    /// `POST /auth/exchange`: the code is unknown, used or expired, or the
    /// `code_verifier` does not match the app's `code_challenge`.
    #[error("the code is unknown, used or expired, or the code_verifier does not match its code_challenge; start the sign-in again")]
    InvalidGrant,
    /// The code or access token failed a check, or the provider refused
    /// it (`reason` is for the log).
    #[error("the {provider} token or code was rejected")]
    InvalidToken { provider: Provider, reason: String },
    /// An id_token a native SDK obtained failed a check (`reason` is for
    /// the log).
    #[error("the {provider} id_token was rejected")]
    InvalidIdToken { provider: Provider, reason: String },
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
            Self::InvalidRedirect => "invalid_redirect",
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidToken {
                provider: Provider::Facebook,
                ..
            } => "invalid_provider_token",
            Self::InvalidToken { .. } | Self::InvalidIdToken { .. } => "invalid_id_token",
            Self::Provider { .. } => "provider_error",
            Self::EmailTaken => "email_taken",
            Self::Validation(_) => "validation_error",
            Self::Unavailable(_) => "service_unavailable",
            Self::Unknown(_) => "internal",
        }
    }

    /// The provider's answer about a code or an access token: a refusal
    /// is `InvalidToken`.
    pub(super) fn from_provider(provider: Provider, err: OAuthError) -> Self {
        Self::from_provider_as(provider, err, |reason| Self::InvalidToken {
            provider,
            reason,
        })
    }

    /// The provider's answer about an id_token a native SDK obtained: a
    /// refusal is `InvalidIdToken`, whatever the provider.
    pub(super) fn from_id_token(provider: Provider, err: OAuthError) -> Self {
        Self::from_provider_as(provider, err, |reason| Self::InvalidIdToken {
            provider,
            reason,
        })
    }

    fn from_provider_as(
        provider: Provider,
        err: OAuthError,
        refused: impl FnOnce(String) -> Self,
    ) -> Self {
        match err {
            OAuthError::InvalidToken(reason) => refused(reason),
            OAuthError::ProviderError(reason) => Self::Provider { provider, reason },
            OAuthError::Unsupported => Self::Validation(vec![FieldError::new(
                "provider",
                format!("{provider} does not sign in with this kind of token"),
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
