//! The `Mailer` port: sending one message. Adapters: SMTP, a file outbox
//! (`.eml` files, for development), and the tests' own.

use async_trait::async_trait;

use crate::email::Email;

/// One message, in plain text and HTML alike.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Mail {
    /// The body may carry a secret (a reset link): never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The server or the outbox cannot be reached now: worth a retry.
    #[error("mail transport unavailable: {0}")]
    Unavailable(String),
    /// The server refused this message for good (a bad address, a policy):
    /// no retry will help.
    #[error("mail refused: {0}")]
    Refused(String),
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands `mail` to the transport; `Ok` once it accepted it.
    ///
    /// # Errors
    /// [`MailError::Unavailable`] for a failure worth retrying (connection,
    /// timeout, a 4xx reply); [`MailError::Refused`] otherwise.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}
