//! SMTP through lettre: one pooled transport, a timeout, credentials from
//! the URL. `smtps://` is TLS from the first byte; `smtp://` requires
//! STARTTLS unless the URL says `?tls=opportunistic` or, for a local relay
//! or a test server only, `?tls=none`.

use std::time::Duration;

use async_trait::async_trait;
use lettre::{
    message::Mailbox, transport::smtp, AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use nextarget_ports::{Mail, MailError, Mailer};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// The whole send's bound: lettre's own timeout covers only the
    /// connection, not a server that stops answering after its greeting.
    timeout: Duration,
}

/// `url` as lettre reads it: STARTTLS required on `smtp://` unless `tls`
/// says otherwise; `tls=none` removed (lettre's plain connection).
fn lettre_url(url: &SecretString) -> anyhow::Result<String> {
    let mut url = Url::parse(url.expose_secret())
        .map_err(|_| anyhow::anyhow!("mail.smtp_url is not a URL"))?;
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    match (url.scheme(), tls.as_deref()) {
        ("smtp", None) => {
            url.query_pairs_mut().append_pair("tls", "required");
        }
        ("smtp", Some("none")) => {
            let others: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.set_query(None);
            if !others.is_empty() {
                url.query_pairs_mut().extend_pairs(others);
            }
        }
        ("smtp", Some("required" | "opportunistic")) | ("smtps", _) => {}
        (scheme, tls) => anyhow::bail!(
            "mail.smtp_url: scheme {scheme:?} with tls {tls:?} (smtp:// with tls required, \
             opportunistic or none, or smtps://)"
        ),
    }
    Ok(url.to_string())
}

impl SmtpMailer {
    /// A transport to `url` sending as `from`, giving up on a server
    /// after `timeout`.
    ///
    /// # Errors
    /// When the URL is not an SMTP URL lettre can use.
    pub fn new(url: &SecretString, from: Mailbox, timeout: Duration) -> anyhow::Result<Self> {
        let url = lettre_url(url)?;
        // lettre's error may echo the URL: not its credentials.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|_| anyhow::anyhow!("mail.smtp_url is not an SMTP URL lettre can use"))?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            from,
            transport,
            timeout,
        })
    }
}

fn mail_error(err: &smtp::Error) -> MailError {
    if err.is_permanent() {
        MailError::Refused(err.to_string())
    } else {
        MailError::Unavailable(err.to_string())
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = super::message(&self.from, mail)?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map(|_| ()).map_err(|e| mail_error(&e)),
            Err(_) => Err(MailError::Unavailable(format!(
                "no answer from the SMTP server within {:?}",
                self.timeout
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> String {
        lettre_url(&SecretString::from(s.to_owned())).expect("url")
    }

    #[test]
    fn smtp_requires_starttls_unless_told_otherwise() {
        assert_eq!(
            url("smtp://u:p@mail.example:587"),
            "smtp://u:p@mail.example:587?tls=required"
        );
        assert_eq!(
            url("smtp://127.0.0.1:2525?tls=none"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            url("smtp://h?tls=opportunistic"),
            "smtp://h?tls=opportunistic"
        );
        assert_eq!(url("smtps://u:p@mail.example"), "smtps://u:p@mail.example");
        assert!(lettre_url(&SecretString::from("http://x".to_owned())).is_err());
        assert!(lettre_url(&SecretString::from("smtp://x?tls=maybe".to_owned())).is_err());
    }
}
