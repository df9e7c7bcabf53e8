//! `Metrics`: what the use cases tell the operator's dashboards. The
//! composition root supplies the adapter (Prometheus in the server, nothing
//! in unit tests); the names of the series are the adapter's business.

use std::time::Duration;

use crate::Usage;

/// Recording never fails and never blocks: an implementation that cannot
/// record drops the sample.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Metrics: Send + Sync {
    /// One finished LLM provider call: the requested `model`, its outcome
    /// (`ok`, `cancelled` or the error's contract code), the time spent
    /// waiting on the provider and, when it answered, the tokens it used.
    fn llm_call(&self, model: &str, outcome: &str, waited: Duration, usage: Option<Usage>);

    /// One attempt at one model inside an LLM call (the fallback decorator
    /// tries the primary, then each fallback): the model tried, its outcome
    /// (`ok`, or the failure's contract code) and the time it took.
    fn llm_attempt(&self, model: &str, outcome: &str, waited: Duration);

    /// A request refused by a rate limit; `scope` names the limit (`ai`).
    fn rate_limited(&self, scope: &str);

    /// Tokens charged to a user's daily budget for one call: as the
    /// provider reported them, or `estimated` from the text when it
    /// reported none (a cancelled stream).
    fn tokens_charged(&self, tokens: u64, estimated: bool);

    /// A call refused because its user's daily token budget was spent.
    fn token_budget_exceeded(&self);

    /// Expired history rows deleted by the retention task (one batch).
    fn history_deleted(&self, rows: u64);

    /// One auth event of the audit trail.
    fn auth_event(&self, event: AuthEvent);

    /// One message's fate: `sent`, `retried`, `failed` (given up) or
    /// `dropped` (the queue was full).
    fn mail(&self, outcome: &str);
}

/// What the audit trail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthEvent {
    SignUp,
    SignIn,
    SignInFailed,
    LockedOut,
    Refreshed,
    RefreshReused,
    LoggedOut,
    /// Sessions ended other than by logging out one's own: `DELETE
    /// /auth/sessions/{id}`, logout with scope `others` or `global`.
    SessionEnded,
    PasswordChanged,
    /// A reset link was asked for (whether or not the account exists).
    PasswordResetRequested,
    /// A password was set through a reset link.
    PasswordReset,
    AccountDeleted,
}

impl AuthEvent {
    /// The event's name in logs and in `auth_events_total{event}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::LockedOut => "locked_out",
            Self::Refreshed => "refreshed",
            Self::RefreshReused => "refresh_reused",
            Self::LoggedOut => "logged_out",
            Self::SessionEnded => "session_ended",
            Self::PasswordChanged => "password_changed",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordReset => "password_reset",
            Self::AccountDeleted => "account_deleted",
        }
    }
}

/// Records nothing: for tests and programs that export no metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMetrics;

impl Metrics for NoMetrics {
    fn llm_call(&self, _model: &str, _outcome: &str, _waited: Duration, _usage: Option<Usage>) {}

    fn llm_attempt(&self, _model: &str, _outcome: &str, _waited: Duration) {}

    fn rate_limited(&self, _scope: &str) {}

    fn tokens_charged(&self, _tokens: u64, _estimated: bool) {}

    fn token_budget_exceeded(&self) {}

    fn history_deleted(&self, _rows: u64) {}

    fn auth_event(&self, _event: AuthEvent) {}

    fn mail(&self, _outcome: &str) {}
}
