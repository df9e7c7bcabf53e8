//! The `oauth_states` table: its row, and `OAuthStateStore` on it for both
//! stores (portable statements, only the pool differs).

use chrono::{DateTime, Utc};
use nextarget_ports::{OAuthStateRecord, StoreError};

/// The columns of `oauth_states`, in the order both adapters select them.
pub(crate) const OAUTH_STATE_COLUMNS: &str =
    "state, provider, nonce, pkce_verifier, redirect_uri, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OAuthStateRow {
    pub state: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl OAuthStateRow {
    /// The record, unless it expired at `now`.
    pub(crate) fn into_live(
        self,
        now: DateTime<Utc>,
    ) -> Result<Option<OAuthStateRecord>, StoreError> {
        if self.expires_at <= now {
            return Ok(None);
        }
        Ok(Some(OAuthStateRecord {
            state: self.state,
            provider: self
                .provider
                .parse()
                .map_err(|e: String| StoreError::Unknown(anyhow::anyhow!(e)))?,
            nonce: self.nonce,
            pkce_verifier: self.pkce_verifier,
            redirect_uri: self.redirect_uri,
            expires_at: self.expires_at,
        }))
    }
}

macro_rules! impl_oauth_state_store {
    ($store:ty) => {
        const _: () = {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use nextarget_ports::{OAuthStateRecord, OAuthStateStore, StoreError};

        use $crate::storage::sql::{store_error, OAuthStateRow, OAUTH_STATE_COLUMNS};

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
                let row = sqlx::query_as::<_, OAuthStateRow>(sqlx::AssertSqlSafe(sql))
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
