//! What Google and Apple share: an OpenID Connect id_token checked against
//! the provider's JWKS (RS256 only), its `iss`, `aud`, `exp` and nonce.

use std::collections::HashSet;

use jsonwebtoken::{decode, decode_header, Algorithm, Validation};
use nextarget_ports::{OAuthError, VerifiedIdentity};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

use super::jwks::JwksCache;

/// Seconds of clock skew tolerated on `exp` (and `iat`/`nbf`).
const LEEWAY_SECS: u64 = 60;

/// Which nonce an id_token must carry.
pub(crate) enum NonceRule<'a> {
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

/// Who may have issued a token, and for whom.
pub(crate) struct IdTokenVerifier {
    jwks: JwksCache,
    /// Accepted `iss` values.
    issuers: HashSet<String>,
    /// The `aud` of web-flow tokens (the web client id; none when the
    /// provider has no web flow).
    web_audiences: Vec<String>,
    /// The `aud` values native tokens may carry besides the web ones.
    native_audiences: Vec<String>,
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    email: Option<String>,
    /// Google sends a boolean, Apple at times the string `"true"`.
    #[serde(default, deserialize_with = "lenient_bool")]
    email_verified: Option<bool>,
    nonce: Option<String>,
}

/// A boolean, or a string spelling one (`"true"`, `"false"`); anything else
/// is no answer.
fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

impl IdTokenVerifier {
    pub(crate) fn new(
        jwks: JwksCache,
        issuers: impl IntoIterator<Item = String>,
        web_audiences: Vec<String>,
        native_audiences: Vec<String>,
    ) -> Self {
        Self {
            jwks,
            issuers: issuers.into_iter().collect(),
            web_audiences,
            native_audiences,
        }
    }

    /// Checks the signature (RS256 with a JWKS key named by `kid`), `iss`,
    /// `aud` (the web audiences; for native tokens also the native ones),
    /// `exp` (60 s leeway) and the nonce by `rule`. The email is the token's,
    /// unless the token says it is not verified.
    ///
    /// # Errors
    /// `InvalidToken` for any failed check (including `alg: none`, HS256 and
    /// a `kid` still unknown after one refetch of the JWKS);
    /// `ProviderError` when the JWKS cannot be read.
    pub(crate) async fn verify(
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
        let mut audiences: Vec<&str> = self.web_audiences.iter().map(String::as_str).collect();
        if matches!(rule, NonceRule::Native(_)) {
            audiences.extend(self.native_audiences.iter().map(String::as_str));
        }
        validation.set_audience(&audiences);
        validation.iss = Some(self.issuers.clone());
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|e| invalid(format!("id_token rejected: {e}")))?
            .claims;
        rule.check(claims.nonce.as_deref()).map_err(invalid)?;
        // An address the provider says it has not verified is not vouched for.
        let email = claims
            .email
            .filter(|_| claims.email_verified != Some(false));
        Ok(VerifiedIdentity {
            subject: claims.sub,
            email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_verified_is_read_as_a_boolean_or_a_string() {
        let read = |json: &str| {
            serde_json::from_str::<IdClaims>(json)
                .expect("claims")
                .email_verified
        };
        assert_eq!(read(r#"{"sub": "s", "email_verified": true}"#), Some(true));
        assert_eq!(
            read(r#"{"sub": "s", "email_verified": "true"}"#),
            Some(true)
        );
        assert_eq!(
            read(r#"{"sub": "s", "email_verified": "false"}"#),
            Some(false)
        );
        assert_eq!(read(r#"{"sub": "s", "email_verified": 1}"#), None);
        assert_eq!(read(r#"{"sub": "s"}"#), None);
    }

    #[test]
    fn a_native_nonce_matches_as_sent_or_as_its_sha256_hex() {
        let sent = "raw-nonce";
        let hashed = hex::encode(Sha256::digest(sent.as_bytes()));
        let rule = NonceRule::Native(Some(sent));
        assert!(rule.check(Some(sent)).is_ok());
        assert!(rule.check(Some(&hashed)).is_ok());
        assert!(rule.check(Some("other")).is_err());
        assert!(rule.check(None).is_err());
        assert!(NonceRule::Native(None).check(Some(sent)).is_err());
        assert!(NonceRule::Native(None).check(None).is_ok());
        // The web flow takes the issued nonce only, never its hash.
        assert!(NonceRule::Issued(sent).check(Some(&hashed)).is_err());
        assert!(NonceRule::Issued(sent).check(None).is_err());
    }
}
