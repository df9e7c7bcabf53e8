//! Forgot password, by mail: `POST /auth/password/forgot` and `POST
//! /auth/password/reset`.
//!
//! The request path does the same work whether or not a local account has
//! the email: it checks the input, takes one request from the per-email
//! and per-IP throttles, and queues a job; it answers 202 either way, so
//! neither its body nor its timing tells. The job runs off the request
//! path (`ResetWorker`): it looks the account up and, only for a local
//! account, stores a new token (superseding the older ones) and mails the
//! link, retrying a failing transport a few times; every outcome is logged
//! and counted, never shown to the caller. A full queue drops the job
//! (logged, counted), as a dead mail server would.

mod complete;
mod message;
mod queue;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use nextarget_ports::{AuthEvent, Email, RateDecision, RateLimit};

pub use message::MailLanguage;
pub use queue::{ResetQueue, ResetWorker};

use super::{audit::Subject, refresh_token, AuthError, AuthService};
use crate::validation::too_long;

/// Reset requests per email address, per hour.
pub const RESET_REQUESTS_PER_EMAIL_PER_HOUR: u32 = 3;
/// Reset requests per client IP, per hour.
pub const RESET_REQUESTS_PER_IP_PER_HOUR: u32 = 20;

/// What the worker needs to answer one request.
#[derive(Debug, Clone)]
pub struct ResetJob {
    pub email: Email,
    pub language: MailLanguage,
}

fn hour(max: u32) -> RateLimit {
    RateLimit {
        max,
        per: std::time::Duration::from_secs(3600),
    }
}

impl AuthService {
    /// Asks for a reset link for `email`. Answers the same whether or not
    /// a local account has it (see the module documentation).
    ///
    /// # Errors
    /// `Validation` when `email` is not an email; `TooManyAttempts` past
    /// the per-email or per-IP throttle; `Unavailable` when the limiter
    /// cannot be reached.
    pub async fn forgot_password(
        &self,
        email: &str,
        client_ip: Option<IpAddr>,
        language: MailLanguage,
    ) -> Result<(), AuthError> {
        if let Some(error) = too_long("email", email, super::MAX_EMAIL_CHARS) {
            return Err(AuthError::Validation(vec![error]));
        }
        let email = Email::parse(email).map_err(|e| AuthError::invalid("email", e.to_string()))?;
        let now = self.ports.clock.now();
        let mut limits = vec![(
            format!("reset:email:{}", refresh_token::hash(email.as_str())),
            hour(RESET_REQUESTS_PER_EMAIL_PER_HOUR),
        )];
        if let Some(ip) = client_ip {
            limits.push((
                format!("reset:ip:{ip}"),
                hour(RESET_REQUESTS_PER_IP_PER_HOUR),
            ));
        }
        for (key, limit) in limits {
            let decision = self
                .ports
                .limiter
                .check(&key, limit, now)
                .await
                .map_err(|e| AuthError::Unavailable(anyhow::Error::new(e)))?;
            if let RateDecision::Limited { retry_after_secs } = decision {
                self.ports.metrics.rate_limited("password_reset");
                return Err(AuthError::TooManyAttempts { retry_after_secs });
            }
        }
        self.audit(
            AuthEvent::PasswordResetRequested,
            Subject {
                client_ip,
                ..Subject::default()
            },
        );
        self.reset_queue
            .submit(ResetJob { email, language }, &*self.ports.metrics);
        Ok(())
    }
}
