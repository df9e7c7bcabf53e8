//! The typed settings. Secrets are `SecretString`: never in logs or `Debug`.

use secrecy::SecretString;
use serde::Deserialize;

/// Which `config/<env>.toml` was layered in, from `NEXTARGET_ENV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Test,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Test => "test",
            Environment::Production => "production",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(skip_deserializing, default = "default_environment")]
    pub environment: Environment,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub llm: LlmSettings,
    pub rate_limit: RateLimitSettings,
    #[serde(default)]
    pub oauth: OAuthSettings,
    pub log: LogSettings,
}

fn default_environment() -> Environment {
    Environment::Development
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub shutdown_grace_secs: u64,
    /// IPs or CIDR ranges (checked at start-up); see [`Self::trusted_proxy_ranges`].
    pub trusted_proxies: Vec<String>,
}

impl ServerSettings {
    /// `trusted_proxies`, parsed (entries that do not parse are left out;
    /// validation refuses them at start-up).
    pub fn trusted_proxy_ranges(&self) -> Vec<super::IpRange> {
        self.trusted_proxies
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// May hold a password: kept secret.
    pub url: SecretString,
    pub max_connections: u32,
    /// How long a query waits for a pooled connection before answering 503
    /// (unset: 10 s on SQLite, 5 s on PostgreSQL).
    #[serde(default)]
    pub acquire_timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: Option<SecretString>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub bcrypt_cost: u32,
    pub max_failed_logins: u32,
    pub refresh_reuse_grace_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LlmProvider {
    Fake,
    Mistral,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LlmSettings {
    pub provider: LlmProvider,
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub model: String,
    /// Empty means "the configured model only".
    pub allowed_models: Vec<String>,
    pub timeout_secs: u64,
    pub max_prompt_chars: usize,
}

impl LlmSettings {
    /// `allowed_models`, or `[model]` when none are listed.
    pub fn effective_allowed_models(&self) -> Vec<String> {
        if self.allowed_models.is_empty() {
            vec![self.model.clone()]
        } else {
            self.allowed_models.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitBackend {
    Memory,
    Redis,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    pub backend: RateLimitBackend,
    pub redis_url: Option<SecretString>,
    pub ai_requests_per_minute: u32,
    /// Namespace of every Redis key (`nextarget:` by default), so several
    /// deployments or test runs can share one Redis.
    #[serde(default = "default_redis_prefix")]
    pub redis_prefix: String,
}

fn default_redis_prefix() -> String {
    "nextarget:".to_owned()
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OAuthSettings {
    #[serde(default)]
    pub google: GoogleSettings,
    #[serde(default)]
    pub facebook: FacebookSettings,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GoogleSettings {
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub issuers: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FacebookSettings {
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub auth_url: String,
    pub graph_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}
