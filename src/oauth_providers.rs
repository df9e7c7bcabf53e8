//! Builds the OAuth provider adapters that `oauth.*` configures: a provider
//! is on only when its client id, client secret and redirect URI are all
//! set (and not blank).

use std::sync::Arc;

use anyhow::Context;
use nextarget_adapters::identity::{
    self, FacebookConfig, FacebookProvider, GoogleConfig, GoogleProvider,
};
use nextarget_ports::OAuthProvider;
use secrecy::{ExposeSecret, SecretString};

use crate::config::OAuthSettings;

type Built = Option<Arc<dyn OAuthProvider>>;

/// The Google and Facebook providers, each `None` when not configured.
///
/// # Errors
/// When the HTTP client cannot be built.
pub(crate) fn build(settings: &OAuthSettings) -> anyhow::Result<(Built, Built)> {
    let g = &settings.google;
    let f = &settings.facebook;
    let google_creds = credentials(&g.client_id, &g.client_secret, &g.redirect_uri);
    let facebook_creds = credentials(&f.client_id, &f.client_secret, &f.redirect_uri);
    if google_creds.is_none() && facebook_creds.is_none() {
        return Ok((None, None));
    }
    let http = identity::http_client().context("Failed to build the OAuth HTTP client")?;
    let google = google_creds.map(|(client_id, client_secret, redirect_uri)| {
        let provider: Arc<dyn OAuthProvider> = Arc::new(GoogleProvider::new(
            GoogleConfig {
                client_id,
                client_secret,
                redirect_uri,
                auth_url: g.auth_url.clone(),
                token_url: g.token_url.clone(),
                jwks_url: g.jwks_url.clone(),
                issuers: g.issuers.clone(),
            },
            http.clone(),
        ));
        provider
    });
    let facebook = facebook_creds.map(|(client_id, client_secret, redirect_uri)| {
        let provider: Arc<dyn OAuthProvider> = Arc::new(FacebookProvider::new(
            FacebookConfig {
                client_id,
                client_secret,
                redirect_uri,
                auth_url: f.auth_url.clone(),
                graph_url: f.graph_url.clone(),
            },
            http.clone(),
        ));
        provider
    });
    for (name, on) in [
        ("google", google.is_some()),
        ("facebook", facebook.is_some()),
    ] {
        tracing::info!(provider = name, configured = on, "oauth provider");
    }
    Ok((google, facebook))
}

fn credentials(
    id: &Option<String>,
    secret: &Option<SecretString>,
    redirect: &Option<String>,
) -> Option<(String, SecretString, String)> {
    let id = id.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let secret = secret
        .as_ref()
        .filter(|s| !s.expose_secret().trim().is_empty())?;
    let redirect = redirect
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())?;
    Some((id.to_owned(), secret.clone(), redirect.to_owned()))
}
