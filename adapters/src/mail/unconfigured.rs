//! The mailer of a server whose mail is not configured (`smtp` without
//! `mail.smtp_url`): every message fails, logged and counted by the
//! caller; nothing is shown to the app.

use async_trait::async_trait;
use nextarget_ports::{Mail, MailError, Mailer};

pub struct UnconfiguredMailer;

#[async_trait]
impl Mailer for UnconfiguredMailer {
    async fn send(&self, _mail: &Mail) -> Result<(), MailError> {
        Err(MailError::Refused(
            "mail is not configured: set mail.smtp_url (or mail.transport = \"file\")".into(),
        ))
    }
}
