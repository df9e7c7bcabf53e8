//! The `RefreshTokenStore` port. Tokens are stored only as a SHA-256 hash and
//! grouped in families, one per sign-in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{error::StoreError, user::UserId};

/// A refresh token about to be stored. `token_hash` is the hex SHA-256 of
/// the opaque token the client holds; the token itself is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRefreshToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub family_id: Uuid,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Stores a new token (the first of a family, or a rotation's successor).
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] when `token_hash` already exists.
    async fn insert(&self, token: &NewRefreshToken) -> Result<(), StoreError>;
}
