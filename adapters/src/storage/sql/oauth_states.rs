//! The `oauth_states` table: its row, and `OAuthStateStore` on it for both
//! stores (portable statements, only the pool differs).

use chrono::{DateTime, Utc};
use nextarget_ports::{AppReturn, OAuthStateRecord, StoreError};

/// The columns of `oauth_states`, in the order both adapters select them.
pub(crate) const OAUTH_STATE_COLUMNS: &str =
    "state, provider, nonce, pkce_verifier, redirect_uri, app_code_challenge, app_state, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OAuthStateRow {
    pub state: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The app link of a flow an app started.
    pub redirect_uri: Option<String>,
    pub app_code_challenge: Option<String>,
    pub app_state: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl OAuthStateRow {
    /// The record, unless it expired at `now`. A flow is the app's when
    /// both its app link and its challenge are stored.
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
            app: match (self.redirect_uri, self.app_code_challenge) {
                (Some(redirect_to), Some(code_challenge)) => Some(AppReturn {
                    redirect_to,
                    code_challenge,
                    app_state: self.app_state,
                }),
                _ => None,
            },
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
                    "INSERT INTO oauth_states (state, provider, nonce, pkce_verifier, redirect_uri, \
                     app_code_challenge, app_state, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&record.state)
                .bind(record.provider.as_str())
                .bind(&record.nonce)
                .bind(&record.pkce_verifier)
                .bind(record.app.as_ref().map(|a| a.redirect_to.as_str()))
                .bind(record.app.as_ref().map(|a| a.code_challenge.as_str()))
                .bind(record.app.as_ref().and_then(|a| a.app_state.as_deref()))
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
