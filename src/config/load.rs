//! Reading the layers in the contract's order.

use std::path::PathBuf;

use config::{builder::DefaultState, ConfigBuilder, File, FileFormat};
use sha2::{Digest, Sha256};

use super::{raw::RawSettings, settings::Environment, validate::validate, Settings};

/// Why start-up refused the configuration; the message names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration error: {0}")]
    Read(#[from] config::ConfigError),
    #[error("configuration error: {0}")]
    Invalid(String),
}

const EMBEDDED: [(&str, &str); 4] = [
    ("default", include_str!("../../config/default.toml")),
    ("development", include_str!("../../config/development.toml")),
    ("test", include_str!("../../config/test.toml")),
    ("production", include_str!("../../config/production.toml")),
];

/// Keys whose `NEXTARGET__...` variable is a comma-separated list.
const LIST_KEYS: [&str; 9] = [
    "auth.jwt_previous_secrets",
    "server.cors_origins",
    "server.trusted_proxies",
    "llm.allowed_models",
    "llm.fallback_models",
    "oauth.google.issuers",
    "oauth.google.native_client_ids",
    "oauth.apple.native_client_ids",
    "oauth.app_redirect_urls",
];

/// The seed's flat variable names and the keys they set (layer 5).
const FLAT_NAMES: [(&str, &str); 9] = [
    ("DATABASE_URL", "database.url"),
    ("JWT_SECRET_KEY", "auth.jwt_secret"),
    ("MISTRAL_API_KEY", "llm.api_key"),
    ("GOOGLE_CLIENT_ID", "oauth.google.client_id"),
    ("GOOGLE_CLIENT_SECRET", "oauth.google.client_secret"),
    ("GOOGLE_REDIRECT_URI", "oauth.google.redirect_uri"),
    ("FACEBOOK_CLIENT_ID", "oauth.facebook.client_id"),
    ("FACEBOOK_CLIENT_SECRET", "oauth.facebook.client_secret"),
    ("FACEBOOK_REDIRECT_URI", "oauth.facebook.redirect_uri"),
];

/// Loads the settings the server runs with: files, `.env`, then the process
/// environment.
///
/// # Errors
/// A [`ConfigError`] naming the key that is missing or malformed.
pub fn load() -> Result<Settings, ConfigError> {
    // .env joins the environment without overriding what is already set.
    let _ = dotenvy::dotenv();
    let env_name = std::env::var("NEXTARGET_ENV").unwrap_or_else(|_| "development".into());
    let environment = parse_environment(&env_name)?;
    let mut builder = with_variables(files(environment)?, None);
    for (var, key) in FLAT_NAMES {
        builder = builder.set_override_option(key, std::env::var(var).ok())?;
    }
    finish(builder, environment)
}

/// The test-only JWT secret of [`TEST_DEFAULTS`].
#[cfg(any(test, feature = "test-support"))]
pub(super) const TEST_JWT_SECRET: &str = "test-only-secret-0123456789-0123456789";
/// Its SHA-256 (hex), all the release binary keeps of it: enough to refuse
/// it (see [`committed_secret_digests`]).
pub(super) const TEST_JWT_SECRET_SHA256: &str =
    "2ed40a9a67e94ae0311cc2f63c6dc2971a633f9e2e48f002eeeebdf241067942";

/// What in-process tests run with unless they say otherwise: any free port,
/// the fake LLM, a test-only JWT secret, quiet logs. Built only for tests
/// (the `test-support` feature), never into the release binary.
#[cfg(any(test, feature = "test-support"))]
const TEST_DEFAULTS: [(&str, &str); 5] = [
    ("server.port", "0"),
    ("auth.jwt_secret", TEST_JWT_SECRET),
    ("llm.provider", "fake"),
    ("log.format", "pretty"),
    ("log.level", "warn"),
];

/// Settings for tests: the `test` layers, [`TEST_DEFAULTS`], then
/// `overrides`, and nothing from the process environment, so parallel tests
/// never see each other's values.
///
/// # Errors
/// As [`load`].
#[cfg(any(test, feature = "test-support"))]
pub fn load_for_tests(overrides: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    // Given as the variables `load` would read, so lists are split alike.
    let variables = TEST_DEFAULTS
        .iter()
        .chain(overrides)
        .map(|(key, value)| {
            let name = format!("{PREFIX}__{}", key.replace('.', "__").to_uppercase());
            (name, (*value).to_owned())
        })
        .collect();
    finish(
        with_variables(files(Environment::Test)?, Some(variables)),
        Environment::Test,
    )
}

fn parse_environment(name: &str) -> Result<Environment, ConfigError> {
    match name {
        "development" => Ok(Environment::Development),
        "test" => Ok(Environment::Test),
        "production" => Ok(Environment::Production),
        other => Err(ConfigError::Invalid(format!(
            "NEXTARGET_ENV must be development, test or production, not {other:?}"
        ))),
    }
}

const PREFIX: &str = "NEXTARGET";

/// Layer 4, the `NEXTARGET__SECTION__KEY` variables (of the process when
/// `variables` is `None`): the [`LIST_KEYS`] split at commas by `config`,
/// every other value a string as written.
fn with_variables(
    builder: ConfigBuilder<DefaultState>,
    variables: Option<config::Map<String, String>>,
) -> ConfigBuilder<DefaultState> {
    let prefixed = || {
        config::Environment::with_prefix(PREFIX)
            .prefix_separator("__")
            .separator("__")
    };
    let is_list = |name: &str| {
        LIST_KEYS
            .iter()
            .any(|key| name.eq_ignore_ascii_case(&format!("{PREFIX}__{}", key.replace('.', "__"))))
    };
    let lists: config::Map<String, String> = match &variables {
        Some(variables) => variables
            .iter()
            .filter(|(name, _)| is_list(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        None => std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .filter(|(name, _)| is_list(name))
            .collect(),
    };
    // `try_parsing` is what makes `config` split lists; it would also read
    // numbers in strings (a secret of digits), so only the lists get it and
    // they override their unsplit selves.
    let lists = LIST_KEYS
        .iter()
        .fold(
            prefixed().try_parsing(true).list_separator(","),
            |source, key| source.with_list_parse_key(key),
        )
        .source(Some(lists));
    builder
        .add_source(prefixed().source(variables))
        .add_source(lists)
}

/// `config/` beside the working directory (or `NEXTARGET_CONFIG_DIR`); a file
/// missing there falls back to the copy built into the binary.
fn files(environment: Environment) -> Result<ConfigBuilder<DefaultState>, ConfigError> {
    let dir = std::env::var("NEXTARGET_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("config"));
    let mut builder = config::Config::builder();
    for name in ["default", environment.as_str()] {
        let path = dir.join(format!("{name}.toml"));
        builder = if path.is_file() {
            builder.add_source(File::from(path))
        } else {
            let text = EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| *text)
                .ok_or_else(|| ConfigError::Invalid(format!("no config file for {name}")))?;
            builder.add_source(File::from_str(text, FileFormat::Toml))
        };
    }
    Ok(builder)
}

fn finish(
    builder: ConfigBuilder<DefaultState>,
    environment: Environment,
) -> Result<Settings, ConfigError> {
    let mut raw: RawSettings = builder.build()?.try_deserialize()?;
    raw.environment = environment;
    let settings = Settings::try_from(raw).map_err(ConfigError::Invalid)?;
    validate(&settings, &committed_secret_digests()).map_err(ConfigError::Invalid)?;
    Ok(settings)
}

/// The SHA-256 (hex) of each JWT secret written in this repository: each
/// config file's `auth.jwt_secret` (the development one) and the tests' own.
fn committed_secret_digests() -> Vec<String> {
    EMBEDDED
        .iter()
        .filter_map(|(_, text)| {
            config::Config::builder()
                .add_source(File::from_str(text, FileFormat::Toml))
                .build()
                .ok()?
                .get_string("auth.jwt_secret")
                .ok()
        })
        .map(|secret| sha256_hex(&secret))
        .chain([TEST_JWT_SECRET_SHA256.to_owned()])
        .collect()
}

pub(super) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
