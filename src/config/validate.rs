//! What no single value's type can say: checks across fields, each message
//! naming its key.

use secrecy::ExposeSecret;

use super::{Environment, Settings};

pub(super) fn validate(s: &Settings) -> Result<(), String> {
    let mut problems = Vec::new();
    let production = s.environment == Environment::Production;
    if production && s.auth.jwt_secret.expose_secret().len() < 32 {
        problems.push("auth.jwt_secret must be at least 32 bytes in production".to_owned());
    }
    if production && s.server.cors_origins.iter().any(|o| o == "*") {
        problems.push("server.cors_origins must not contain \"*\" in production".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
