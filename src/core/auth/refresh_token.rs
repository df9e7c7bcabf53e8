//! Opaque tokens (refresh tokens, reset links): 256 random bits, URL-safe
//! base64 for the client, only their SHA-256 (hex) stored. The same digest
//! names the limiter keys of an email, so no address is stored there.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::SysRng, TryRng};
use sha2::{Digest, Sha256};

/// A new random token, as the client will hold it.
pub(crate) fn generate() -> String {
    let mut bytes = [0u8; 32];
    // The OS CSPRNG, as before; like rand 0.8's `OsRng`, a failing OS source panics.
    SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the OS random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps instead of the token: its SHA-256, lower hex.
pub(crate) fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_differ() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).expect("base64").len(), 32);
    }

    #[test]
    fn the_hash_is_lower_hex_sha256() {
        // The test vectors of FIPS 180-2 (appendix B.1) and of the empty string.
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
