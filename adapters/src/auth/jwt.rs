//! `AccessTokenCodec` with HS256 JSON Web Tokens (`sub`, `iat`, `exp`, `jti`,
//! `iss`, `aud`; `kid` in the header), by the JWT BCP (RFC 8725).
//!
//! Only HS256 is accepted: tokens with `alg: none`, another HMAC size or an
//! asymmetric algorithm are refused. `iss` and `aud` must be this
//! deployment's. Tokens are signed with the current secret and verified
//! with the key their `kid` names: the current secret or one of
//! `auth.jwt_previous_secrets`, so a rotation signs nobody out. Expiry and
//! `nbf` are checked against the `now` the caller passes (the core's
//! `Clock`), not the system clock.

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use nextarget_ports::{AccessClaims, AccessTokenCodec, IssuedAccessToken, TokenError, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
    /// The session (refresh-token family); required.
    sid: String,
    iss: String,
    aud: String,
    /// Not before: honoured when present (RFC 7519 4.1.5); not issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// The secrets and names a deployment signs its access tokens with.
pub struct JwtKeys {
    /// Signs, and verifies.
    pub current: SecretString,
    /// Only verify (`auth.jwt_previous_secrets`).
    pub previous: Vec<SecretString>,
    pub issuer: String,
    pub audience: String,
}

impl JwtKeys {
    /// One secret and the contract's default names (`nextarget`,
    /// `nextarget-app`).
    pub fn new(current: SecretString) -> Self {
        Self {
            current,
            previous: Vec::new(),
            issuer: "nextarget".into(),
            audience: "nextarget-app".into(),
        }
    }
}

/// A key's public name: 16 hex characters of a SHA-256 of the secret under
/// a label of its own (it reveals nothing usable of the secret).
fn key_id(secret: &SecretString) -> String {
    let digest =
        Sha256::digest([b"nextarget-jwt-kid:", secret.expose_secret().as_bytes()].concat());
    hex::encode(&digest[..8])
}

pub struct JwtCodec {
    kid: String,
    encoding: EncodingKey,
    /// By `kid`: the current key first, then the previous ones.
    decoding: Vec<(String, DecodingKey)>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl JwtCodec {
    /// # Errors
    /// When a secret is empty.
    pub fn new(keys: &JwtKeys, ttl_secs: u64) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.set_issuer(&[&keys.issuer]);
        validation.set_audience(&[&keys.audience]);
        validation.set_required_spec_claims(&["sub", "exp", "iat", "iss", "aud"]);
        let decoding = std::iter::once(&keys.current)
            .chain(&keys.previous)
            .map(|secret| {
                Ok((
                    key_id(secret),
                    DecodingKey::from_secret(secret.expose_secret().as_bytes())?,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            kid: key_id(&keys.current),
            encoding: EncodingKey::from_secret(keys.current.expose_secret().as_bytes())?,
            decoding,
            validation,
            issuer: keys.issuer.clone(),
            audience: keys.audience.clone(),
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
    fn issue(
        &self,
        user_id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> anyhow::Result<IssuedAccessToken> {
        let ttl = i64::try_from(self.ttl_secs)?;
        let token_id = Uuid::now_v7();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now.timestamp(),
            exp: now.timestamp() + ttl,
            jti: token_id.to_string(),
            sid: session_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            nbf: None,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        let token = encode(&header, &claims, &self.encoding)?;
        Ok(IssuedAccessToken {
            token,
            expires_in_secs: self.ttl_secs,
            claims: AccessClaims {
                user_id,
                session_id,
                token_id,
                issued_at: timestamp(claims.iat)?,
                expires_at: timestamp(claims.exp)?,
            },
        })
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let kid = decode_header(token)
            .map_err(|_| TokenError::Invalid)?
            .kid
            .ok_or(TokenError::Invalid)?;
        let key = self
            .decoding
            .iter()
            .find(|(id, _)| *id == kid)
            .map(|(_, key)| key)
            .ok_or(TokenError::Invalid)?;
        let data =
            decode::<Claims>(token, key, &self.validation).map_err(|_| TokenError::Invalid)?;
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
            session_id: Uuid::parse_str(&claims.sid).map_err(|_| TokenError::Invalid)?,
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

    fn keys(secret: &str) -> JwtKeys {
        JwtKeys::new(SecretString::from(secret.to_owned()))
    }

    fn codec() -> JwtCodec {
        JwtCodec::new(&keys(&"a".repeat(32)), 900).expect("codec")
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let now = Utc::now();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let issued = codec().issue(user, session, now).expect("issue");
        let claims = codec().verify(&issued.token, now).expect("valid");
        assert_eq!((claims.user_id, claims.session_id), (user, session));
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
                sid: Uuid::now_v7().to_string(),
                iss: "nextarget".into(),
                aud: "nextarget-app".into(),
                nbf: Some(nbf),
            };
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(codec().kid);
            encode(&header, &claims, &codec().encoding).expect("token")
        };
        assert_eq!(
            codec().verify(&token(now.timestamp() + 60), now),
            Err(TokenError::Invalid)
        );
        assert!(codec().verify(&token(now.timestamp()), now).is_ok());
    }

    #[test]
    fn after_a_rotation_old_tokens_verify_and_new_ones_use_the_new_key() {
        let now = Utc::now();
        let old = codec();
        let issued_before = old
            .issue(Uuid::now_v7(), Uuid::now_v7(), now)
            .expect("issue");
        let rotated = JwtCodec::new(
            &JwtKeys {
                previous: vec![SecretString::from("a".repeat(32))],
                ..keys(&"b".repeat(32))
            },
            900,
        )
        .expect("codec");
        assert!(rotated.verify(&issued_before.token, now).is_ok());
        let issued_after = rotated
            .issue(Uuid::now_v7(), Uuid::now_v7(), now)
            .expect("issue");
        assert!(rotated.verify(&issued_after.token, now).is_ok());
        assert_eq!(
            old.verify(&issued_after.token, now),
            Err(TokenError::Invalid)
        );
        // Without the previous secret, the old token is refused.
        let forgotten = JwtCodec::new(&keys(&"b".repeat(32)), 900).expect("codec");
        assert_eq!(
            forgotten.verify(&issued_before.token, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn another_issuer_or_audience_is_refused() {
        let now = Utc::now();
        let elsewhere = JwtCodec::new(
            &JwtKeys {
                audience: "another-app".into(),
                ..keys(&"a".repeat(32))
            },
            900,
        )
        .expect("codec");
        let token = elsewhere
            .issue(Uuid::now_v7(), Uuid::now_v7(), now)
            .expect("issue")
            .token;
        assert_eq!(codec().verify(&token, now), Err(TokenError::Invalid));
        let other_issuer = JwtCodec::new(
            &JwtKeys {
                issuer: "someone-else".into(),
                ..keys(&"a".repeat(32))
            },
            900,
        )
        .expect("codec");
        let token = other_issuer
            .issue(Uuid::now_v7(), Uuid::now_v7(), now)
            .expect("issue")
            .token;
        assert_eq!(codec().verify(&token, now), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_without_a_session_is_invalid() {
        let now = Utc::now();
        let claims = serde_json::json!({
            "sub": Uuid::now_v7().to_string(),
            "iat": now.timestamp(),
            "exp": now.timestamp() + 900,
            "jti": Uuid::now_v7().to_string(),
            "iss": "nextarget",
            "aud": "nextarget-app",
        });
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(codec().kid);
        let token = encode(&header, &claims, &codec().encoding).expect("token");
        assert_eq!(codec().verify(&token, now), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_signed_with_another_key_is_invalid() {
        let now = Utc::now();
        let other = JwtCodec::new(&keys(&"b".repeat(32)), 900).expect("codec");
        let issued = other
            .issue(Uuid::now_v7(), Uuid::now_v7(), now)
            .expect("issue");
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
