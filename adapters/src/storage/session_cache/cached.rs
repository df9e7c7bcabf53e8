//! [`CachedSessions`]: the user repository and the refresh-token store,
//! with the bearer check served from the [`SessionCache`] and every local
//! change dropping what it makes stale before it returns.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nextarget_ports::{
    Email, LiveSession, NewRefreshToken, NewUser, NextRefreshToken, PasswordHash, Provider,
    RefreshTokenRecord, RefreshTokenStore, RotateError, Rotation, SessionRecord, StoreError, User,
    UserId, UserRepository,
};
use uuid::Uuid;

use super::SessionCache;

pub struct CachedSessions {
    users: Arc<dyn UserRepository>,
    tokens: Arc<dyn RefreshTokenStore>,
    cache: Arc<SessionCache>,
}

impl CachedSessions {
    pub fn new(
        users: Arc<dyn UserRepository>,
        tokens: Arc<dyn RefreshTokenStore>,
        cache: Arc<SessionCache>,
    ) -> Self {
        Self {
            users,
            tokens,
            cache,
        }
    }
}

#[async_trait]
impl UserRepository for CachedSessions {
    async fn create(&self, user: &NewUser) -> Result<User, StoreError> {
        self.users.create(user).await
    }

    async fn find_by_email(
        &self,
        email: &Email,
        provider: Provider,
    ) -> Result<Option<User>, StoreError> {
        self.users.find_by_email(email, provider).await
    }

    async fn find_by_subject(
        &self,
        provider: Provider,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        self.users.find_by_subject(provider, subject).await
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.users.find_by_id(id).await
    }

    async fn find_by_session(
        &self,
        id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<LiveSession>, StoreError> {
        if let Some(live) = self.cache.get(id, session_id, now) {
            return Ok(Some(live));
        }
        let generation = self.cache.generation();
        let found = self.users.find_by_session(id, session_id, now).await?;
        if let Some(live) = &found {
            self.cache.put(session_id, live, generation);
        }
        Ok(found)
    }

    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> Result<bool, StoreError> {
        let done = self.users.set_password_hash(id, hash).await;
        self.cache.invalidate(id, None);
        done
    }

    async fn delete(&self, id: UserId) -> Result<bool, StoreError> {
        let done = self.users.delete(id).await;
        self.cache.invalidate(id, None);
        done
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.users.ping().await
    }
}

#[async_trait]
impl RefreshTokenStore for CachedSessions {
    async fn insert(&self, token: &NewRefreshToken) -> Result<(), StoreError> {
        self.tokens.insert(token).await
    }

    async fn rotate(
        &self,
        presented_hash: &str,
        next: &NextRefreshToken,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, RotateError> {
        let rotated = self.tokens.rotate(presented_hash, next, now, grace).await;
        if matches!(rotated, Err(RotateError::Reused)) {
            // The reuse ended its session: find which, to drop it here.
            match self.tokens.find(presented_hash).await {
                Ok(Some(record)) => self
                    .cache
                    .invalidate(record.user_id, Some(record.family_id)),
                // Which session is not known: drop them all.
                _ => self.cache.clear(),
            }
        }
        rotated
    }

    async fn find(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        self.tokens.find(token_hash).await
    }

    async fn live_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        self.tokens.live_sessions(user_id, now).await
    }

    async fn end_session(
        &self,
        user_id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let ended = self.tokens.end_session(user_id, session_id, now).await;
        self.cache.invalidate(user_id, Some(session_id));
        ended
    }

    async fn end_sessions(
        &self,
        user_id: UserId,
        except: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let ended = self.tokens.end_sessions(user_id, except, now).await;
        self.cache.invalidate(user_id, None);
        ended
    }
}
