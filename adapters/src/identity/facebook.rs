//! `OAuthProvider` for Facebook Login: the dialog URL, the code exchanged
//! at `{graph_url}/oauth/access_token`, and the identity read from
//! `{graph_url}/me` with `appsecret_proof`.

use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use nextarget_ports::{OAuthError, OAuthProvider, Provider, VerifiedIdentity};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

use super::http::{read_json, transport_error, with_query};

/// The `oauth.facebook.*` settings. `Debug` hides the app secret.
#[derive(Debug, Clone)]
pub struct FacebookConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    pub auth_url: String,
    pub graph_url: String,
}

pub struct FacebookProvider {
    config: FacebookConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct AccessTokenAnswer {
    access_token: String,
}

#[derive(Deserialize)]
struct Me {
    id: String,
    email: Option<String>,
}

impl FacebookProvider {
    pub fn new(config: FacebookConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    fn graph(&self, path: &str) -> String {
        format!("{}/{path}", self.config.graph_url.trim_end_matches('/'))
    }
}

/// Hex HMAC-SHA256 of the access token, keyed with the app secret.
///
/// # Errors
/// None in practice: HMAC takes keys of any length.
pub fn appsecret_proof(access_token: &str, app_secret: &str) -> Result<String, OAuthError> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes())
        .map_err(|e| OAuthError::ProviderError(format!("appsecret_proof: {e}")))?;
    mac.update(access_token.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

#[async_trait]
impl OAuthProvider for FacebookProvider {
    fn provider(&self) -> Provider {
        Provider::Facebook
    }

    fn has_web_flow(&self) -> bool {
        true
    }

    /// Facebook's dialog takes neither the nonce nor the PKCE challenge here.
    fn authorization_url(&self, state: &str, _nonce: &str, _pkce_challenge: &str) -> String {
        let pairs = [
            ("client_id", self.config.client_id.as_str()),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("state", state),
            ("scope", "email"),
            ("response_type", "code"),
        ];
        with_query(&self.config.auth_url, &pairs)
    }

    async fn exchange_code(
        &self,
        code: &str,
        _pkce_verifier: &str,
        _expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OAuthError> {
        let response = self
            .http
            .get(self.graph("oauth/access_token"))
            .query(&[
                ("client_id", self.config.client_id.as_str()),
                ("client_secret", self.config.client_secret.expose_secret()),
                ("redirect_uri", self.config.redirect_uri.as_str()),
                ("code", code),
            ])
            .send()
            .await
            .map_err(|e| transport_error("Facebook token endpoint", e))?;
        let token: AccessTokenAnswer = read_json("Facebook token endpoint", response).await?;
        let proof = appsecret_proof(
            &token.access_token,
            self.config.client_secret.expose_secret(),
        )?;
        let response = self
            .http
            .get(self.graph("me"))
            .query(&[
                ("fields", "id,email"),
                ("access_token", token.access_token.as_str()),
                ("appsecret_proof", proof.as_str()),
            ])
            .send()
            .await
            .map_err(|e| transport_error("Facebook /me", e))?;
        let me: Me = read_json("Facebook /me", response).await?;
        if me.id.is_empty() {
            return Err(OAuthError::ProviderError("Facebook /me gave no id".into()));
        }
        // What Facebook gave, or none: the core decides a placeholder.
        Ok(VerifiedIdentity {
            subject: me.id,
            email: me.email.filter(|e| !e.trim().is_empty()),
        })
    }

    async fn verify_native_token(
        &self,
        _id_token: &str,
        _nonce: Option<String>,
    ) -> Result<VerifiedIdentity, OAuthError> {
        Err(OAuthError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appsecret_proof_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            appsecret_proof("what do ya want for nothing?", "Jefe").expect("proof"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
