//! The one place where core errors become HTTP problems (CONTRACT.md's
//! status and code tables).

use poem::http::StatusCode;

use super::{api_error::ApiError, problem::Problem};
use crate::core::auth::AuthError;

impl From<AuthError> for Problem {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Validation(errors) => Problem::validation(errors),
            AuthError::EmailTaken => Problem::new(
                StatusCode::CONFLICT,
                "email_taken",
                "an account with this email already exists",
            ),
            AuthError::InvalidCredentials => Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "invalid email or password",
            ),
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

into_api_error!(AuthError);
