use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use super::Text;
use nextarget_core::auth::{LogoutScope, SessionView};

/// One sign-in of the user: the refresh-token family it started.
#[derive(Object)]
#[oai(rename = "Session")]
pub struct SessionBody {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The sign-in, then each refresh.
    pub last_used_at: DateTime<Utc>,
    /// The client IP of the sign-in, then of the latest refresh.
    pub ip: Option<String>,
    /// Its `User-Agent` (at most 512 characters).
    pub user_agent: Option<String>,
    /// The session of this request's access token.
    pub current: bool,
}

impl From<SessionView> for SessionBody {
    fn from(view: SessionView) -> Self {
        let r = view.record;
        Self {
            id: r.id,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            ip: r.ip,
            user_agent: r.user_agent,
            current: view.current,
        }
    }
}

/// The caller's live sessions, newest first (the newest 200).
#[derive(Object)]
#[oai(rename = "SessionList")]
pub struct SessionsBody {
    pub items: Vec<SessionBody>,
}

/// Which sessions `/auth/logout` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "LogoutScope", rename_all = "lowercase")]
pub enum LogoutScopeName {
    /// The session of the refresh token.
    Local,
    /// Every other session of the user.
    Others,
    /// Every session of the user.
    Global,
}

impl From<LogoutScopeName> for LogoutScope {
    fn from(scope: LogoutScopeName) -> Self {
        match scope {
            LogoutScopeName::Local => LogoutScope::Local,
            LogoutScopeName::Others => LogoutScope::Others,
            LogoutScopeName::Global => LogoutScope::Global,
        }
    }
}

/// Sign out.
#[derive(Object)]
pub struct LogoutRequest {
    /// The opaque `refresh_token` of a `TokenResponse`.
    pub refresh_token: Text,
    /// `local` when absent.
    #[oai(nullable)]
    pub scope: Option<LogoutScopeName>,
}

/// Change the signed-in user's password.
#[derive(Object)]
pub struct PasswordChangeRequest {
    pub current_password: Text,
    /// 8 to 72 UTF-8 bytes, not too guessable, not built from the email.
    pub new_password: Text,
}

/// Ask for a password reset link.
#[derive(Object)]
pub struct ForgotPasswordRequest {
    pub email: Text,
}

/// The answer to a reset request: the same whether or not an account has
/// the email.
#[derive(Object)]
pub struct ForgotPasswordAccepted {
    pub detail: String,
}

/// Set a new password with the token of a reset link.
#[derive(Object)]
pub struct ResetPasswordRequest {
    /// The `token` of the link mailed.
    pub token: Text,
    /// 8 to 72 UTF-8 bytes, not too guessable, not built from the email.
    pub new_password: Text,
}
