//! Checks that need more than a type: each message names its key.

use secrecy::ExposeSecret;

use super::{Environment, RateLimitBackend, Settings};

pub(super) fn validate(s: &Settings) -> Result<(), String> {
    let mut problems = Vec::new();
    let production = s.environment == Environment::Production;
    match &s.auth.jwt_secret {
        None => problems.push("auth.jwt_secret (or JWT_SECRET_KEY) must be set".to_owned()),
        Some(secret) if production && secret.expose_secret().len() < 32 => {
            problems.push("auth.jwt_secret must be at least 32 bytes in production".to_owned());
        }
        Some(secret) if secret.expose_secret().is_empty() => {
            problems.push("auth.jwt_secret must not be empty".to_owned());
        }
        Some(_) => {}
    }
    if production && s.server.cors_origins.iter().any(|o| o == "*") {
        problems.push("server.cors_origins must not contain \"*\" in production".to_owned());
    }
    if !(4..=31).contains(&s.auth.bcrypt_cost) {
        problems.push("auth.bcrypt_cost must be between 4 and 31".to_owned());
    }
    if s.auth.access_token_ttl_secs == 0 || s.auth.refresh_token_ttl_secs == 0 {
        problems.push(
            "auth.access_token_ttl_secs and auth.refresh_token_ttl_secs must be > 0".to_owned(),
        );
    }
    if s.server.body_limit_bytes == 0 {
        problems.push("server.body_limit_bytes must be > 0".to_owned());
    }
    if s.database.max_connections == 0 {
        problems.push("database.max_connections must be > 0".to_owned());
    }
    if s.database.acquire_timeout_secs == Some(0) {
        problems.push("database.acquire_timeout_secs must be > 0".to_owned());
    }
    if s.llm.timeout_secs == 0 || s.llm.max_prompt_chars == 0 {
        problems.push("llm.timeout_secs and llm.max_prompt_chars must be > 0".to_owned());
    }
    if s.rate_limit.backend == RateLimitBackend::Redis && s.rate_limit.redis_url.is_none() {
        problems.push(
            "rate_limit.redis_url must be set when rate_limit.backend = \"redis\"".to_owned(),
        );
    }
    for proxy in &s.server.trusted_proxies {
        if let Err(reason) = proxy.parse::<super::IpRange>() {
            problems.push(format!(
                "server.trusted_proxies: {reason} (expected IPs or CIDR ranges, e.g. \"10.0.0.0/8\")"
            ));
        }
    }
    if s.auth.max_failed_logins == 0 {
        problems.push("auth.max_failed_logins must be > 0".to_owned());
    }
    if s.rate_limit.ai_requests_per_minute == 0 {
        problems.push("rate_limit.ai_requests_per_minute must be > 0".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
