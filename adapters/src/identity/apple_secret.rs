//! Sign in with Apple's client secret: the team's .p8 key, read once at
//! start-up, and the short-lived ES256 JWT the token endpoint takes in
//! place of a static secret.

use std::fmt;

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use nextarget_ports::OAuthError;
use serde::Serialize;

use super::apple::AppleWebConfig;

/// The `iss` of Apple's id_tokens, and the `aud` of our client secrets.
pub const APPLE_ISSUER: &str = "https://appleid.apple.com";
/// How long a client secret is valid (Apple allows up to six months; each
/// exchange signs a fresh one).
const CLIENT_SECRET_TTL_SECS: i64 = 300;

/// The team's private key (the .p8 file from Apple's developer console),
/// read once at start-up. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct AppleSigningKey(EncodingKey);

impl AppleSigningKey {
    /// Reads a PEM PKCS#8 P-256 private key (`-----BEGIN PRIVATE KEY-----`,
    /// what Apple's .p8 files hold). A value written on one line with
    /// literal `\n` (as environment variables often carry it) is read with
    /// those as line breaks. The key is proven by signing a probe ES256 JWT.
    ///
    /// # Errors
    /// A message saying why (never quoting the key) when the value is not
    /// such a key.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let pem = if pem.contains('\n') {
            pem.trim().to_owned()
        } else {
            pem.trim().replace("\\n", "\n")
        };
        let key = EncodingKey::from_ec_pem(pem.as_bytes()).map_err(|e| {
            format!("not a PEM PKCS#8 EC private key (the .p8 file's content): {e}")
        })?;
        encode(
            &Header::new(Algorithm::ES256),
            &serde_json::json!({"probe": true}),
            &key,
        )
        .map_err(|e| format!("not a P-256 key that signs ES256: {e}"))?;
        Ok(Self(key))
    }
}

impl fmt::Debug for AppleSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppleSigningKey([redacted])")
    }
}

#[derive(Serialize)]
struct ClientSecretClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

/// The client secret Apple's token endpoint takes: an ES256 JWT with `kid`
/// the key id, `iss` the team id, `sub` the Services ID, `aud` Apple,
/// issued at `now` (Unix seconds) and valid five minutes.
///
/// # Errors
/// `ProviderError` when signing fails (a key read by
/// [`AppleSigningKey::from_pem`] signs).
pub fn client_secret(web: &AppleWebConfig, now: i64) -> Result<String, OAuthError> {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(web.key_id.clone());
    let claims = ClientSecretClaims {
        iss: &web.team_id,
        sub: &web.client_id,
        aud: APPLE_ISSUER,
        iat: now,
        exp: now + CLIENT_SECRET_TTL_SECS,
    };
    encode(&header, &claims, &web.private_key.0)
        .map_err(|e| OAuthError::ProviderError(format!("signing the Apple client secret: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::apple::AppleWebConfig;

    #[test]
    fn a_malformed_key_is_refused_without_quoting_it() {
        for bad in [
            "",
            "not a key",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END PRIVATE KEY-----",
        ] {
            let message = AppleSigningKey::from_pem(bad).expect_err("refused");
            assert!(!message.contains("c2VjcmV0"), "{message}");
        }
    }

    const KEY: &str = include_str!("../../../tests/fixtures/apple_test_key.p8");
    const PUBLIC: &[u8] = include_bytes!("../../../tests/fixtures/apple_test_key.pub.pem");

    #[test]
    fn a_p384_or_rsa_key_is_refused() {
        for other in [
            include_str!("../../../tests/fixtures/p384_test_key.p8"),
            include_str!("../../../tests/fixtures/google_test_key.pem"),
        ] {
            assert!(AppleSigningKey::from_pem(other).is_err());
        }
    }

    #[test]
    fn a_key_on_one_line_with_escaped_newlines_is_read() {
        let one_line = KEY.trim().replace('\n', "\\n");
        assert!(!one_line.contains('\n'));
        assert!(AppleSigningKey::from_pem(&one_line).is_ok());
    }

    #[test]
    fn the_client_secret_is_an_es256_jwt_apple_can_verify() {
        use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};
        let web = AppleWebConfig {
            client_id: "com.example.web".into(),
            team_id: "TEAM123456".into(),
            key_id: "KEY1234567".into(),
            private_key: AppleSigningKey::from_pem(KEY).expect("key"),
            redirect_uri: "https://api.example/auth/apple/callback".into(),
            auth_url: "https://appleid.apple.com/auth/authorize".into(),
            token_url: "https://appleid.apple.com/auth/token".into(),
        };
        let now = chrono::Utc::now().timestamp();
        let secret = client_secret(&web, now).expect("signed");
        let header = decode_header(&secret).expect("header");
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("KEY1234567"));
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[APPLE_ISSUER]);
        validation.set_issuer(&["TEAM123456"]);
        let key = DecodingKey::from_ec_pem(PUBLIC).expect("public key");
        let claims = decode::<serde_json::Value>(&secret, &key, &validation)
            .expect("verifies")
            .claims;
        assert_eq!(claims["sub"], "com.example.web");
        assert_eq!(claims["iat"], now);
        assert_eq!(claims["exp"], now + CLIENT_SECRET_TTL_SECS);
        assert!(!format!("{web:?}").contains("BEGIN"));
    }
}
