//! The reset message, in French (the default) or English, as plain text
//! and HTML.

use nextarget_ports::Mail;

use super::ResetJob;

/// The language of a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailLanguage {
    #[default]
    French,
    English,
}

impl MailLanguage {
    /// The language an `Accept-Language` header prefers among ours:
    /// English when an `en` range has a higher weight than any `fr` one
    /// (the first listed wins a tie), French otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for part in header.unwrap_or_default().split(',') {
            let mut pieces = part.split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let weight = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let language = match tag.split('-').next() {
                Some("en") => Self::English,
                Some("fr") => Self::French,
                _ => continue,
            };
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language).unwrap_or_default()
    }
}

/// `text` escaped for an HTML attribute value or text (`&`, `<`, `>`,
/// `"`, `'`).
fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// The message for `job`, linking to `reset_url` with `{token}` replaced.
pub(crate) fn reset_mail(job: &ResetJob, reset_url: &str, token: &str) -> Mail {
    let link = reset_url.replace("{token}", token);
    let (subject, intro, action, outro) = match job.language {
        MailLanguage::French => (
            "Réinitialisez votre mot de passe NexTarget",
            "Vous avez demandé à réinitialiser le mot de passe de votre compte NexTarget.",
            "Choisir un nouveau mot de passe",
            "Ce lien ne sert qu'une fois et expire bientôt. Si vous n'avez rien demandé, \
             ignorez ce message : votre mot de passe ne change pas.",
        ),
        MailLanguage::English => (
            "Reset your NexTarget password",
            "You asked to reset the password of your NexTarget account.",
            "Choose a new password",
            "This link works once and expires soon. If you did not ask for it, ignore \
             this message: your password stays as it is.",
        ),
    };
    let text = format!("{intro}\n\n{action}: {link}\n\n{outro}\n");
    let html = format!(
        "<!doctype html><html><body><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p></body></html>",
        escape(intro),
        escape(&link),
        escape(action),
        escape(outro),
    );
    Mail {
        to: job.email.clone(),
        subject: subject.to_owned(),
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use nextarget_ports::Email;

    use super::*;

    #[test]
    fn english_only_when_preferred_over_french() {
        let pick = |h: &str| MailLanguage::from_accept_language(Some(h));
        assert_eq!(
            MailLanguage::from_accept_language(None),
            MailLanguage::French
        );
        assert_eq!(pick("en-US,en;q=0.9"), MailLanguage::English);
        assert_eq!(pick("fr-FR,fr;q=0.9,en;q=0.8"), MailLanguage::French);
        assert_eq!(pick("de-DE, en;q=0.5"), MailLanguage::English);
        assert_eq!(pick("en;q=0.3, fr;q=0.7"), MailLanguage::French);
        assert_eq!(pick("en;q=0, de"), MailLanguage::French);
        assert_eq!(pick("garbage;;q=x,,"), MailLanguage::French);
    }

    #[test]
    fn the_link_carries_the_token_in_both_bodies_escaped_in_html() {
        let job = ResetJob {
            email: Email::parse("a@example.com").expect("email"),
            language: MailLanguage::English,
        };
        let mail = reset_mail(&job, "https://app.example/r?x=1&token={token}", "T0K");
        assert!(mail.text.contains("https://app.example/r?x=1&token=T0K"));
        assert!(mail
            .html
            .contains("href=\"https://app.example/r?x=1&amp;token=T0K\""));
        assert_eq!(mail.subject, "Reset your NexTarget password");
        let french = reset_mail(
            &ResetJob {
                language: MailLanguage::French,
                ..job
            },
            "nextarget://reset-password?token={token}",
            "T0K",
        );
        assert!(french.text.contains("nextarget://reset-password?token=T0K"));
        assert!(french.subject.starts_with("Réinitialisez"));
    }
}
