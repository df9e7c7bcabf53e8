//! The `PasswordResetStore` port: the single-use tokens of "forgot
//! password", stored only as the SHA-256 (hex) of the token mailed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{error::StoreError, user::UserId};

/// A reset token about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResetToken {
    pub user_id: UserId,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PasswordResetStore: Send + Sync {
    /// Stores `token` and, in the same step, makes every older token of its
    /// user unusable: a new request supersedes the older ones.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] when `token_hash` exists.
    async fn issue(&self, token: &NewResetToken) -> Result<(), StoreError>;

    /// The user of the token with this hash when it is unused and not
    /// expired at `now`, without spending it.
    async fn find(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError>;

    /// Spends the token with this hash at `now`, in one atomic step: the
    /// user it was issued to when it was unused and not expired
    /// (`expires_at > now`), else `None`. Of concurrent calls with one
    /// token, at most one gets the user.
    async fn take(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError>;
}
