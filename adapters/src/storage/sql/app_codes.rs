//! The `app_codes` table: its row, and `AppCodeStore` on it for both
//! stores (portable statements; `take` is one `DELETE ... RETURNING`,
//! atomic on either database).

use chrono::{DateTime, Utc};
use nextarget_ports::{AppCodeRecord, UserId};

/// The columns of `app_codes`, in the order both adapters select them.
pub(crate) const APP_CODE_COLUMNS: &str =
    "code_hash, user_id, new_user, code_challenge, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct AppCodeRow {
    pub code_hash: String,
    pub user_id: UserId,
    pub new_user: bool,
    pub code_challenge: String,
    pub expires_at: DateTime<Utc>,
}

impl AppCodeRow {
    /// The record, unless it expired at `now`.
    pub(crate) fn into_live(self, now: DateTime<Utc>) -> Option<AppCodeRecord> {
        (self.expires_at > now).then_some(AppCodeRecord {
            code_hash: self.code_hash,
            user_id: self.user_id,
            new_user: self.new_user,
            code_challenge: self.code_challenge,
            expires_at: self.expires_at,
        })
    }
}

macro_rules! impl_app_code_store {
    ($store:ty) => {
        const _: () = {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use nextarget_ports::{AppCodeRecord, AppCodeStore, StoreError};

        use $crate::storage::sql::{store_error, AppCodeRow, APP_CODE_COLUMNS};

        fn err(e: sqlx::Error) -> StoreError {
            store_error(e, "app_code")
        }

        #[async_trait]
        impl AppCodeStore for $store {
            async fn put(&self, record: &AppCodeRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM app_codes WHERE expires_at <= $1")
                    .bind(now)
                    .execute(self.pool())
                    .await
                    .map_err(err)?;
                sqlx::query(
                    "INSERT INTO app_codes (code_hash, user_id, new_user, code_challenge, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&record.code_hash)
                .bind(record.user_id)
                .bind(record.new_user)
                .bind(&record.code_challenge)
                .bind(record.expires_at)
                .execute(self.pool())
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn take(
                &self,
                code_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<AppCodeRecord>, StoreError> {
                // One statement: of two concurrent exchanges only one gets the row.
                let sql =
                    format!("DELETE FROM app_codes WHERE code_hash = $1 RETURNING {APP_CODE_COLUMNS}");
                let row = sqlx::query_as::<_, AppCodeRow>(sqlx::AssertSqlSafe(sql))
                    .bind(code_hash)
                    .fetch_optional(self.pool())
                    .await
                    .map_err(err)?;
                Ok(row.and_then(|row| row.into_live(now)))
            }
        }
        };
    };
}

pub(crate) use impl_app_code_store;
