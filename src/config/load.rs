//! Reading the layers in the contract's order.

use std::path::PathBuf;

use config::{builder::DefaultState, ConfigBuilder, File, FileFormat};

use super::{settings::Environment, validate::validate, Settings};

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
const LIST_KEYS: [&str; 4] = [
    "server.cors_origins",
    "server.trusted_proxies",
    "llm.allowed_models",
    "oauth.google.issuers",
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
    let mut builder = files(environment)?.add_source(
        config::Environment::with_prefix("NEXTARGET")
            .prefix_separator("__")
            .separator("__"),
    );
    for key in LIST_KEYS {
        let var = format!("NEXTARGET__{}", key.replace('.', "__").to_uppercase());
        if let Ok(value) = std::env::var(&var) {
            builder = builder.set_override(key, split_list(&value))?;
        }
    }
    for (var, key) in FLAT_NAMES {
        builder = builder.set_override_option(key, std::env::var(var).ok())?;
    }
    finish(builder, environment)
}

/// What in-process tests run with unless they say otherwise: any free port,
/// the fake LLM, a test-only JWT secret, quiet logs.
const TEST_DEFAULTS: [(&str, &str); 5] = [
    ("server.port", "0"),
    ("auth.jwt_secret", "test-only-secret-0123456789-0123456789"),
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
pub fn load_for_tests(overrides: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let mut builder = files(Environment::Test)?;
    for &(key, value) in TEST_DEFAULTS.iter().chain(overrides) {
        builder = if LIST_KEYS.contains(&key) {
            builder.set_override(key, split_list(value))?
        } else {
            builder.set_override(key, value)?
        };
    }
    finish(builder, Environment::Test)
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

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
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
    let mut settings: Settings = builder.build()?.try_deserialize()?;
    settings.environment = environment;
    validate(&settings).map_err(ConfigError::Invalid)?;
    Ok(settings)
}
