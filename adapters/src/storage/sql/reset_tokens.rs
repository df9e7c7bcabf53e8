//! The `password_reset_tokens` table and `PasswordResetStore` on it, for
//! both stores (portable statements; `take` is one conditional UPDATE,
//! atomic on either database).

macro_rules! impl_password_reset_store {
    ($store:ty) => {
        const _: () = {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use nextarget_ports::{NewResetToken, PasswordResetStore, StoreError, UserId};

        use $crate::storage::sql::store_error;

        fn err(e: sqlx::Error) -> StoreError {
            store_error(e, "password_reset_token")
        }

        #[async_trait]
        impl PasswordResetStore for $store {
            async fn issue(&self, token: &NewResetToken) -> Result<(), StoreError> {
                let mut tx = self.pool().begin().await.map_err(err)?;
                // Supersede: the older tokens of the user become unusable.
                sqlx::query(
                    "UPDATE password_reset_tokens SET used_at = $1 \
                     WHERE user_id = $2 AND used_at IS NULL",
                )
                .bind(token.created_at)
                .bind(token.user_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                // And the long-expired ones of anyone go (a bounded table).
                sqlx::query("DELETE FROM password_reset_tokens WHERE expires_at < $1")
                    .bind(token.created_at - chrono::Duration::days(1))
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                sqlx::query(
                    "INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&token.token_hash)
                .bind(token.user_id)
                .bind(token.created_at)
                .bind(token.expires_at)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                tx.commit().await.map_err(err)
            }

            async fn find(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<UserId>, StoreError> {
                sqlx::query_scalar(
                    "SELECT user_id FROM password_reset_tokens \
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(self.pool())
                .await
                .map_err(err)
            }

            async fn take(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<UserId>, StoreError> {
                sqlx::query_scalar(
                    "UPDATE password_reset_tokens SET used_at = $2 \
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                     RETURNING user_id",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(self.pool())
                .await
                .map_err(err)
            }
        }
        };
    };
}

pub(crate) use impl_password_reset_store;
