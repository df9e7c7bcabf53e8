//! Builds the OAuth provider adapters that `oauth.*` configures: Google and
//! Facebook are on only when their client id, client secret and redirect
//! URI are all set (and not blank), Apple when its client id or native
//! client ids are (its web flow when the rest is too); the settings say so
//! with `Some`.

use std::sync::Arc;

use crate::config::OAuthSettings;
use anyhow::Context;
use nextarget_adapters::identity::{
    self, emulator::IdentityEmulator, AppleConfig, AppleProvider, AppleWebConfig, FacebookConfig,
    FacebookProvider, GoogleConfig, GoogleProvider, LIMITED_LOGIN_ISSUER,
};
use nextarget_ports::OAuthProvider;

type Built = Option<Arc<dyn OAuthProvider>>;

/// The configured providers, each `None` when off.
pub(crate) struct Providers {
    pub google: Built,
    pub facebook: Built,
    pub apple: Built,
}

/// The identity emulator for a server listening on `host`:`port`, and the
/// Google, Facebook and Apple adapters pointed at it (`oauth.emulator =
/// true`).
///
/// # Errors
/// When the HTTP client or the emulator's key cannot be built.
pub(crate) fn emulated(
    host: &str,
    port: u16,
) -> anyhow::Result<(Arc<IdentityEmulator>, Providers)> {
    // The server calls itself, and the tester's browser runs beside it.
    let host = match host {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
        host if host.contains(':') => &format!("[{host}]"),
        host => host,
    };
    let emulator = Arc::new(IdentityEmulator::new(&format!("http://{host}:{port}"))?);
    let http = identity::http_client().context("Failed to build the OAuth HTTP client")?;
    let google: Arc<dyn OAuthProvider> =
        Arc::new(GoogleProvider::new(emulator.google_config(), http.clone()));
    let facebook: Arc<dyn OAuthProvider> = Arc::new(FacebookProvider::new(
        emulator.facebook_config(),
        http.clone(),
    ));
    let apple: Arc<dyn OAuthProvider> =
        Arc::new(AppleProvider::new(emulator.apple_config()?, http));
    tracing::warn!(
        address = %format!("http://{host}:{port}/emulator"),
        "oauth.emulator is on: Google, Facebook and Apple sign-in are emulated; never in production"
    );
    let providers = Providers {
        google: Some(google),
        facebook: Some(facebook),
        apple: Some(apple),
    };
    Ok((emulator, providers))
}

/// The Google, Facebook and Apple providers, each `None` when not
/// configured.
///
/// # Errors
/// When the HTTP client cannot be built.
pub(crate) fn build(settings: &OAuthSettings) -> anyhow::Result<Providers> {
    if settings.google.is_none() && settings.facebook.is_none() && settings.apple.is_none() {
        return Ok(Providers {
            google: None,
            facebook: None,
            apple: None,
        });
    }
    let http = identity::http_client().context("Failed to build the OAuth HTTP client")?;
    let google = settings.google.as_ref().map(|g| {
        let provider: Arc<dyn OAuthProvider> = Arc::new(GoogleProvider::new(
            GoogleConfig {
                client_id: g.client_id.clone(),
                client_secret: g.client_secret.clone(),
                redirect_uri: g.redirect_uri.to_string(),
                auth_url: g.auth_url.to_string(),
                token_url: g.token_url.to_string(),
                jwks_url: g.jwks_url.to_string(),
                issuers: g.issuers.clone(),
                native_client_ids: g.native_client_ids.clone(),
            },
            http.clone(),
        ));
        provider
    });
    let facebook = settings.facebook.as_ref().map(|f| {
        let provider: Arc<dyn OAuthProvider> = Arc::new(FacebookProvider::new(
            FacebookConfig {
                client_id: f.client_id.clone(),
                client_secret: f.client_secret.clone(),
                redirect_uri: f.redirect_uri.to_string(),
                auth_url: f.auth_url.to_string(),
                graph_url: f.graph_url.to_string(),
                jwks_url: f.jwks_url.to_string(),
                issuer: LIMITED_LOGIN_ISSUER.to_owned(),
            },
            http.clone(),
        ));
        provider
    });
    let apple = settings.apple.as_ref().map(|a| {
        let web = a.web.as_ref().map(|w| AppleWebConfig {
            client_id: w.client_id.clone(),
            team_id: w.team_id.clone(),
            key_id: w.key_id.clone(),
            private_key: w.private_key.clone(),
            redirect_uri: w.redirect_uri.to_string(),
            auth_url: w.auth_url.to_string(),
            token_url: w.token_url.to_string(),
        });
        let provider: Arc<dyn OAuthProvider> = Arc::new(AppleProvider::new(
            AppleConfig {
                client_id: a.client_id.clone(),
                native_client_ids: a.native_client_ids.clone(),
                jwks_url: a.jwks_url.to_string(),
                web,
            },
            http.clone(),
        ));
        provider
    });
    for (name, on) in [
        ("google", google.is_some()),
        ("facebook", facebook.is_some()),
        ("apple", apple.is_some()),
    ] {
        tracing::info!(provider = name, configured = on, "oauth provider");
    }
    if let Some(apple) = &apple {
        tracing::info!(web_flow = apple.has_web_flow(), "apple sign-in");
    }
    Ok(Providers {
        google,
        facebook,
        apple,
    })
}
