//! `PasswordHasher` on bcrypt, run on the low-priority [`crate::auth::cpu_pool`]
//! so the async workers stay free while a hash takes its ~0.3 s (cost 12).

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

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &SecretString) -> anyhow::Result<PasswordHash> {
        let password = password.expose_secret().to_owned();
        let cost = self.cost;
        let hashed =
            crate::auth::cpu_pool::run(move || bcrypt::non_truncating_hash(password, cost))
                .await??;
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
        let matches = crate::auth::cpu_pool::run(move || {
            bcrypt::non_truncating_verify(password, &encoded).unwrap_or(false)
        })
        .await?;
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
