//! `Mailer` adapters: SMTP (lettre, one pooled transport), a file outbox
//! (`.eml` files, the default in development) and one for a server whose
//! mail is not configured. The message itself is built here, once.

mod file;
mod smtp;
mod unconfigured;

pub use file::FileOutbox;
pub use smtp::SmtpMailer;
pub use unconfigured::UnconfiguredMailer;

use lettre::{
    message::{Mailbox, MultiPart},
    Message,
};
use nextarget_ports::{Mail, MailError};

/// The sender `from` (`Name <address>` or a bare address).
///
/// # Errors
/// When it is not a mailbox.
pub fn sender(from: &str) -> anyhow::Result<Mailbox> {
    from.parse::<Mailbox>()
        .map_err(|e| anyhow::anyhow!("mail.from is not a mailbox ({from:?}): {e}"))
}

/// `mail` as an RFC 5322 message from `from`, text and HTML alternatives.
fn message(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .as_str()
        .parse()
        .map_err(|e| MailError::Refused(format!("recipient: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| MailError::Refused(format!("message: {e}")))
}
