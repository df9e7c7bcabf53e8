//! The `UserRepository` port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    email::Email,
    error::StoreError,
    password::PasswordHash,
    sessions::LiveSession,
    user::{NewUser, Provider, User, UserId},
};

/// Where users live.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user and returns it as stored.
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] when a user with the same
    /// (email, provider), or the same (provider, provider subject), exists,
    /// even when two calls race: the check is the store's own constraint.
    async fn create(&self, user: &NewUser) -> Result<User, StoreError>;

    /// The user with this normalised email for this provider, if any.
    async fn find_by_email(
        &self,
        email: &Email,
        provider: Provider,
    ) -> Result<Option<User>, StoreError>;

    /// The user with this provider subject (`sub`, Facebook id), if any.
    async fn find_by_subject(
        &self,
        provider: Provider,
        subject: &str,
    ) -> Result<Option<User>, StoreError>;

    /// The user with this id, if any.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The user `id` and the session's end, if the user exists and
    /// `session_id` is one of its sessions still live at `now` (not ended,
    /// not expired): the check of every authenticated request, in one
    /// lookup.
    async fn find_by_session(
        &self,
        id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<LiveSession>, StoreError>;

    /// Replaces the password hash of the user `id`; `false` when there is
    /// no such user.
    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> Result<bool, StoreError>;

    /// Deletes the user and everything that belongs to them (refresh tokens,
    /// AI history). Returns `false` when there was no such user.
    async fn delete(&self, id: UserId) -> Result<bool, StoreError>;

    /// Answers `Ok` when the store is reachable (used by `/ready`).
    async fn ping(&self) -> Result<(), StoreError>;
}
