//! `AccessTokenCodec` with HS256 JSON Web Tokens (`sub`, `iat`, `exp`, `jti`).
//!
//! Only HS256 is accepted: tokens with `alg: none`, another HMAC size or an
//! asymmetric algorithm are refused. Expiry is checked against the `now`
//! the caller passes (the core's `Clock`), not the system clock.

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use nextarget_ports::{AccessClaims, AccessTokenCodec, IssuedAccessToken, TokenError, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
    /// Not before: honoured when present (RFC 7519 4.1.5); not issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

pub struct JwtCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: u64,
}

impl JwtCodec {
    /// # Errors
    /// When the secret is empty.
    pub fn new(secret: &SecretString, ttl_secs: u64) -> anyhow::Result<Self> {
        let key = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["sub", "exp", "iat"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(key)?,
            decoding: DecodingKey::from_secret(key)?,
            validation,
            ttl_secs,
        })
    }
}

fn timestamp(secs: i64) -> Result<DateTime<Utc>, TokenError> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .ok_or(TokenError::Invalid)
}

impl AccessTokenCodec for JwtCodec {
    fn issue(&self, user_id: UserId, now: DateTime<Utc>) -> anyhow::Result<IssuedAccessToken> {
        let ttl = i64::try_from(self.ttl_secs)?;
        let token_id = Uuid::now_v7();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now.timestamp(),
            exp: now.timestamp() + ttl,
            jti: token_id.to_string(),
            nbf: None,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(IssuedAccessToken {
            token,
            expires_in_secs: self.ttl_secs,
            claims: AccessClaims {
                user_id,
                token_id,
                issued_at: timestamp(claims.iat)?,
                expires_at: timestamp(claims.exp)?,
            },
        })
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if now.timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        // Against the server's clock, like `exp`, with no leeway.
        if claims.nbf.is_some_and(|nbf| now.timestamp() < nbf) {
            return Err(TokenError::Invalid);
        }
        Ok(AccessClaims {
            user_id: Uuid::parse_str(&claims.sub).map_err(|_| TokenError::Invalid)?,
            token_id: Uuid::parse_str(&claims.jti).map_err(|_| TokenError::Invalid)?,
            issued_at: timestamp(claims.iat)?,
            expires_at: timestamp(claims.exp)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

    fn codec() -> JwtCodec {
        JwtCodec::new(&SecretString::from("a".repeat(32)), 900).expect("codec")
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let now = Utc::now();
        let user = Uuid::now_v7();
        let issued = codec().issue(user, now).expect("issue");
        let claims = codec().verify(&issued.token, now).expect("valid");
        assert_eq!(claims.user_id, user);
        let later = now + chrono::Duration::seconds(900);
        assert_eq!(
            codec().verify(&issued.token, later),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn a_token_is_refused_before_its_nbf() {
        let now = Utc::now();
        let token = |nbf: i64| {
            let claims = Claims {
                sub: Uuid::now_v7().to_string(),
                iat: now.timestamp(),
                exp: now.timestamp() + 900,
                jti: Uuid::now_v7().to_string(),
                nbf: Some(nbf),
            };
            encode(&Header::new(Algorithm::HS256), &claims, &codec().encoding).expect("token")
        };
        assert_eq!(
            codec().verify(&token(now.timestamp() + 60), now),
            Err(TokenError::Invalid)
        );
        assert!(codec().verify(&token(now.timestamp()), now).is_ok());
    }

    #[test]
    fn a_token_signed_with_another_key_is_invalid() {
        let now = Utc::now();
        let other = JwtCodec::new(&SecretString::from("b".repeat(32)), 900).expect("codec");
        let issued = other.issue(Uuid::now_v7(), now).expect("issue");
        assert_eq!(codec().verify(&issued.token, now), Err(TokenError::Invalid));
    }

    #[test]
    fn an_unsigned_alg_none_token_is_invalid() {
        let now = Utc::now();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"sub":"{}","iat":{},"exp":{},"jti":"x"}}"#,
                Uuid::now_v7(),
                now.timestamp(),
                now.timestamp() + 60
            )
            .as_bytes(),
        );
        let token = format!("{header}.{body}.");
        assert_eq!(codec().verify(&token, now), Err(TokenError::Invalid));
    }
}
