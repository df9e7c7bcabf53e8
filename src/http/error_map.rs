//! The one place where core errors become HTTP problems: each error knows
//! its contract `code()` and its `detail` text; this file assigns the
//! status (CONTRACT.md's tables), the headers, and what goes to the log.

use poem::http::StatusCode;

use super::{api_error::ApiError, problem::Problem};
use nextarget_core::{ai::AiError, auth::AuthError, oauth::OAuthFlowError};

impl From<AuthError> for Problem {
    fn from(err: AuthError) -> Self {
        let status = match &err {
            AuthError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AuthError::EmailTaken => StatusCode::CONFLICT,
            AuthError::InvalidCredentials
            | AuthError::Unauthorized
            | AuthError::InvalidRefreshToken
            | AuthError::RefreshTokenReused => StatusCode::UNAUTHORIZED,
            AuthError::NotFound => StatusCode::NOT_FOUND,
            AuthError::InvalidResetToken => StatusCode::BAD_REQUEST,
            AuthError::NoPassword => StatusCode::CONFLICT,
            AuthError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Unknown(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match err {
            AuthError::Validation(errors) => Problem::validation(errors),
            AuthError::Unavailable(cause) => unavailable(&cause),
            AuthError::Unknown(cause) => internal(&cause),
            AuthError::TooManyAttempts { retry_after_secs } => {
                Problem::new(status, err.code(), err.to_string()).with_retry_after(retry_after_secs)
            }
            other => Problem::new(status, other.code(), other.to_string()),
        }
    }
}

impl From<OAuthFlowError> for Problem {
    fn from(err: OAuthFlowError) -> Self {
        let status = match &err {
            OAuthFlowError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
            OAuthFlowError::Denied(_)
            | OAuthFlowError::InvalidState
            | OAuthFlowError::MissingCode
            | OAuthFlowError::InvalidRedirect
            | OAuthFlowError::InvalidGrant => StatusCode::BAD_REQUEST,
            OAuthFlowError::InvalidToken { .. } | OAuthFlowError::InvalidIdToken { .. } => {
                StatusCode::UNAUTHORIZED
            }
            OAuthFlowError::Provider { .. } => StatusCode::BAD_GATEWAY,
            OAuthFlowError::EmailTaken => StatusCode::CONFLICT,
            OAuthFlowError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            OAuthFlowError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            OAuthFlowError::Unknown(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match &err {
            OAuthFlowError::InvalidToken { provider, reason }
            | OAuthFlowError::InvalidIdToken { provider, reason } => {
                tracing::info!(%provider, %reason, "provider token rejected");
            }
            OAuthFlowError::Provider { provider, reason } => {
                tracing::warn!(%provider, %reason, "identity provider failed");
            }
            _ => {}
        }
        match err {
            OAuthFlowError::Validation(errors) => Problem::validation(errors),
            OAuthFlowError::Unavailable(cause) => unavailable(&cause),
            OAuthFlowError::Unknown(cause) => internal(&cause),
            other => Problem::new(status, other.code(), other.to_string()),
        }
    }
}

/// Logs the cause chain of a storage outage and answers 503.
fn unavailable(cause: &anyhow::Error) -> Problem {
    tracing::warn!(error = %format!("{cause:#}"), "storage unavailable");
    Problem::unavailable("the database is unavailable; try again shortly")
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
        let status = match &err {
            AiError::Validation(_) | AiError::PromptTooLong { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AiError::RateLimited { .. }
            | AiError::TokenBudgetExceeded { .. }
            | AiError::UpstreamRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AiError::Upstream(_) | AiError::UnparseableAdvice => StatusCode::BAD_GATEWAY,
            AiError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            AiError::LlmUnavailable(_) | AiError::StorageUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AiError::Unknown(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let problem = Problem::new(status, err.code(), err.to_string());
        match err {
            AiError::Validation(errors) => Problem::validation(errors),
            AiError::StorageUnavailable(cause) => unavailable(&cause),
            AiError::Unknown(cause) => internal(&cause),
            AiError::RateLimited { retry_after_secs }
            | AiError::TokenBudgetExceeded { retry_after_secs } => {
                problem.with_retry_after(retry_after_secs)
            }
            AiError::UpstreamRateLimited { retry_after_secs } => {
                problem.with_retry_after(retry_after_secs.unwrap_or(1).max(1))
            }
            AiError::Upstream(reason) => {
                tracing::warn!(%reason, "upstream error");
                problem
            }
            AiError::LlmUnavailable(reason) => {
                tracing::warn!(%reason, "LLM unavailable");
                problem.with_retry_after(5)
            }
            AiError::PromptTooLong { .. }
            | AiError::UpstreamTimeout
            | AiError::UnparseableAdvice => problem,
        }
    }
}

into_api_error!(AuthError, AiError, OAuthFlowError);
