//! The one place where core errors become HTTP problems (CONTRACT.md's
//! status and code tables).

use poem::http::StatusCode;

use super::{api_error::ApiError, problem::Problem};
use nextarget_core::{ai::AiError, auth::AuthError, oauth::OAuthFlowError};
use nextarget_ports::Provider;

impl From<AuthError> for Problem {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Validation(errors) => Problem::validation(errors),
            AuthError::EmailTaken => Problem::new(
                StatusCode::CONFLICT,
                "email_taken",
                "an account with this email already exists",
            ),
            AuthError::InvalidCredentials => {
                super::metrics::login_failed();
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_credentials",
                    "invalid email or password",
                )
            }
            AuthError::Unauthorized => Problem::unauthorized(),
            AuthError::InvalidRefreshToken => Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_refresh_token",
                "the refresh token is unknown, expired or revoked; sign in again",
            ),
            AuthError::RefreshTokenReused => Problem::new(
                StatusCode::UNAUTHORIZED,
                "refresh_token_reused",
                "this refresh token was already used: every session it belongs to is revoked; \
                 sign in again",
            ),
            AuthError::TooManyAttempts { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed attempts; try again in {retry_after_secs} s"),
            )
            .with_retry_after(retry_after_secs),
            AuthError::Unavailable(cause) => {
                tracing::warn!(error = %format!("{cause:#}"), "storage unavailable");
                Problem::unavailable("the database is unavailable; try again shortly")
            }
            AuthError::Unknown(cause) => internal(&cause),
        }
    }
}

impl From<OAuthFlowError> for Problem {
    fn from(err: OAuthFlowError) -> Self {
        match err {
            OAuthFlowError::NotConfigured(provider) => Problem {
                retry_after: None,
                ..Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "provider_not_configured",
                    format!("{provider} sign-in is not configured on this server"),
                )
            },
            OAuthFlowError::Denied(reason) => Problem::new(
                StatusCode::BAD_REQUEST,
                "oauth_denied",
                format!("the provider did not grant access ({})", printable(&reason)),
            ),
            OAuthFlowError::InvalidState => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_state",
                "the state is missing, unknown, expired or already used; start the sign-in again",
            ),
            OAuthFlowError::MissingCode => Problem::bad_request("the callback has no code"),
            OAuthFlowError::InvalidToken { provider, reason } => {
                tracing::info!(%provider, %reason, "provider token rejected");
                let code = match provider {
                    Provider::Facebook => "invalid_provider_token",
                    _ => "invalid_id_token",
                };
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    code,
                    format!("the {provider} token or code was rejected"),
                )
            }
            OAuthFlowError::Provider { provider, reason } => {
                tracing::warn!(%provider, %reason, "identity provider failed");
                Problem::new(
                    StatusCode::BAD_GATEWAY,
                    "provider_error",
                    format!("{provider} could not be reached or answered unexpectedly"),
                )
            }
            OAuthFlowError::EmailTaken => Problem::new(
                StatusCode::CONFLICT,
                "email_taken",
                "another account of this provider already has this email",
            ),
            OAuthFlowError::Validation(errors) => Problem::validation(errors),
            OAuthFlowError::Unavailable(cause) => AuthError::Unavailable(cause).into(),
            OAuthFlowError::Unknown(cause) => internal(&cause),
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

/// Logs the whole cause chain and answers the generic 500.
pub(crate) fn internal(cause: &anyhow::Error) -> Problem {
    tracing::error!(error = %format!("{cause:#}"), "internal error");
    Problem::internal()
}

macro_rules! into_api_error {
    ($($err:ty),+ $(,)?) => {$(
        impl<const DOC: u32> From<$err> for ApiError<DOC> {
            fn from(err: $err) -> Self {
                ApiError(Problem::from(err))
            }
        }
    )+};
}

impl From<AiError> for Problem {
    fn from(err: AiError) -> Self {
        let code = err.code();
        match err {
            AiError::Validation(errors) => Problem::validation(errors),
            AiError::PromptTooLong { .. } => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, err.to_string())
            }
            AiError::RateLimited { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                code,
                format!("too many AI requests; retry in {retry_after_secs} s"),
            )
            .with_retry_after(retry_after_secs),
            AiError::UpstreamRateLimited { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                code,
                "the LLM provider is rate limiting; retry later",
            )
            .with_retry_after(retry_after_secs.unwrap_or(1).max(1)),
            AiError::Upstream(reason) => {
                tracing::warn!(%reason, "upstream error");
                Problem::new(StatusCode::BAD_GATEWAY, code, "the LLM provider failed")
            }
            AiError::UnparseableAdvice => {
                Problem::new(StatusCode::BAD_GATEWAY, code, err.to_string())
            }
            AiError::UpstreamTimeout => {
                Problem::new(StatusCode::GATEWAY_TIMEOUT, code, err.to_string())
            }
            AiError::LlmUnavailable(reason) => {
                tracing::warn!(%reason, "LLM unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code,
                    "the LLM provider is unavailable; try again shortly",
                )
                .with_retry_after(5)
            }
            AiError::StorageUnavailable(cause) => {
                tracing::warn!(error = %format!("{cause:#}"), "storage unavailable");
                Problem::unavailable("the database is unavailable; try again shortly")
            }
            AiError::Unknown(cause) => internal(&cause),
        }
    }
}

into_api_error!(AuthError, AiError, OAuthFlowError);
