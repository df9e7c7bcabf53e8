//! The emulator's signing key and the id_tokens it signs (RS256, `kid`
//! `nextarget-emulator-1`), as Google's, Apple's or Facebook's (Limited
//! Login) would read.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::Account;

/// The `aud` of every id_token the emulator signs for Google.
pub(crate) const GOOGLE_CLIENT_ID: &str = "emulator-google-client";
/// Its Facebook app id: the `client_id`, the app its access tokens are
/// issued to and the `aud` of its Limited Login id_tokens.
pub(crate) const FACEBOOK_APP_ID: &str = "emulator-facebook-app";
/// The Services ID the emulator plays Apple for.
pub(crate) const APPLE_CLIENT_ID: &str = "com.nextarget.emulator";
const KID: &str = "nextarget-emulator-1";
const KEY_PEM: &str = include_str!("emulator_key.pem");
const JWK: &str = include_str!("emulator_key.jwk.json");

pub(crate) struct Keys {
    encoding: EncodingKey,
    jwk: Value,
}

impl Keys {
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self {
            encoding: EncodingKey::from_rsa_pem(KEY_PEM.as_bytes())?,
            jwk: serde_json::from_str(JWK)?,
        })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk.clone()] })
    }

    /// An id_token for `account` from `issuer` to `audience`, valid an
    /// hour, with `nonce` when given.
    pub fn id_token(
        &self,
        issuer: &str,
        audience: &str,
        account: &Account,
        nonce: Option<&str>,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": issuer,
            "aud": audience,
            "sub": account.sub,
            "email": account.email,
            "email_verified": true,
            "iat": now,
            "exp": now + 3600,
        });
        if let Some(name) = &account.name {
            claims["name"] = json!(name);
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KID.into());
        Ok(encode(&header, &claims, &self.encoding)?)
    }
}
