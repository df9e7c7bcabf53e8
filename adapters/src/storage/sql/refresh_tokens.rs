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
            ClientInfo, NewRefreshToken, NextRefreshToken, RefreshTokenRecord, RefreshTokenStore,
            RotateError, Rotation, RotationKind, RotationStep, SessionRecord, StoreError, UserId,
        };
        use sqlx::Transaction;
        use uuid::Uuid;

        use $crate::storage::sql::{
            session_sql, store_error, RefreshRow, SessionRow, MAX_LISTED_SESSIONS, REFRESH_COLUMNS,
        };

        fn err(e: sqlx::Error) -> StoreError {
            store_error(e, "refresh_token")
        }

        fn ip(client: &ClientInfo) -> Option<String> {
            client.ip.map(|ip| ip.to_string())
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

        /// Records `next`'s use on its session; `false` when the session
        /// has ended (taking the session row's lock first: see `sessions`).
        async fn touch_session(
            tx: &mut Transaction<'_, $db>,
            family_id: Uuid,
            next: &NextRefreshToken,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query(session_sql::TOUCH)
                .bind(next.created_at)
                .bind(next.expires_at)
                .bind(ip(&next.client))
                .bind(next.client.user_agent.as_deref())
                .bind(family_id)
                .execute(&mut **tx)
                .await
                .map_err(err)?;
            Ok(done.rows_affected() > 0)
        }

        /// Revokes the live tokens of `user_id` (of one family, or all but
        /// one, or all).
        async fn revoke_tokens(
            tx: &mut Transaction<'_, $db>,
            user_id: UserId,
            family: Option<Uuid>,
            keep: Option<Uuid>,
            now: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            let query = match (family, keep) {
                (Some(family), _) => sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 \
                     WHERE user_id = $2 AND family_id = $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user_id)
                .bind(family),
                (None, Some(keep)) => sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 \
                     WHERE user_id = $2 AND family_id <> $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user_id)
                .bind(keep),
                (None, None) => sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 \
                     WHERE user_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user_id),
            };
            query.execute(&mut **tx).await.map_err(err)?;
            Ok(())
        }

        #[async_trait]
        impl RefreshTokenStore for $store {
            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "refresh_tokens.insert"))]
            async fn insert(&self, token: &NewRefreshToken) -> Result<(), StoreError> {
                let mut tx = self.pool().begin().await.map_err(err)?;
                sqlx::query(session_sql::OPEN)
                    .bind(token.family_id)
                    .bind(token.user_id)
                    .bind(token.created_at)
                    .bind(token.expires_at)
                    .bind(ip(&token.client))
                    .bind(token.client.user_agent.as_deref())
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
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
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                tx.commit().await.map_err(err)?;
                Ok(())
            }

            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "refresh_tokens.rotate"))]
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
                let step = row.rotation_step(now, grace);
                if step == RotationStep::Invalid {
                    return Err(RotateError::Invalid);
                }
                if step == RotationStep::RevokeFamily {
                    sqlx::query(session_sql::END_BY_ID)
                        .bind(now)
                        .bind(row.family_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    <$store>::signal_invalidation(&mut tx, row.user_id, Some(row.family_id), now)
                        .await
                        .map_err(err)?;
                    revoke_tokens(&mut tx, row.user_id, Some(row.family_id), None, now).await?;
                    tx.commit().await.map_err(err)?;
                    return Err(RotateError::Reused);
                }
                if !touch_session(&mut tx, row.family_id, next).await? {
                    // Ended while this rotation waited for its row.
                    return Err(RotateError::Invalid);
                }
                let kind = if step == RotationStep::Spend {
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
                } else {
                    sqlx::query("UPDATE refresh_tokens SET grace_closed_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(row.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    RotationKind::GraceReplay
                };
                insert_child(&mut tx, &row, next).await?;
                tx.commit().await.map_err(err)?;
                Ok(Rotation {
                    user_id: row.user_id,
                    family_id: row.family_id,
                    kind,
                })
            }

            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "refresh_tokens.find"))]
            async fn find(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
                let sql = format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1");
                let row = sqlx::query_as::<_, RefreshRow>(sqlx::AssertSqlSafe(sql))
                    .bind(token_hash)
                    .fetch_optional(self.pool())
                    .await
                    .map_err(err)?;
                Ok(row.map(RefreshTokenRecord::from))
            }

            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "refresh_tokens.live_sessions"))]
            async fn live_sessions(
                &self,
                user_id: UserId,
                now: DateTime<Utc>,
            ) -> Result<Vec<SessionRecord>, StoreError> {
                let rows = sqlx::query_as::<_, SessionRow>(session_sql::LIVE)
                    .bind(user_id)
                    .bind(now)
                    .bind(MAX_LISTED_SESSIONS)
                    .fetch_all(self.pool())
                    .await
                    .map_err(|e| store_error(e, "session"))?;
                Ok(rows.into_iter().map(SessionRecord::from).collect())
            }

            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "refresh_tokens.end_session"))]
            async fn end_session(
                &self,
                user_id: UserId,
                session_id: Uuid,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool().begin().await.map_err(err)?;
                let ended = sqlx::query(session_sql::END_LIVE)
                    .bind(now)
                    .bind(session_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?
                    .rows_affected()
                    > 0;
                if ended {
                    revoke_tokens(&mut tx, user_id, Some(session_id), None, now).await?;
                    <$store>::signal_invalidation(&mut tx, user_id, Some(session_id), now)
                        .await
                        .map_err(err)?;
                }
                tx.commit().await.map_err(err)?;
                Ok(ended)
            }

            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "refresh_tokens.end_sessions"))]
            async fn end_sessions(
                &self,
                user_id: UserId,
                except: Option<Uuid>,
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let mut tx = self.pool().begin().await.map_err(err)?;
                let query = match except {
                    Some(keep) => sqlx::query(session_sql::END_ALL_BUT)
                        .bind(now)
                        .bind(user_id)
                        .bind(keep),
                    None => sqlx::query(session_sql::END_ALL).bind(now).bind(user_id),
                };
                let ended = query.execute(&mut *tx).await.map_err(err)?.rows_affected();
                revoke_tokens(&mut tx, user_id, None, except, now).await?;
                if ended > 0 {
                    <$store>::signal_invalidation(&mut tx, user_id, None, now)
                        .await
                        .map_err(err)?;
                }
                tx.commit().await.map_err(err)?;
                Ok(ended)
            }
        }
        };
    };
}

pub(crate) use impl_refresh_token_store;
