//! A normalised, validated e-mail address.

use std::fmt;

/// An e-mail address, trimmed and lower-cased, with a plausible shape.
///
/// Construct it with [`Email::parse`]; two addresses that differ only by case
/// or surrounding blanks are equal once parsed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email must not be empty")]
    Empty,
    #[error("email must be at most 254 characters")]
    TooLong,
    #[error("email is not a valid address")]
    Malformed,
}

impl Email {
    /// Trims, lower-cases and checks the shape `local@domain.tld`.
    ///
    /// # Errors
    /// [`EmailError`] when the value is empty, longer than 254 characters or
    /// not shaped like an address.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailError::Empty);
        }
        if value.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(EmailError::Malformed);
        };
        let local_ok = !local.is_empty() && local.len() <= 64;
        let domain_ok = domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let no_bad_chars = !value.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '"' | '[' | ']'
                )
        });
        if !(local_ok && domain_ok && no_bad_chars) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(value))
    }

    /// Rebuilds an address read back from storage, already normalised.
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, handy as a hint for password strength checks.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }

    /// What a password must not be built from: the local part, its words,
    /// and the domain's labels but the last (`alice.martin@run-club.fr` →
    /// `alice.martin`, `alice`, `martin`, `run-club`, `run`, `club`), each
    /// at least 3 characters.
    pub fn parts(&self) -> Vec<&str> {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let mut labels: Vec<&str> = domain.split('.').collect();
        labels.pop();
        fn words(s: &str) -> Vec<&str> {
            let mut out = vec![s];
            out.extend(s.split(|c: char| !c.is_alphanumeric()));
            out
        }
        let mut parts: Vec<&str> = words(local)
            .into_iter()
            .chain(labels.into_iter().flat_map(words))
            .filter(|p| p.chars().count() >= 3)
            .collect();
        parts.sort_unstable();
        parts.dedup();
        parts
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_the_local_part_its_words_and_the_domain_labels() {
        let email = Email::parse("alice.martin+run@run-club.example.fr").expect("valid");
        assert_eq!(
            email.parts(),
            [
                "alice",
                "alice.martin+run",
                "club",
                "example",
                "martin",
                "run",
                "run-club"
            ]
        );
        assert_eq!(
            Email::parse("al@x.io").expect("valid").parts(),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn parse_trims_and_lowercases() {
        let email = Email::parse("  Alice@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "alice@example.com");
    }

    #[test]
    fn parse_rejects_bad_shapes() {
        for bad in [
            "",
            "   ",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "a b@example.com",
            "alice@exa..mple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
