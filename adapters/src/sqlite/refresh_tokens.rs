use async_trait::async_trait;
use nextarget_ports::{NewRefreshToken, RefreshTokenStore, StoreError};

use super::SqliteStore;
use crate::sql::store_error;

#[async_trait]
impl RefreshTokenStore for SqliteStore {
    async fn insert(&self, token: &NewRefreshToken) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(token.id)
        .bind(token.user_id)
        .bind(token.family_id)
        .bind(&token.token_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(self.pool())
        .await
        .map_err(|e| store_error(e, "refresh_token"))?;
        Ok(())
    }
}
