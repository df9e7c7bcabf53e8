//! The deserialised shape: the TOML files and variables as they are
//! written, strings and all. [`super::Settings`] is parsed from it.

use secrecy::SecretString;
use serde::Deserialize;

use super::{Environment, LlmProvider, LogSettings, MailTransport};

#[derive(Debug, Deserialize)]
pub(super) struct RawSettings {
    /// Not read from the layers: set from `NEXTARGET_ENV` after reading.
    #[serde(skip_deserializing, default = "default_environment")]
    pub environment: Environment,
    pub server: RawServer,
    pub database: RawDatabase,
    pub auth: RawAuth,
    pub llm: RawLlm,
    pub rate_limit: RawRateLimit,
    pub mail: RawMail,
    pub history: RawHistory,
    #[serde(default)]
    pub oauth: RawOAuth,
    pub log: LogSettings,
    #[serde(default)]
    pub telemetry: RawTelemetry,
}

fn default_environment() -> Environment {
    Environment::Development
}

#[derive(Debug, Deserialize)]
pub(super) struct RawServer {
    pub host: String,
    pub port: u16,
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub shutdown_grace_secs: u64,
    pub drain_delay_secs: u64,
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawDatabase {
    pub url: SecretString,
    pub max_connections: u32,
    #[serde(default)]
    pub acquire_timeout_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawAuth {
    pub jwt_secret: Option<SecretString>,
    #[serde(default)]
    pub jwt_previous_secrets: Vec<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub bcrypt_cost: u32,
    pub max_failed_logins: u32,
    pub max_failed_logins_per_ip: u32,
    pub refresh_reuse_grace_secs: u64,
    pub password_reset_ttl_secs: u64,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawMail {
    pub transport: MailTransport,
    pub smtp_url: Option<SecretString>,
    pub from: String,
    pub outbox_dir: String,
    pub reset_url: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawLlm {
    pub provider: LlmProvider,
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub model: String,
    pub allowed_models: Vec<String>,
    pub timeout_secs: u64,
    pub max_prompt_chars: usize,
    pub fake_script: Option<String>,
    /// `llm.fallbacks`: tables of `model`, `base_url`?, `api_key`?.
    #[serde(default)]
    pub fallbacks: Vec<RawFallback>,
    /// `llm.fallback_models` (`NEXTARGET__LLM__FALLBACK_MODELS=a,b`):
    /// models of the primary's provider, tried after `fallbacks`.
    #[serde(default)]
    pub fallback_models: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawFallback {
    pub model: String,
    pub base_url: Option<String>,
    pub api_key: Option<SecretString>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawHistory {
    pub retention_days: u32,
    pub retention_batch_size: u32,
    pub retention_interval_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawLimiterBackend {
    Memory,
    Redis,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawRateLimit {
    pub backend: RawLimiterBackend,
    pub redis_url: Option<SecretString>,
    pub ai_requests_per_minute: u32,
    pub ai_tokens_per_day: u64,
    #[serde(default = "default_redis_prefix")]
    pub redis_prefix: String,
}

fn default_redis_prefix() -> String {
    "nextarget:".to_owned()
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawOAuth {
    /// `oauth.emulator`: serve the providers from the server itself.
    #[serde(default)]
    pub emulator: bool,
    /// `oauth.app_redirect_urls`: the app links a web flow may end in.
    #[serde(default)]
    pub app_redirect_urls: Vec<String>,
    #[serde(default)]
    pub google: RawGoogle,
    #[serde(default)]
    pub facebook: RawFacebook,
    #[serde(default)]
    pub apple: RawApple,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawGoogle {
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub issuers: Vec<String>,
    #[serde(default)]
    pub native_client_ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawFacebook {
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub auth_url: String,
    pub graph_url: String,
    pub jwks_url: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawApple {
    pub client_id: Option<String>,
    pub team_id: Option<String>,
    pub key_id: Option<String>,
    pub private_key: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    #[serde(default)]
    pub native_client_ids: Vec<String>,
}

/// `telemetry.*`: traces over OTLP/HTTP, off while `otlp_endpoint` is unset.
#[derive(Debug, Deserialize)]
pub(super) struct RawTelemetry {
    pub otlp_endpoint: Option<String>,
    #[serde(default = "default_service_name")]
    pub service_name: String,
    #[serde(default = "default_sample_ratio")]
    pub sample_ratio: f64,
}

impl Default for RawTelemetry {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: default_service_name(),
            sample_ratio: default_sample_ratio(),
        }
    }
}

fn default_service_name() -> String {
    "nextarget".to_owned()
}

fn default_sample_ratio() -> f64 {
    1.0
}
