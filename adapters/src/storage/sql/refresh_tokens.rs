//! The `refresh_tokens` table: its row, and `RefreshTokenStore` on it for
//! both stores. Statements are portable (`$N` placeholders); what differs is
//! how a rotation's transaction is serialised, which each store supplies as
//! `begin_rotation(presented_hash) -> Transaction`: SQLite takes the write
//! lock with `BEGIN IMMEDIATE`; PostgreSQL takes a transaction-scoped
//! advisory lock on the token's family (rotations, grace replays and reuse
//! revocations of one family run one after the other, other families in
//! parallel, and nothing deadlocks since each takes that single lock first).
//! The decision itself is the domain's: `RefreshTokenRecord::rotation_step`.

use chrono::{DateTime, Utc};
use nextarget_ports::RefreshTokenRecord;
use uuid::Uuid;

pub(crate) const REFRESH_COLUMNS: &str =
    "id, user_id, family_id, expires_at, spent_at, revoked_at, parent_id, grace_closed_at";

#[derive(sqlx::FromRow)]
pub(crate) struct RefreshRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub spent_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub parent_id: Option<Uuid>,
    pub grace_closed_at: Option<DateTime<Utc>>,
}

impl From<RefreshRow> for RefreshTokenRecord {
    fn from(row: RefreshRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            family_id: row.family_id,
            expires_at: row.expires_at,
            spent_at: row.spent_at,
            revoked_at: row.revoked_at,
            parent_id: row.parent_id,
            grace_closed_at: row.grace_closed_at,
        }
    }
}

macro_rules! impl_refresh_token_store {
    ($store:ty, $db:ty) => {
        const _: () = {
                use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use nextarget_ports::{
            NewRefreshToken, NextRefreshToken, RefreshTokenRecord, RefreshTokenStore, RotateError,
            Rotation, RotationKind, RotationStep, StoreError, UserId,
        };
        use sqlx::Transaction;
        use uuid::Uuid;

        use $crate::storage::sql::{store_error, RefreshRow, REFRESH_COLUMNS};

        fn err(e: sqlx::Error) -> StoreError {
            store_error(e, "refresh_token")
        }

        async fn insert_child(
            tx: &mut Transaction<'_, $db>,
            parent: &RefreshTokenRecord,
            next: &NextRefreshToken,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO refresh_tokens \
                 (id, user_id, family_id, token_hash, created_at, expires_at, parent_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(next.id)
            .bind(parent.user_id)
            .bind(parent.family_id)
            .bind(&next.token_hash)
            .bind(next.created_at)
            .bind(next.expires_at)
            .bind(parent.id)
            .execute(&mut **tx)
            .await
            .map_err(err)?;
            Ok(())
        }

        #[async_trait]
        impl RefreshTokenStore for $store {
            async fn insert(&self, token: &NewRefreshToken) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token.id)
                .bind(token.user_id)
                .bind(token.family_id)
                .bind(&token.token_hash)
                .bind(token.created_at)
                .bind(token.expires_at)
                .execute(self.pool())
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn rotate(
                &self,
                presented_hash: &str,
                next: &NextRefreshToken,
                now: DateTime<Utc>,
                grace: Duration,
            ) -> Result<Rotation, RotateError> {
                // Serialised per store: see `begin_rotation` beside each store.
                let mut tx = self.begin_rotation(presented_hash).await?;
                let sql = format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1");
                let row: RefreshTokenRecord = sqlx::query_as::<_, RefreshRow>(sqlx::AssertSqlSafe(sql))
                    .bind(presented_hash)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?
                    .ok_or(RotateError::Invalid)?
                    .into();
                // The domain decides; this store only makes it atomic.
                let kind = match row.rotation_step(now, grace) {
                    RotationStep::Invalid => return Err(RotateError::Invalid),
                    RotationStep::RevokeFamily => {
                        sqlx::query(
                            "UPDATE refresh_tokens SET revoked_at = $1 \
                             WHERE family_id = $2 AND revoked_at IS NULL",
                        )
                        .bind(now)
                        .bind(row.family_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                        tx.commit().await.map_err(err)?;
                        return Err(RotateError::Reused);
                    }
                    RotationStep::Spend => {
                        sqlx::query("UPDATE refresh_tokens SET spent_at = $1 WHERE id = $2")
                            .bind(now)
                            .bind(row.id)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                        if let Some(parent) = row.parent_id {
                            sqlx::query(
                                "UPDATE refresh_tokens SET grace_closed_at = $1 \
                                 WHERE id = $2 AND grace_closed_at IS NULL",
                            )
                            .bind(now)
                            .bind(parent)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                        }
                        RotationKind::Rotated
                    }
                    RotationStep::GraceReplay => {
                        sqlx::query("UPDATE refresh_tokens SET grace_closed_at = $1 WHERE id = $2")
                            .bind(now)
                            .bind(row.id)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                        RotationKind::GraceReplay
                    }
                };
                insert_child(&mut tx, &row, next).await?;
                tx.commit().await.map_err(err)?;
                Ok(Rotation {
                    user_id: row.user_id,
                    family_id: row.family_id,
                    kind,
                })
            }

            async fn find(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
                let sql = format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1");
                let row = sqlx::query_as::<_, RefreshRow>(sqlx::AssertSqlSafe(sql))
                    .bind(token_hash)
                    .fetch_optional(self.pool())
                    .await
                    .map_err(err)?;
                Ok(row.map(RefreshTokenRecord::from))
            }

            async fn revoke_family(&self, family_id: Uuid, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(family_id)
                .execute(self.pool())
                .await
                .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn revoke_all_for_user(
                &self,
                user_id: UserId,
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user_id)
                .execute(self.pool())
                .await
                .map_err(err)?;
                Ok(done.rows_affected())
            }
        }
        };
    };
}

pub(crate) use impl_refresh_token_store;
