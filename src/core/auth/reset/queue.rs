//! The bounded queue between the request path and the mail: jobs go in
//! without waiting; one worker takes them out, looks the account up,
//! issues a token and mails the link.

use std::{sync::Arc, time::Duration};

use chrono::Duration as ChronoDuration;
use nextarget_ports::{MailError, Metrics, NewResetToken, Provider};
use tokio::sync::{mpsc, Mutex};

use super::{message, ResetJob};
use crate::auth::{refresh_token, AuthService};

/// How many requests may wait for the worker; past it, a request is
/// dropped (logged and counted).
pub const RESET_QUEUE_CAPACITY: usize = 1024;
/// Attempts at sending one message (the first and the retries).
pub const MAIL_ATTEMPTS: u32 = 3;

/// The sending side, held by the service; the receiving side waits for
/// [`ResetWorker::run`].
pub struct ResetQueue {
    tx: mpsc::Sender<ResetJob>,
    rx: Mutex<Option<mpsc::Receiver<ResetJob>>>,
    retry_base: Duration,
}

impl ResetQueue {
    /// A queue of [`RESET_QUEUE_CAPACITY`]; a failed send is retried after
    /// `retry_base`, then twice that.
    pub fn new(retry_base: Duration) -> Self {
        let (tx, rx) = mpsc::channel(RESET_QUEUE_CAPACITY);
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            retry_base,
        }
    }

    /// Queues `job` without waiting; a full (or closed) queue drops it.
    pub(crate) fn submit(&self, job: ResetJob, metrics: &dyn Metrics) {
        if self.tx.try_send(job).is_err() {
            tracing::warn!("password reset queue full: request dropped");
            metrics.mail("dropped");
        }
    }
}

/// Takes the queued requests out and answers them, one at a time.
pub struct ResetWorker {
    service: Arc<AuthService>,
}

impl ResetWorker {
    pub fn new(service: Arc<AuthService>) -> Self {
        Self { service }
    }

    /// Runs until the queue closes (its service is dropped). A second
    /// worker on the same service returns at once: there is one receiver.
    pub async fn run(self) {
        let Some(mut rx) = self.service.reset_queue.rx.lock().await.take() else {
            return;
        };
        while let Some(job) = rx.recv().await {
            self.service.answer_reset(job).await;
        }
    }
}

impl AuthService {
    /// Answers one request: for a local account, a new token (the older
    /// ones superseded) and the mail; for anything else, nothing. Never
    /// fails: every outcome is logged and counted.
    pub async fn answer_reset(&self, job: ResetJob) {
        let user = match self
            .ports
            .users
            .find_by_email(&job.email, Provider::Local)
            .await
        {
            Ok(Some(user)) if user.password_hash.is_some() => user,
            Ok(_) => {
                tracing::debug!("password reset for no local account: nothing sent");
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, "password reset: account lookup failed");
                self.ports.metrics.mail("failed");
                return;
            }
        };
        let now = self.ports.clock.now();
        let token = refresh_token::generate();
        let ttl = i64::try_from(self.policy.password_reset_ttl_secs).unwrap_or(i64::MAX / 1000);
        let record = NewResetToken {
            user_id: user.id,
            token_hash: refresh_token::hash(&token),
            created_at: now,
            expires_at: now + ChronoDuration::seconds(ttl),
        };
        if let Err(err) = self.ports.reset_tokens.issue(&record).await {
            tracing::warn!(error = %err, user_id = %user.id, "password reset: token not stored");
            self.ports.metrics.mail("failed");
            return;
        }
        let mail = message::reset_mail(&job, &self.policy.reset_url, &token);
        let retry_base = self.reset_queue.retry_base;
        for attempt in 1..=MAIL_ATTEMPTS {
            match self.ports.mailer.send(&mail).await {
                Ok(()) => {
                    tracing::info!(user_id = %user.id, attempt, "password reset mail sent");
                    self.ports.metrics.mail("sent");
                    return;
                }
                Err(MailError::Unavailable(reason)) if attempt < MAIL_ATTEMPTS => {
                    tracing::warn!(%reason, attempt, "password reset mail: transport failed, retrying");
                    self.ports.metrics.mail("retried");
                    tokio::time::sleep(retry_base * 2u32.pow(attempt - 1)).await;
                }
                Err(err) => {
                    tracing::warn!(error = %err, user_id = %user.id, "password reset mail not sent");
                    self.ports.metrics.mail("failed");
                    return;
                }
            }
        }
    }
}
