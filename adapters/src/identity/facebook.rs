//! `OAuthProvider` for Facebook Login: the dialog URL, the code exchanged
//! at `{graph_url}/oauth/access_token`, and the identity read from
//! `{graph_url}/me` with `appsecret_proof`. Native sign-in: an SDK user
//! access token is first checked at `{graph_url}/debug_token` under the app
//! token; an iOS Limited Login id_token is checked like Google's (RS256
//! against `jwks_url`, `iss` `https://www.facebook.com`, `aud` the app id).

use crate::trace_context::Traced;
use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use nextarget_ports::{OAuthError, OAuthProvider, Provider, VerifiedIdentity};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use sha2::Sha256;

use super::{
    http::{read_json, transport_error, with_query},
    id_token::{IdTokenVerifier, NonceRule},
    jwks::JwksCache,
};

/// The `iss` of Limited Login id_tokens.
pub const LIMITED_LOGIN_ISSUER: &str = "https://www.facebook.com";

/// The `oauth.facebook.*` settings. `Debug` hides the app secret.
#[derive(Debug, Clone)]
pub struct FacebookConfig {
    /// The app id: `client_id` of the web flow, the app a user access token
    /// must be issued to, and the `aud` of Limited Login id_tokens.
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    pub auth_url: String,
    pub graph_url: String,
    /// The keys of Limited Login id_tokens.
    pub jwks_url: String,
    /// The `iss` of Limited Login id_tokens: [`LIMITED_LOGIN_ISSUER`]
    /// (the emulator signs its own).
    pub issuer: String,
}

pub struct FacebookProvider {
    config: FacebookConfig,
    http: reqwest::Client,
    verifier: IdTokenVerifier,
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

/// `debug_token`'s answer: what Facebook says about a user access token.
#[derive(Deserialize)]
struct DebugToken {
    data: DebugTokenData,
}

#[derive(Deserialize)]
struct DebugTokenData {
    #[serde(default)]
    is_valid: bool,
    #[serde(default, deserialize_with = "graph_id")]
    app_id: Option<String>,
    #[serde(default, deserialize_with = "graph_id")]
    user_id: Option<String>,
    /// Unix seconds; 0 or absent: no expiry.
    #[serde(default)]
    expires_at: Option<i64>,
}

/// A Graph id, sent as a string (or, by some versions, a number).
fn graph_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

impl DebugTokenData {
    /// Whether Facebook vouches for the token: valid, issued to `app_id`,
    /// not expired at `now` (Unix seconds).
    fn check(&self, app_id: &str, now: i64) -> Result<(), OAuthError> {
        let refuse = |why: &str| Err(OAuthError::InvalidToken(format!("debug_token: {why}")));
        if !self.is_valid {
            return refuse("the token is not valid");
        }
        if self.app_id.as_deref() != Some(app_id) {
            return refuse("the token was issued to another app");
        }
        if self.expires_at.is_some_and(|at| at != 0 && at <= now) {
            return refuse("the token has expired");
        }
        Ok(())
    }
}

impl FacebookProvider {
    pub fn new(config: FacebookConfig, http: reqwest::Client) -> Self {
        let verifier = IdTokenVerifier::new(
            JwksCache::new(config.jwks_url.clone(), http.clone()),
            [config.issuer.clone()],
            vec![config.client_id.clone()],
            Vec::new(),
        );
        Self {
            config,
            http,
            verifier,
        }
    }

    fn graph(&self, path: &str) -> String {
        format!("{}/{path}", self.config.graph_url.trim_end_matches('/'))
    }

    /// The identity `/me` gives for a user access token, asked with
    /// `appsecret_proof`.
    #[tracing::instrument(level = "debug", name = "facebook.me", skip_all, fields(otel.kind = "client"))]
    async fn me(&self, access_token: &str) -> Result<VerifiedIdentity, OAuthError> {
        let proof = appsecret_proof(access_token, self.config.client_secret.expose_secret())?;
        let response = self
            .http
            .get(self.graph("me"))
            .query(&[
                ("fields", "id,email"),
                ("access_token", access_token),
                ("appsecret_proof", proof.as_str()),
            ])
            .traced()
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

    #[tracing::instrument(level = "debug", name = "facebook.token", skip_all, fields(otel.kind = "client"))]
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
            .traced()
            .send()
            .await
            .map_err(|e| transport_error("Facebook token endpoint", e))?;
        let token: AccessTokenAnswer = read_json("Facebook token endpoint", response).await?;
        self.me(&token.access_token).await
    }

    /// A Limited Login id_token (iOS): RS256 against `jwks_url`, `iss`
    /// `https://www.facebook.com`, `aud` the app id, `exp`, and the nonce
    /// rule of native tokens.
    async fn verify_native_token(
        &self,
        id_token: &str,
        nonce: Option<String>,
    ) -> Result<VerifiedIdentity, OAuthError> {
        self.verifier
            .verify(id_token, NonceRule::Native(nonce.as_deref()))
            .await
    }

    /// `debug_token` under the app token (`client_id|client_secret`) must
    /// say the token is valid, ours and not expired; then `/me` (with
    /// `appsecret_proof`) gives the identity, which must be the user
    /// `debug_token` named.
    #[tracing::instrument(level = "debug", name = "facebook.debug_token", skip_all, fields(otel.kind = "client"))]
    async fn verify_access_token(
        &self,
        access_token: &str,
    ) -> Result<VerifiedIdentity, OAuthError> {
        let app_token = format!(
            "{}|{}",
            self.config.client_id,
            self.config.client_secret.expose_secret()
        );
        let response = self
            .http
            .get(self.graph("debug_token"))
            .query(&[
                ("input_token", access_token),
                ("access_token", app_token.as_str()),
            ])
            .traced()
            .send()
            .await
            .map_err(|e| transport_error("Facebook debug_token", e))?;
        let debug: DebugToken = read_json("Facebook debug_token", response).await?;
        debug
            .data
            .check(&self.config.client_id, chrono::Utc::now().timestamp())?;
        let identity = self.me(access_token).await?;
        if debug
            .data
            .user_id
            .as_deref()
            .is_some_and(|user| user != identity.subject)
        {
            return Err(OAuthError::InvalidToken(
                "debug_token and /me name different users".into(),
            ));
        }
        Ok(identity)
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

    fn data(json: serde_json::Value) -> DebugTokenData {
        serde_json::from_value::<DebugToken>(serde_json::json!({ "data": json }))
            .expect("debug_token")
            .data
    }

    #[test]
    fn debug_token_must_say_valid_ours_and_not_expired() {
        let now = 1_800_000_000;
        let ok = |json| data(json).check("app-1", now).is_ok();
        assert!(ok(serde_json::json!({
            "app_id": "app-1", "is_valid": true, "expires_at": now + 60, "user_id": "42"
        })));
        // 0 is Facebook's "never expires"; a numeric id reads as its digits.
        assert!(ok(
            serde_json::json!({"app_id": "app-1", "is_valid": true, "expires_at": 0})
        ));
        assert!(data(serde_json::json!({"app_id": 7, "is_valid": true}))
            .check("7", now)
            .is_ok());
        for refused in [
            serde_json::json!({"app_id": "app-1", "is_valid": false}),
            serde_json::json!({"app_id": "app-2", "is_valid": true}),
            serde_json::json!({"is_valid": true}),
            serde_json::json!({"app_id": "app-1", "is_valid": true, "expires_at": now}),
            serde_json::json!({"app_id": "app-1"}),
            serde_json::json!({"error": {"code": 190}, "is_valid": false, "scopes": []}),
        ] {
            assert!(!ok(refused.clone()), "{refused}");
        }
    }
}
