//! Password rules: 8 to 72 UTF-8 bytes (bcrypt's limit, never truncated),
//! and a zxcvbn score of at least 3.

use zxcvbn::{zxcvbn, Score};

use super::FieldError;

pub const MIN_PASSWORD_BYTES: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Checks a new password; `hints` are words the password should not lean on
/// (the email's local part, for example).
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
}
