//! The `AppCodeStore` port: the one-time codes with which a web sign-in
//! that an app started ends in the app (`redirect_to?code=...`), redeemed
//! at `POST /auth/exchange`. Only the SHA-256 (hex) of a code is stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{error::StoreError, user::UserId};

/// A one-time code, as stored: what the callback proved, bound to the
/// app's PKCE challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCodeRecord {
    /// The SHA-256 (lower hex) of the code handed to the app; the key.
    pub code_hash: String,
    /// The user the provider's callback signed in.
    pub user_id: UserId,
    /// Whether that callback created the account (the exchange records a
    /// sign-up rather than a sign-in).
    pub new_user: bool,
    /// The app's S256 `code_challenge` from `/start`: the exchange must
    /// bring the verifier it was derived from.
    pub code_challenge: String,
    pub expires_at: DateTime<Utc>,
}

/// Where one-time codes live: in the database, so any instance can redeem
/// a code another instance issued.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait AppCodeStore: Send + Sync {
    /// Stores a new code. Records that expired before `now` MAY be purged
    /// on the way.
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] when `record.code_hash` is
    /// already stored.
    async fn put(&self, record: &AppCodeRecord, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Removes and returns the record of `code_hash`, in one atomic step: of
    /// concurrent calls with the same hash at most one gets it, and every
    /// later call gets `None`. A record whose `expires_at` is not after
    /// `now` is removed too, and answered `None`.
    ///
    /// # Errors
    /// Only when the store fails.
    async fn take(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AppCodeRecord>, StoreError>;
}
