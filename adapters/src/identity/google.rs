//! `OAuthProvider` for Google (and any OpenID Connect provider shaped like
//! it): authorization URL with PKCE and nonce, code exchange at the token
//! endpoint, and id_token verification (RS256 only) against the JWKS.

use std::collections::HashSet;

use async_trait::async_trait;
use jsonwebtoken::{decode, decode_header, Algorithm, Validation};
use nextarget_ports::{OAuthError, OAuthProvider, Provider, VerifiedIdentity};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{
    http::{read_json, transport_error, with_query},
    jwks::JwksCache,
};

/// Seconds of clock skew tolerated on `exp` (and `iat`/`nbf`).
const LEEWAY_SECS: u64 = 60;

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

/// Which nonce an id_token must carry.
enum NonceRule<'a> {
    /// The web flow's: exactly the one `/start` issued.
    Issued(&'a str),
    /// Native sign-in's: the request's nonce or its SHA-256 in hex (Apple's
    /// convention); none in the token when the request has none.
    Native(Option<&'a str>),
}

impl NonceRule<'_> {
    fn check(&self, token_nonce: Option<&str>) -> Result<(), String> {
        match (self, token_nonce) {
            (Self::Issued(issued), Some(nonce)) if nonce == *issued => Ok(()),
            (Self::Issued(_), _) => Err("nonce does not match the one issued".into()),
            (Self::Native(None), None) => Ok(()),
            (Self::Native(None), Some(_)) => {
                Err("the token carries a nonce and the request none".into())
            }
            (Self::Native(Some(sent)), Some(nonce))
                if nonce == *sent || nonce == hex::encode(Sha256::digest(sent.as_bytes())) =>
            {
                Ok(())
            }
            (Self::Native(Some(_)), _) => Err("nonce does not match the request's".into()),
        }
    }
}

pub struct GoogleProvider {
    config: GoogleConfig,
    http: reqwest::Client,
    jwks: JwksCache,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    nonce: Option<String>,
}

impl GoogleProvider {
    pub fn new(config: GoogleConfig, http: reqwest::Client) -> Self {
        let jwks = JwksCache::new(config.jwks_url.clone(), http.clone());
        Self { config, http, jwks }
    }

    /// Checks signature (RS256 with a JWKS key), `iss`, `aud` (the web
    /// client id; for native tokens also the native apps' ids), `exp` and
    /// the nonce by `rule`.
    async fn verify(
        &self,
        id_token: &str,
        rule: NonceRule<'_>,
    ) -> Result<VerifiedIdentity, OAuthError> {
        let invalid = |why: String| OAuthError::InvalidToken(why);
        // `alg: none` and unknown algorithms fail here already.
        let header = decode_header(id_token).map_err(|e| invalid(format!("bad header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid(format!("algorithm {:?} is not RS256", header.alg)));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("no key id (kid) in the header".into()))?;
        let key = self.jwks.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        validation.leeway = LEEWAY_SECS;
        let mut audiences = vec![self.config.client_id.as_str()];
        if matches!(rule, NonceRule::Native(_)) {
            audiences.extend(self.config.native_client_ids.iter().map(String::as_str));
        }
        validation.set_audience(&audiences);
        validation.iss = Some(self.config.issuers.iter().cloned().collect::<HashSet<_>>());
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|e| invalid(format!("id_token rejected: {e}")))?
            .claims;
        rule.check(claims.nonce.as_deref()).map_err(invalid)?;
        // An address Google says it has not verified is not vouched for.
        let email = claims
            .email
            .filter(|_| claims.email_verified != Some(false));
        Ok(VerifiedIdentity {
            subject: claims.sub,
            email,
        })
    }
}

#[async_trait]
impl OAuthProvider for GoogleProvider {
    fn provider(&self) -> Provider {
        Provider::Google
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
            .send()
            .await
            .map_err(|e| transport_error("token endpoint", e))?;
        let answer: TokenAnswer = read_json("token endpoint", response).await?;
        self.verify(&answer.id_token, NonceRule::Issued(expected_nonce))
            .await
    }

    async fn verify_native_token(
        &self,
        id_token: &str,
        nonce: Option<String>,
    ) -> Result<VerifiedIdentity, OAuthError> {
        self.verify(id_token, NonceRule::Native(nonce.as_deref()))
            .await
    }
}
