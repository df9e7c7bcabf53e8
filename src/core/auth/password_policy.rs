//! Password rules: 8 to 72 UTF-8 bytes (bcrypt's limit, never truncated),
//! not built from the email, and a zxcvbn score of at least 3. The bytes
//! are taken as they are: no trimming, no normalisation.

use zxcvbn::{zxcvbn, Score};

use super::FieldError;

pub const MIN_PASSWORD_BYTES: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Checks a new password; `hints` are words the password must not be built
/// from (the email's parts: `Email::parts`).
///
/// # Errors
/// A [`FieldError`] on `password` that says why it was refused.
pub fn check_password(password: &str, hints: &[&str]) -> Result<(), FieldError> {
    let bytes = password.len();
    if bytes < MIN_PASSWORD_BYTES {
        return Err(FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_BYTES} bytes long"),
        ));
    }
    if bytes > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes long (UTF-8), it is {bytes}"),
        ));
    }
    if let Some(used) = built_from(password, hints) {
        return Err(FieldError::new(
            "password",
            format!(
                "is built from your email address ({}): choose words that are not in it",
                used.join(", ")
            ),
        ));
    }
    let entropy = zxcvbn(password, hints);
    if entropy.score() < Score::Three {
        let mut reason = String::from("is too easy to guess");
        if let Some(feedback) = entropy.feedback() {
            if let Some(warning) = feedback.warning() {
                reason.push_str(&format!(": {warning}"));
            }
            if let Some(suggestion) = feedback.suggestions().first() {
                reason.push_str(&format!(" ({suggestion})"));
            }
        }
        return Err(FieldError::new("password", reason));
    }
    Ok(())
}

/// The hints `password` leans on, when what is left once they are taken
/// out (in any case) would not pass on its own.
fn built_from(password: &str, hints: &[&str]) -> Option<Vec<String>> {
    let mut hints: Vec<String> = hints
        .iter()
        .map(|h| h.to_lowercase())
        .filter(|h| h.chars().count() >= 3)
        .collect();
    hints.sort_by_key(|h| std::cmp::Reverse(h.len()));
    let mut rest = password.to_lowercase();
    let mut used = Vec::new();
    for hint in hints {
        if rest.contains(&hint) {
            rest = rest.replace(&hint, "");
            used.push(hint);
        }
    }
    let stands_alone =
        rest.len() >= MIN_PASSWORD_BYTES && zxcvbn(&rest, &[]).score() >= Score::Three;
    (!used.is_empty() && !stands_alone).then_some(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_random_password_passes() {
        assert!(check_password("tundra-Velvet-93-orbit", &[]).is_ok());
    }

    #[test]
    fn short_long_and_guessable_passwords_are_refused_with_a_reason() {
        let short = check_password("Ab1!", &[]).expect_err("short");
        assert!(short.message.contains("at least 8"));
        let long = check_password(&"é".repeat(37), &[]).expect_err("74 bytes");
        assert!(long.message.contains("at most 72"));
        let weak = check_password("password123", &[]).expect_err("weak");
        assert!(weak.message.starts_with("is too easy to guess"));
    }

    #[test]
    fn the_email_local_part_counts_against_the_password() {
        assert!(check_password("alice.martin2024", &["alice.martin"]).is_err());
    }

    #[test]
    fn a_password_built_from_the_email_is_refused_with_the_reason() {
        let parts = ["alice.martin", "alice", "martin", "run-club", "run", "club"];
        for built in [
            "AliceMartin-RunClub",
            "martin.alice.club!",
            "Run-Club-Alice-77",
        ] {
            let err = check_password(built, &parts).expect_err(built);
            assert!(
                err.message.starts_with("is built from your email address"),
                "{built}: {}",
                err.message
            );
        }
        // Sharing a word with the email is fine when the rest stands alone.
        assert!(check_password("alice-tundra-Velvet-93-orbit", &parts).is_ok());
    }

    #[test]
    fn the_bytes_are_taken_as_they_are() {
        // Exactly 72 bytes passes; surrounding spaces count as bytes.
        let exactly = format!("tundra-Velvet-93-orbit-{}", "€".repeat(16));
        assert_eq!(exactly.len(), 71);
        assert!(check_password(&format!("{exactly} "), &[]).is_ok());
        assert!(check_password(&format!(" {exactly} "), &[]).is_err());
    }
}
