//! The longest values the auth use cases accept, whatever else they check:
//! past these a request is refused as invalid (422) before any work. The
//! HTTP spec states the same numbers (`src/http/spec_rules.rs`).

use secrecy::{ExposeSecret, SecretString};

use super::AuthError;
use crate::validation::{too_long, FieldError};

pub const MAX_EMAIL_CHARS: usize = 320;
/// A bound against abuse only: the password rule itself is 8..72 bytes.
pub const MAX_PASSWORD_CHARS: usize = 1024;
pub const MAX_REFRESH_TOKEN_CHARS: usize = 1024;
pub const MAX_ID_TOKEN_CHARS: usize = 8192;
pub const MAX_NONCE_CHARS: usize = 512;
/// A Facebook SDK user access token (a few hundred characters in practice).
pub const MAX_ACCESS_TOKEN_CHARS: usize = 4096;

/// The credentials of a sign-in, within their bounds.
pub(super) fn check_credentials(email: &str, password: &SecretString) -> Result<(), AuthError> {
    let errors: Vec<FieldError> = [
        too_long("email", email, MAX_EMAIL_CHARS),
        too_long("password", password.expose_secret(), MAX_PASSWORD_CHARS),
    ]
    .into_iter()
    .flatten()
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AuthError::Validation(errors))
    }
}

/// A presented refresh token, within its bound.
pub(super) fn check_refresh_token(token: &SecretString) -> Result<(), AuthError> {
    match too_long(
        "refresh_token",
        token.expose_secret(),
        MAX_REFRESH_TOKEN_CHARS,
    ) {
        Some(error) => Err(AuthError::Validation(vec![error])),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_at_their_bound_pass_and_one_more_character_does_not() {
        let email = "é".repeat(MAX_EMAIL_CHARS);
        let password = SecretString::from("p".repeat(MAX_PASSWORD_CHARS));
        assert!(check_credentials(&email, &password).is_ok());
        let Err(AuthError::Validation(errors)) = check_credentials(
            &format!("{email}x"),
            &SecretString::from("p".repeat(MAX_PASSWORD_CHARS + 1)),
        ) else {
            panic!("too long");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password"]);
    }

    #[test]
    fn a_refresh_token_past_its_bound_is_invalid_input() {
        let ok = SecretString::from("t".repeat(MAX_REFRESH_TOKEN_CHARS));
        assert!(check_refresh_token(&ok).is_ok());
        let long = SecretString::from("t".repeat(MAX_REFRESH_TOKEN_CHARS + 1));
        assert!(matches!(
            check_refresh_token(&long),
            Err(AuthError::Validation(_))
        ));
    }
}
