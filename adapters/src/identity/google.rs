//! `OAuthProvider` for Google (and any OpenID Connect provider shaped like
//! it): authorization URL with PKCE and nonce, code exchange at the token
//! endpoint, and id_token verification (RS256 only) against the JWKS.

use crate::trace_context::Traced;
use async_trait::async_trait;
use nextarget_ports::{OAuthError, OAuthProvider, Provider, VerifiedIdentity};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{
    http::{read_json, transport_error, with_query},
    id_token::{IdTokenVerifier, NonceRule},
    jwks::JwksCache,
};

/// The `oauth.google.*` settings. `Debug` hides the client secret.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub issuers: Vec<String>,
    /// Extra `aud` values for native id_tokens.
    pub native_client_ids: Vec<String>,
}

pub struct GoogleProvider {
    config: GoogleConfig,
    http: reqwest::Client,
    verifier: IdTokenVerifier,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

impl GoogleProvider {
    pub fn new(config: GoogleConfig, http: reqwest::Client) -> Self {
        let verifier = IdTokenVerifier::new(
            JwksCache::new(config.jwks_url.clone(), http.clone()),
            config.issuers.iter().cloned(),
            vec![config.client_id.clone()],
            config.native_client_ids.clone(),
        );
        Self {
            config,
            http,
            verifier,
        }
    }
}

#[async_trait]
impl OAuthProvider for GoogleProvider {
    fn provider(&self) -> Provider {
        Provider::Google
    }

    fn has_web_flow(&self) -> bool {
        true
    }

    fn authorization_url(&self, state: &str, nonce: &str, pkce_challenge: &str) -> String {
        let pairs = [
            ("response_type", "code"),
            ("client_id", self.config.client_id.as_str()),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("scope", "openid email profile"),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", pkce_challenge),
            ("code_challenge_method", "S256"),
        ];
        with_query(&self.config.auth_url, &pairs)
    }

    #[tracing::instrument(level = "debug", name = "google.token", skip_all, fields(otel.kind = "client"))]
    async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OAuthError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose_secret()),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("code_verifier", pkce_verifier),
        ];
        let response = self
            .http
            .post(&self.config.token_url)
            .form(&form)
            .traced()
            .send()
            .await
            .map_err(|e| transport_error("token endpoint", e))?;
        let answer: TokenAnswer = read_json("token endpoint", response).await?;
        self.verifier
            .verify(&answer.id_token, NonceRule::Issued(expected_nonce))
            .await
    }

    async fn verify_native_token(
        &self,
        id_token: &str,
        nonce: Option<String>,
    ) -> Result<VerifiedIdentity, OAuthError> {
        self.verifier
            .verify(id_token, NonceRule::Native(nonce.as_deref()))
            .await
    }
}
