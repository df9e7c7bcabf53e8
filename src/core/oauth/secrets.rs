//! The random values of one sign-in: `state`, `nonce` and the PKCE pair.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::SysRng, TryRng};
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe base64 (43 characters): used for `state`,
/// `nonce` and the PKCE verifier (RFC 7636 wants 43 to 128 characters).
pub(super) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS CSPRNG, as before; like rand 0.8's `OsRng`, a failing OS source panics.
    SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the OS random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 `code_challenge` of a PKCE verifier.
pub(super) fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_url_safe_and_long_enough_for_pkce() {
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert!(token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(token, random_token());
    }

    #[test]
    fn the_challenge_is_rfc_7636_s256() {
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
