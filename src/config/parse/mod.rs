//! [`RawSettings`] into [`Settings`]: every value parsed into its type, each
//! refusal naming its key. All problems are reported at once. The
//! sections with most rules have files of their own: `oauth.rs` (the
//! providers and app links), `sections.rs` (LLM fallbacks, telemetry,
//! history, mail).

mod oauth;
mod sections;

use oauth::{app_link, apple, facebook, google};
use sections::{fallbacks, history, mail, telemetry};

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{
    raw::{RawLimiterBackend, RawSettings},
    AuthSettings, DatabaseSettings, LimiterBackend, LlmSettings, OAuthSettings, RateLimitSettings,
    ServerSettings, Settings,
};

impl TryFrom<RawSettings> for Settings {
    /// Every problem found, `; `-separated, each naming its key.
    type Error = String;

    fn try_from(raw: RawSettings) -> Result<Self, Self::Error> {
        let mut problems = Problems::default();
        let p = &mut problems;

        let trusted_proxies = p.all(list(raw.server.trusted_proxies).iter().map(|e| proxy(e)));
        p.positive("server.body_limit_bytes", raw.server.body_limit_bytes);
        let server = trusted_proxies.map(|trusted_proxies| ServerSettings {
            host: raw.server.host,
            port: raw.server.port,
            cors_origins: list(raw.server.cors_origins),
            body_limit_bytes: raw.server.body_limit_bytes,
            shutdown_grace_secs: raw.server.shutdown_grace_secs,
            drain_delay_secs: raw.server.drain_delay_secs,
            trusted_proxies,
        });

        p.positive("database.max_connections", raw.database.max_connections);
        if raw.database.acquire_timeout_secs == Some(0) {
            p.push("database.acquire_timeout_secs must be > 0");
        }
        let database = DatabaseSettings {
            url: raw.database.url,
            max_connections: raw.database.max_connections,
            acquire_timeout_secs: raw.database.acquire_timeout_secs,
        };

        let jwt_secret = match raw.auth.jwt_secret {
            None => p.fail("auth.jwt_secret (or JWT_SECRET_KEY) must be set"),
            Some(secret) if secret.expose_secret().is_empty() => {
                p.fail("auth.jwt_secret must not be empty")
            }
            Some(secret) => Some(secret),
        };
        if !(4..=31).contains(&raw.auth.bcrypt_cost) {
            p.push("auth.bcrypt_cost must be between 4 and 31");
        }
        if raw.auth.access_token_ttl_secs == 0 || raw.auth.refresh_token_ttl_secs == 0 {
            p.push("auth.access_token_ttl_secs and auth.refresh_token_ttl_secs must be > 0");
        }
        p.positive("auth.max_failed_logins", raw.auth.max_failed_logins);
        p.positive(
            "auth.max_failed_logins_per_ip",
            raw.auth.max_failed_logins_per_ip,
        );
        if raw
            .auth
            .jwt_previous_secrets
            .iter()
            .any(|s| s.expose_secret().is_empty())
        {
            p.push("auth.jwt_previous_secrets must not hold an empty secret");
        }
        if raw.auth.issuer.trim().is_empty() || raw.auth.audience.trim().is_empty() {
            p.push("auth.issuer and auth.audience must not be empty");
        }
        let auth = jwt_secret.map(|jwt_secret| AuthSettings {
            jwt_secret,
            jwt_previous_secrets: raw.auth.jwt_previous_secrets,
            issuer: raw.auth.issuer,
            audience: raw.auth.audience,
            access_token_ttl_secs: raw.auth.access_token_ttl_secs,
            refresh_token_ttl_secs: raw.auth.refresh_token_ttl_secs,
            bcrypt_cost: raw.auth.bcrypt_cost,
            max_failed_logins: raw.auth.max_failed_logins,
            max_failed_logins_per_ip: raw.auth.max_failed_logins_per_ip,
            refresh_reuse_grace_secs: raw.auth.refresh_reuse_grace_secs,
            password_reset_ttl_secs: raw.auth.password_reset_ttl_secs,
        });

        if raw.llm.timeout_secs == 0 || raw.llm.max_prompt_chars == 0 {
            p.push("llm.timeout_secs and llm.max_prompt_chars must be > 0");
        }
        let fallbacks = fallbacks(raw.llm.fallbacks, raw.llm.fallback_models, p);
        let llm = p
            .ok(endpoint("llm.base_url", &raw.llm.base_url))
            .zip(fallbacks)
            .map(|(base_url, fallbacks)| LlmSettings {
                provider: raw.llm.provider,
                base_url,
                api_key: raw.llm.api_key,
                model: raw.llm.model,
                allowed_models: list(raw.llm.allowed_models),
                timeout_secs: raw.llm.timeout_secs,
                max_prompt_chars: raw.llm.max_prompt_chars,
                fake_script: raw
                    .llm
                    .fake_script
                    .filter(|p| !p.trim().is_empty())
                    .map(Into::into),
                fallbacks,
            });

        let limits = raw.rate_limit;
        p.positive(
            "rate_limit.ai_requests_per_minute",
            limits.ai_requests_per_minute,
        );
        let backend = match (limits.backend, limits.redis_url) {
            (RawLimiterBackend::Memory, _) => Some(LimiterBackend::Memory),
            (RawLimiterBackend::Redis, Some(url)) => Some(LimiterBackend::Redis {
                url,
                prefix: limits.redis_prefix,
            }),
            (RawLimiterBackend::Redis, None) => {
                p.fail("rate_limit.redis_url must be set when rate_limit.backend = \"redis\"")
            }
        };
        let rate_limit = backend.map(|backend| RateLimitSettings {
            backend,
            ai_requests_per_minute: limits.ai_requests_per_minute,
            ai_tokens_per_day: limits.ai_tokens_per_day,
        });
        let history = history(raw.history, p);

        p.positive(
            "auth.password_reset_ttl_secs",
            raw.auth.password_reset_ttl_secs,
        );
        let mail = mail(raw.mail, p);
        let google = google(raw.oauth.google, p);
        let facebook = facebook(raw.oauth.facebook, p);
        let apple = apple(raw.oauth.apple, p);
        let app_redirect_urls = p.all(list(raw.oauth.app_redirect_urls).into_iter().map(app_link));
        let telemetry = telemetry(raw.telemetry, p);

        let providers = (google, facebook, apple, app_redirect_urls);
        match (server, auth, llm, rate_limit, mail, providers, telemetry) {
            (
                Some(server),
                Some(auth),
                Some(llm),
                Some(rate_limit),
                Some(mail),
                (Some(google), Some(facebook), Some(apple), Some(app_redirect_urls)),
                Some(telemetry),
            ) if problems.0.is_empty() => Ok(Settings {
                history,
                environment: raw.environment,
                server,
                database,
                auth,
                llm,
                rate_limit,
                mail,
                oauth: OAuthSettings {
                    emulator: raw.oauth.emulator,
                    app_redirect_urls,
                    google,
                    facebook,
                    apple,
                },
                log: raw.log,
                telemetry,
            }),
            _ => Err(problems.0.join("; ")),
        }
    }
}

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    fn fail<T>(&mut self, problem: impl Into<String>) -> Option<T> {
        self.push(problem);
        None
    }

    fn ok<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.push(problem)).ok()
    }

    /// Every item, or `None` with each failure recorded.
    fn all<T>(&mut self, results: impl Iterator<Item = Result<T, String>>) -> Option<Vec<T>> {
        let before = self.0.len();
        let items: Vec<T> = results.filter_map(|r| self.ok(r)).collect();
        (self.0.len() == before).then_some(items)
    }

    fn positive<N: Default + PartialEq>(&mut self, key: &str, value: N) {
        if value == N::default() {
            self.push(format!("{key} must be > 0"));
        }
    }
}

/// A list's entries, trimmed, blank ones left out (a `NEXTARGET__...`
/// list variable is split at commas, spaces and all).
fn list(entries: Vec<String>) -> Vec<String> {
    entries
        .into_iter()
        .map(|entry| entry.trim().to_owned())
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// A `server.trusted_proxies` entry: a CIDR range or a bare IP (a /32 or
/// /128). IPv4-mapped IPv6 entries are read as IPv4, as client IPs are.
fn proxy(entry: &str) -> Result<IpNet, String> {
    let net = entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "server.trusted_proxies: {entry:?} is not an IP address or CIDR range \
                 (expected e.g. \"10.0.0.1\" or \"10.0.0.0/8\")"
            )
        })?;
    let net = match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => v6
            .addr()
            .to_ipv4_mapped()
            .and_then(|v4| Ipv4Net::new(v4, v6.prefix_len() - 96).ok())
            .map_or(net, IpNet::V4),
        _ => net,
    };
    Ok(net.trunc())
}

/// An absolute `http`/`https` URL.
fn endpoint(key: &str, value: &str) -> Result<Url, String> {
    let url = absolute_url(key, value)?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(format!("{key}: {value:?} is not an http or https URL"))
    }
}

fn absolute_url(key: &str, value: &str) -> Result<Url, String> {
    Url::parse(value.trim()).map_err(|err| format!("{key}: {value:?} is not a valid URL ({err})"))
}

/// The value when set and not blank.
fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn given_secret(value: Option<SecretString>) -> Option<SecretString> {
    value.filter(|v| !v.expose_secret().trim().is_empty())
}
