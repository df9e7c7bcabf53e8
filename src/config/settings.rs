//! The typed settings, parsed from [`super::raw`]: a value here is a valid
//! one (a secret that is set, URLs that parse, a provider with every
//! credential). Secrets are `SecretString`: never in logs or `Debug`.

use ipnet::IpNet;
use nextarget_adapters::identity::AppleSigningKey;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

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

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub llm: LlmSettings,
    pub rate_limit: RateLimitSettings,
    pub mail: MailSettings,
    pub history: HistorySettings,
    pub oauth: OAuthSettings,
    pub log: LogSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub shutdown_grace_secs: u64,
    /// After SIGTERM: how long to keep serving, not ready, before the
    /// listener closes.
    pub drain_delay_secs: u64,
    /// Networks whose `X-Forwarded-For` is believed (a bare IP is a /32 or
    /// /128; IPv4-mapped IPv6 entries are read as IPv4).
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// May hold a password: kept secret.
    pub url: SecretString,
    pub max_connections: u32,
    /// How long a query waits for a pooled connection before answering 503
    /// (unset: 10 s on SQLite, 5 s on PostgreSQL).
    pub acquire_timeout_secs: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    /// `auth.jwt_previous_secrets`: still verify, never sign.
    pub jwt_previous_secrets: Vec<SecretString>,
    /// `iss` and `aud` of access tokens.
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub bcrypt_cost: u32,
    pub max_failed_logins: u32,
    pub max_failed_logins_per_ip: u32,
    pub refresh_reuse_grace_secs: u64,
    /// How long a reset link works.
    pub password_reset_ttl_secs: u64,
}

/// How mail leaves (`mail.transport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `mail.smtp_url` (the default outside development).
    Smtp,
    /// `.eml` files under `mail.outbox_dir` (the default in development).
    File,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `smtp://user:pass@host:587` (STARTTLS) or `smtps://` (TLS).
    pub smtp_url: Option<SecretString>,
    /// The sender, a mailbox (`Name <address>`).
    pub from: String,
    pub outbox_dir: std::path::PathBuf,
    /// The link mailed, with `{token}` where the token goes.
    pub reset_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LlmProvider {
    Fake,
    Mistral,
}

#[derive(Debug, Clone)]
pub struct LlmSettings {
    pub provider: LlmProvider,
    pub base_url: Url,
    pub api_key: Option<SecretString>,
    pub model: String,
    /// Empty means "the configured model only".
    pub allowed_models: Vec<String>,
    pub timeout_secs: u64,
    pub max_prompt_chars: usize,
    /// Rules for the fake LLM (`llm.fake_script`, a TOML file).
    pub fake_script: Option<std::path::PathBuf>,
    /// `llm.fallbacks`, then `llm.fallback_models`: tried in this order
    /// when the primary fails before its first byte.
    pub fallbacks: Vec<LlmFallback>,
}

/// A model tried when the primary fails; unset `base_url` and `api_key`
/// are the primary's (the same provider).
#[derive(Debug, Clone)]
pub struct LlmFallback {
    pub model: String,
    pub base_url: Option<Url>,
    pub api_key: Option<SecretString>,
}

/// `history.*`: how long AI history is kept.
#[derive(Debug, Clone)]
pub struct HistorySettings {
    /// Rows older than this many days are deleted; 0 keeps them forever.
    pub retention_days: u32,
    /// Rows deleted per batch (each batch one short transaction).
    pub retention_batch_size: u32,
    /// Seconds between two runs of the retention task.
    pub retention_interval_secs: u64,
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

/// Where rate limits are counted (`rate_limit.backend`).
#[derive(Debug, Clone)]
pub enum LimiterBackend {
    /// In this process only.
    Memory,
    /// Shared between instances through Redis.
    Redis {
        /// `rate_limit.redis_url`; may hold a password.
        url: SecretString,
        /// `rate_limit.redis_prefix`: the namespace of every key
        /// (`nextarget:` by default), so deployments and test runs can
        /// share one Redis.
        prefix: String,
    },
}

#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub backend: LimiterBackend,
    pub ai_requests_per_minute: u32,
    /// Tokens per user per UTC day across /ai and /coach; 0: no budget.
    pub ai_tokens_per_day: u64,
}

/// The OAuth providers; each is present only when fully configured.
#[derive(Debug, Clone, Default)]
pub struct OAuthSettings {
    /// `oauth.emulator` (see the contract's "For app developers and
    /// testers"); refused in production.
    pub emulator: bool,
    /// `oauth.app_redirect_urls`: the app links (`nextarget://auth`, an
    /// `https` universal link) a web flow may end in, as configured (each
    /// an absolute URL without a fragment); `redirect_to` must equal one.
    pub app_redirect_urls: Vec<String>,
    pub google: Option<GoogleSettings>,
    pub facebook: Option<FacebookSettings>,
    pub apple: Option<AppleSettings>,
}

#[derive(Debug, Clone)]
pub struct GoogleSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: Url,
    pub auth_url: Url,
    pub token_url: Url,
    pub jwks_url: Url,
    pub issuers: Vec<String>,
    /// Extra `aud` values accepted for native id_tokens (the iOS and
    /// Android apps' client ids).
    pub native_client_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FacebookSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: Url,
    pub auth_url: Url,
    pub graph_url: Url,
    /// The keys of iOS Limited Login id_tokens.
    pub jwks_url: Url,
}

/// Sign in with Apple: on when `client_id` or `native_client_ids` is set.
#[derive(Debug, Clone)]
pub struct AppleSettings {
    /// The Services ID: accepted as `aud` of native tokens too.
    pub client_id: Option<String>,
    /// Extra `aud` values accepted for native id_tokens (the apps' bundle
    /// ids).
    pub native_client_ids: Vec<String>,
    pub jwks_url: Url,
    /// The web flow, present when the client id, team id, key id, private
    /// key and redirect URI are all set.
    pub web: Option<AppleWebSettings>,
}

#[derive(Debug, Clone)]
pub struct AppleWebSettings {
    /// `oauth.apple.client_id`, the Services ID.
    pub client_id: String,
    pub team_id: String,
    pub key_id: String,
    /// The .p8 key, read and proven to sign ES256 at start-up; `Debug`
    /// hides it.
    pub private_key: AppleSigningKey,
    pub redirect_uri: Url,
    pub auth_url: Url,
    pub token_url: Url,
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

/// `telemetry.*`: OpenTelemetry traces.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// The OTLP/HTTP traces URL (`/v1/traces` of the configured base, e.g.
    /// `http://collector:4318/v1/traces`); `None`: no traces are exported.
    pub otlp_endpoint: Option<Url>,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// The share of new traces kept, 0.0 to 1.0; a caller's sampled flag
    /// (`traceparent`) is followed.
    pub sample_ratio: f64,
}
