//! `PasswordHasher` on bcrypt, run on the low-priority [`crate::auth::cpu_pool`]
//! so the async workers stay free while a hash takes its ~0.3 s (cost 12).
//!
//! Exactly, byte for byte: bcrypt reads at most 72 bytes, so a longer
//! password is never hashed nor matched (it would collide with its first 72
//! bytes). The crate's non-truncating calls also refuse *exactly* 72 bytes
//! (they count bcrypt's NUL terminator); at 72 every password byte is still
//! used, only the terminator is dropped, so that length goes through the
//! plain calls.

use async_trait::async_trait;
use nextarget_ports::{PasswordHash, PasswordHasher};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

pub struct BcryptHasher {
    cost: u32,
    /// A hash of a random password at the same cost, checked when the account
    /// does not exist so that both paths take the same time.
    dummy: OnceCell<String>,
}

impl BcryptHasher {
    pub fn new(cost: u32) -> Self {
        Self {
            cost,
            dummy: OnceCell::new(),
        }
    }

    async fn dummy_hash(&self) -> anyhow::Result<String> {
        let cost = self.cost;
        let hash = self
            .dummy
            .get_or_try_init(|| async move {
                let random = uuid::Uuid::new_v4().to_string();
                let hash = crate::auth::cpu_pool::run(move || bcrypt::hash(random, cost)).await??;
                anyhow::Ok(hash)
            })
            .await?;
        Ok(hash.clone())
    }
}

/// The most bytes bcrypt reads.
const BCRYPT_MAX_BYTES: usize = 72;

/// The hash of `password`, every byte of it counted.
fn hash_exactly(password: &str, cost: u32) -> anyhow::Result<String> {
    Ok(match password.len() {
        n if n > BCRYPT_MAX_BYTES => anyhow::bail!(
            "a password of {n} bytes cannot be hashed without truncation (at most {BCRYPT_MAX_BYTES})"
        ),
        BCRYPT_MAX_BYTES => bcrypt::hash(password, cost)?,
        _ => bcrypt::non_truncating_hash(password, cost)?,
    })
}

/// Whether `password` is the one `encoded` was made from, every byte of it.
fn verify_exactly(password: &str, encoded: &str) -> bool {
    match password.len() {
        n if n > BCRYPT_MAX_BYTES => false,
        BCRYPT_MAX_BYTES => bcrypt::verify(password, encoded).unwrap_or(false),
        _ => bcrypt::non_truncating_verify(password, encoded).unwrap_or(false),
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &SecretString) -> anyhow::Result<PasswordHash> {
        let password = password.expose_secret().to_owned();
        let cost = self.cost;
        let hashed = crate::auth::cpu_pool::run(move || hash_exactly(&password, cost)).await??;
        Ok(PasswordHash::new(hashed))
    }

    async fn verify(
        &self,
        password: &SecretString,
        hash: Option<PasswordHash>,
    ) -> anyhow::Result<bool> {
        let (encoded, real) = match hash {
            Some(hash) => (hash.as_str().to_owned(), true),
            None => (self.dummy_hash().await?, false),
        };
        let password = password.expose_secret().to_owned();
        let matches =
            crate::auth::cpu_pool::run(move || verify_exactly(&password, &encoded)).await?;
        Ok(real && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let hasher = BcryptHasher::new(4);
        let hash = hasher.hash(&secret("correct horse")).await.expect("hash");
        assert!(hasher
            .verify(&secret("correct horse"), Some(hash.clone()))
            .await
            .expect("verify"));
        assert!(!hasher
            .verify(&secret("wrong horse"), Some(hash))
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn a_password_of_exactly_72_bytes_hashes_and_verifies_byte_for_byte() {
        let hasher = BcryptHasher::new(4);
        // 24 three-byte characters: 72 bytes of UTF-8.
        let password = "€".repeat(24);
        assert_eq!(password.len(), 72);
        let hash = hasher.hash(&secret(&password)).await.expect("hash");
        assert!(hasher
            .verify(&secret(&password), Some(hash.clone()))
            .await
            .expect("verify"));
        let mut last_changed = "€".repeat(23);
        last_changed.push('₤');
        assert_eq!(last_changed.len(), 72);
        assert!(!hasher
            .verify(&secret(&last_changed), Some(hash.clone()))
            .await
            .expect("verify"));
        // One byte more shares the 72 bytes bcrypt reads: never a match.
        assert!(!hasher
            .verify(&secret(&format!("{password}x")), Some(hash))
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn a_password_past_72_bytes_is_never_hashed() {
        let hasher = BcryptHasher::new(4);
        assert!(hasher.hash(&secret(&"a".repeat(73))).await.is_err());
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies() {
        let hasher = BcryptHasher::new(4);
        assert!(!hasher
            .verify(&secret("anything"), None)
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_a_mismatch_not_an_error() {
        let hasher = BcryptHasher::new(4);
        let bad = PasswordHash::new("not-a-hash".into());
        assert!(!hasher
            .verify(&secret("anything"), Some(bad))
            .await
            .expect("verify"));
    }
}
