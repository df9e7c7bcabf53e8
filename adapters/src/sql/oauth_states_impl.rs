//! `OAuthStateStore` on SQL, for both stores: the statements are portable
//! (`$N` placeholders work on SQLite and PostgreSQL), only the pool differs.
//! `sqlite/mod.rs` and `postgres/mod.rs` each invoke the macro once.

macro_rules! impl_oauth_state_store {
    ($store:ty) => {
        const _: () = {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use nextarget_ports::{OAuthStateRecord, OAuthStateStore, StoreError};

        use $crate::sql::{store_error, OAuthStateRow, OAUTH_STATE_COLUMNS};

        #[async_trait]
        impl OAuthStateStore for $store {
            async fn put(&self, record: &OAuthStateRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
                    .bind(now)
                    .execute(self.pool())
                    .await
                    .map_err(|e| store_error(e, "oauth_state"))?;
                sqlx::query(
                    "INSERT INTO oauth_states (state, provider, nonce, pkce_verifier, redirect_uri, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&record.state)
                .bind(record.provider.as_str())
                .bind(&record.nonce)
                .bind(&record.pkce_verifier)
                .bind(record.redirect_uri.as_deref())
                .bind(record.expires_at)
                .execute(self.pool())
                .await
                .map_err(|e| store_error(e, "oauth_state"))?;
                Ok(())
            }

            async fn take(
                &self,
                state: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<OAuthStateRecord>, StoreError> {
                // One statement: of two concurrent callbacks only one gets the row.
                let sql =
                    format!("DELETE FROM oauth_states WHERE state = $1 RETURNING {OAUTH_STATE_COLUMNS}");
                let row = sqlx::query_as::<_, OAuthStateRow>(&sql)
                    .bind(state)
                    .fetch_optional(self.pool())
                    .await
                    .map_err(|e| store_error(e, "oauth_state"))?;
                match row {
                    Some(row) => row.into_live(now),
                    None => Ok(None),
                }
            }
        }
        };
    };
}

pub(crate) use impl_oauth_state_store;
