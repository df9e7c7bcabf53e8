//! The `PasswordHasher` port.

use async_trait::async_trait;
use secrecy::SecretString;
use std::fmt;

/// A password hash in its self-describing string form (for bcrypt
/// `$2b$12$...`). Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn new(encoded: String) -> Self {
        Self(encoded)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// Slow, salted password hashing. Implementations run the CPU-heavy work off
/// the async workers (for example in `spawn_blocking`).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a password for storage.
    ///
    /// # Errors
    /// Only on an internal failure of the hashing backend.
    async fn hash(&self, password: &SecretString) -> anyhow::Result<PasswordHash>;

    /// Checks a password against a stored hash.
    ///
    /// With `hash = None` (no such account) it MUST still spend the same time
    /// as a real check, against a fixed dummy hash, and answer `false`: the
    /// caller's timing then does not reveal which accounts exist.
    ///
    /// # Errors
    /// Only on an internal failure; a malformed stored hash is `Ok(false)`.
    async fn verify(
        &self,
        password: &SecretString,
        hash: Option<PasswordHash>,
    ) -> anyhow::Result<bool>;
}
