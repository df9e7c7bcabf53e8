//! `OAuthProvider` for Sign in with Apple: native id_tokens from the apps,
//! and the web flow (authorize with `response_mode=form_post`, the code
//! exchanged at the token endpoint with an ES256 client secret signed by the
//! team's .p8 key). id_tokens are checked as Google's are (RS256 against
//! Apple's JWKS), with `iss` `https://appleid.apple.com`.

use crate::trace_context::Traced;
use async_trait::async_trait;
use nextarget_ports::{OAuthError, OAuthProvider, Provider, VerifiedIdentity};
use serde::Deserialize;

pub use super::apple_secret::{client_secret, AppleSigningKey, APPLE_ISSUER};
use super::{
    http::{read_json, transport_error, with_query},
    id_token::{IdTokenVerifier, NonceRule},
    jwks::JwksCache,
};

/// What the web flow needs besides the id_token checks.
#[derive(Debug, Clone)]
pub struct AppleWebConfig {
    /// The Services ID: `client_id` of the web flow and the `aud` of its
    /// tokens.
    pub client_id: String,
    pub team_id: String,
    pub key_id: String,
    pub private_key: AppleSigningKey,
    pub redirect_uri: String,
    pub auth_url: String,
    pub token_url: String,
}

/// The `oauth.apple.*` settings.
#[derive(Debug, Clone)]
pub struct AppleConfig {
    /// `oauth.apple.client_id`: accepted as `aud` of native tokens too.
    pub client_id: Option<String>,
    /// Extra `aud` values for native id_tokens (the apps' bundle ids).
    pub native_client_ids: Vec<String>,
    pub jwks_url: String,
    /// `None`: native sign-in only.
    pub web: Option<AppleWebConfig>,
}

pub struct AppleProvider {
    config: AppleConfig,
    http: reqwest::Client,
    verifier: IdTokenVerifier,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

/// The body of a refused token request (RFC 6749 §5.2).
#[derive(Deserialize)]
struct TokenRefusal {
    error: Option<String>,
}

impl AppleProvider {
    pub fn new(config: AppleConfig, http: reqwest::Client) -> Self {
        let web_audiences = config.web.iter().map(|w| w.client_id.clone()).collect();
        let native_audiences = config
            .client_id
            .iter()
            .chain(&config.native_client_ids)
            .cloned()
            .collect();
        let verifier = IdTokenVerifier::new(
            JwksCache::new(config.jwks_url.clone(), http.clone()),
            [APPLE_ISSUER.to_owned()],
            web_audiences,
            native_audiences,
        );
        Self {
            config,
            http,
            verifier,
        }
    }

    fn web(&self) -> Result<&AppleWebConfig, OAuthError> {
        self.config
            .web
            .as_ref()
            .ok_or_else(|| OAuthError::ProviderError("Apple's web flow is not configured".into()))
    }

    /// The id_token of the token endpoint's answer. A code Apple refuses
    /// (`invalid_grant`) is the caller's; any other refusal
    /// (`invalid_client`: a wrong Services ID, team id, key id or key) is
    /// our configuration's, a `ProviderError`.
    #[tracing::instrument(level = "debug", name = "apple.token", skip_all, fields(otel.kind = "client"))]
    async fn exchange(&self, web: &AppleWebConfig, code: &str) -> Result<String, OAuthError> {
        let secret = client_secret(web, chrono::Utc::now().timestamp())?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", web.client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("redirect_uri", web.redirect_uri.as_str()),
        ];
        let response = self
            .http
            .post(&web.token_url)
            .form(&form)
            .traced()
            .send()
            .await
            .map_err(|e| transport_error("Apple token endpoint", e))?;
        let status = response.status();
        if matches!(status.as_u16(), 400 | 401) {
            let body = response
                .bytes()
                .await
                .map_err(|e| transport_error("Apple token endpoint", e))?;
            let error = serde_json::from_slice::<TokenRefusal>(&body)
                .ok()
                .and_then(|r| r.error);
            return Err(match error.as_deref() {
                Some("invalid_grant") => {
                    OAuthError::InvalidToken("Apple refused the code (invalid_grant)".into())
                }
                other => OAuthError::ProviderError(format!(
                    "Apple token endpoint refused our request ({status}, error {:?}): check \
                     oauth.apple.client_id, team_id, key_id, private_key and redirect_uri",
                    other.map(|e| e.chars().take(64).collect::<String>())
                )),
            });
        }
        let answer: TokenAnswer = read_json("Apple token endpoint", response).await?;
        Ok(answer.id_token)
    }
}

#[async_trait]
impl OAuthProvider for AppleProvider {
    fn provider(&self) -> Provider {
        Provider::Apple
    }

    fn has_web_flow(&self) -> bool {
        self.config.web.is_some()
    }

    /// Apple takes no PKCE challenge. Without a web flow (never asked then,
    /// see [`OAuthProvider::has_web_flow`]) the URL is empty.
    fn authorization_url(&self, state: &str, nonce: &str, _pkce_challenge: &str) -> String {
        let Some(web) = &self.config.web else {
            return String::new();
        };
        let pairs = [
            ("response_type", "code"),
            ("response_mode", "form_post"),
            ("scope", "name email"),
            ("client_id", web.client_id.as_str()),
            ("redirect_uri", web.redirect_uri.as_str()),
            ("state", state),
            ("nonce", nonce),
        ];
        with_query(&web.auth_url, &pairs)
    }

    async fn exchange_code(
        &self,
        code: &str,
        _pkce_verifier: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OAuthError> {
        let id_token = self.exchange(self.web()?, code).await?;
        self.verifier
            .verify(&id_token, NonceRule::Issued(expected_nonce))
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
