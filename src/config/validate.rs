//! What no single value's type can say: checks across fields, each message
//! naming its key and saying why.

use std::net::IpAddr;

use secrecy::ExposeSecret;

use super::{Environment, LlmProvider, Settings};

/// `committed_secrets`: the SHA-256 (hex) of the JWT secrets anyone can read
/// in this repository's config files (and the tests' own), which must never
/// sign tokens for a server others can reach.
pub(super) fn validate(s: &Settings, committed_secrets: &[String]) -> Result<(), String> {
    let mut problems = Vec::new();
    let production = s.environment == Environment::Production;
    let secret = s.auth.jwt_secret.expose_secret();
    if production && secret.len() < 32 {
        problems.push("auth.jwt_secret must be at least 32 bytes in production".to_owned());
    }
    let committed = committed_secrets.contains(&super::load::sha256_hex(secret));
    if committed && !is_loopback(&s.server.host) {
        problems.push(format!(
            "auth.jwt_secret is a secret committed in config/ (anyone can sign tokens with it): \
             set JWT_SECRET_KEY, or keep server.host on loopback (not {:?})",
            s.server.host
        ));
    }
    if production && s.server.cors_origins.iter().any(|o| o == "*") {
        problems.push("server.cors_origins must not contain \"*\" in production".to_owned());
    }
    if production && s.llm.provider == LlmProvider::Fake {
        problems.push(
            "llm.provider = \"fake\" is refused in production: it answers locally, never \
             with a real model"
                .to_owned(),
        );
    }
    if production && s.oauth.emulator {
        problems.push(
            "oauth.emulator is refused in production: it would let anyone sign in as anyone"
                .to_owned(),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Whether only this machine can reach `host`.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_for_tests;

    #[test]
    fn only_loopback_hosts_count_as_private() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["0.0.0.0", "::", "10.0.0.5", "example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn the_emulator_is_refused_in_production_only() {
        let mut s = load_for_tests(&[("oauth.emulator", "true")]).expect("settings");
        assert!(s.oauth.emulator);
        assert!(validate(&s, &[]).is_ok());
        s.environment = Environment::Production;
        s.llm.provider = LlmProvider::Mistral;
        let refused = validate(&s, &[]).expect_err("refused");
        assert!(
            refused.contains("oauth.emulator is refused in production"),
            "{refused}"
        );
    }
}
