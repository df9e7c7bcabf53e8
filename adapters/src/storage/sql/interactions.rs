//! The `interactions` table: its row, binding its columns, and
//! `InteractionRepository` on it for both stores (portable statements, only
//! the pool differs).

use chrono::{DateTime, Utc};
use nextarget_ports::{Interaction, StoreError, Usage};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct InteractionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub model: String,
    pub prompt: String,
    pub response: Option<String>,
    pub status: String,
    pub error_code: Option<String>,
    pub latency_ms: i64,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub(crate) const INTERACTION_COLUMNS: &str = "id, user_id, kind, model, prompt, response, status, \
     error_code, latency_ms, prompt_tokens, completion_tokens, total_tokens, created_at";

fn unknown(e: String) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!(e))
}

fn tokens(value: Option<i64>) -> u32 {
    value.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

impl TryFrom<InteractionRow> for Interaction {
    type Error = StoreError;

    fn try_from(row: InteractionRow) -> Result<Self, Self::Error> {
        let usage = row.total_tokens.map(|total| Usage {
            prompt_tokens: tokens(row.prompt_tokens),
            completion_tokens: tokens(row.completion_tokens),
            total_tokens: tokens(Some(total)),
        });
        Ok(Interaction {
            id: row.id,
            user_id: row.user_id,
            kind: row.kind.parse().map_err(unknown)?,
            model: row.model,
            prompt: row.prompt,
            response: row.response,
            status: row.status.parse().map_err(unknown)?,
            error_code: row.error_code,
            latency_ms: u64::try_from(row.latency_ms).unwrap_or(0),
            usage,
            created_at: row.created_at,
        })
    }
}

/// The usage columns of an interaction, as bound parameters.
pub(crate) fn usage_columns(i: &Interaction) -> [Option<i64>; 3] {
    match i.usage {
        Some(u) => [
            Some(i64::from(u.prompt_tokens)),
            Some(i64::from(u.completion_tokens)),
            Some(i64::from(u.total_tokens)),
        ],
        None => [None, None, None],
    }
}

/// Binds every column of an `Interaction`, in `INTERACTION_COLUMNS` order,
/// with `$bind` (`push_bind` on a `QueryBuilder` row).
macro_rules! bind_interaction {
    ($query:expr, $i:expr, $bind:ident) => {{
        let i = $i;
        let [prompt_tokens, completion_tokens, total_tokens] =
            $crate::storage::sql::usage_columns(i);
        $query
            .$bind(i.id)
            .$bind(i.user_id)
            .$bind(i.kind.as_str())
            .$bind(&i.model)
            .$bind(&i.prompt)
            .$bind(i.response.as_deref())
            .$bind(i.status.as_str())
            .$bind(i.error_code.as_deref())
            .$bind(i64::try_from(i.latency_ms).unwrap_or(i64::MAX))
            .$bind(prompt_tokens)
            .$bind(completion_tokens)
            .$bind(total_tokens)
            .$bind(i.created_at)
    }};
}

pub(crate) use bind_interaction;

/// Deletes one batch of expired rows: the oldest first, through the
/// `created_at` index (migration `history_retention`).
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM interactions WHERE id IN \
     (SELECT id FROM interactions WHERE created_at < $1 ORDER BY created_at LIMIT $2)";

/// `InteractionRepository` on `$store`, whose `begin_retention()` opens a
/// batch's transaction (`None`: another instance holds the retention lock).
macro_rules! impl_interaction_repository {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use nextarget_ports::{Interaction, InteractionRepository, StoreError, UserId};
            use uuid::Uuid;

            use $crate::storage::group_commit::{GroupWriter, HoldsWriter};
            use $crate::storage::sql::{bind_interaction, store_error, InteractionRow, INTERACTION_COLUMNS};

            /// `rows` in one statement on `executor`: one round trip, all
            /// rows or none without a transaction around it.
            async fn insert_rows<'e, E>(executor: E, rows: &[Interaction]) -> Result<(), StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                if rows.is_empty() {
                    return Ok(());
                }
                let mut insert = sqlx::QueryBuilder::<$db>::new(format!(
                    "INSERT INTO interactions ({INTERACTION_COLUMNS}) "
                ));
                insert.push_values(rows, |mut row, i| {
                    bind_interaction!(row, i, push_bind);
                });
                insert
                    .build()
                    .execute(executor)
                    .await
                    .map_err(|e| store_error(e, "interaction"))?;
                Ok(())
            }

            /// The group committer's writer: one pooled connection kept
            /// between groups, so a group costs its `INSERT` alone (no
            /// hand-out from the pool, no ping when it goes back). A failed
            /// write lets the connection go (the pool tests it and drops
            /// it when broken); the next write takes a fresh one.
            struct HeldConnection {
                pool: sqlx::Pool<$db>,
                conn: Option<sqlx::pool::PoolConnection<$db>>,
            }

            #[async_trait]
            impl GroupWriter for HeldConnection {
                async fn write(&mut self, rows: &[Interaction]) -> Result<(), StoreError> {
                    let mut conn = match self.conn.take() {
                        Some(conn) => conn,
                        None => self.pool.acquire().await.map_err(|e| store_error(e, "interaction"))?,
                    };
                    insert_rows(&mut *conn, rows).await?;
                    self.conn = Some(conn);
                    Ok(())
                }

                fn release(&mut self) {
                    self.conn = None;
                }
            }

            impl HoldsWriter for $store {
                fn group_writer(&self) -> Box<dyn GroupWriter> {
                    Box::new(HeldConnection {
                        pool: self.pool().clone(),
                        conn: None,
                    })
                }
            }

            #[async_trait]
            impl InteractionRepository for $store {
                #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "interactions.append"))]
                async fn append(&self, i: &Interaction) -> Result<(), StoreError> {
                    insert_rows(self.pool(), std::slice::from_ref(i)).await
                }

                #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "interactions.append_many", db.rows = rows.len()))]
                async fn append_many(&self, rows: &[Interaction]) -> Result<(), StoreError> {
                    insert_rows(self.pool(), rows).await
                }

                #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "interactions.list"))]
                async fn list_for_user(
                    &self,
                    user_id: UserId,
                    before: Option<Uuid>,
                    limit: u32,
                ) -> Result<Vec<Interaction>, StoreError> {
                    let sql = match before {
                        Some(_) => format!(
                            "SELECT {INTERACTION_COLUMNS} FROM interactions \
                         WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
                        ),
                        None => format!(
                            "SELECT {INTERACTION_COLUMNS} FROM interactions \
                         WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
                        ),
                    };
                    let mut query = sqlx::query_as::<_, InteractionRow>(sqlx::AssertSqlSafe(sql)).bind(user_id);
                    if let Some(before) = before {
                        query = query.bind(before);
                    }
                    let rows = query
                        .bind(i64::from(limit))
                        .fetch_all(self.pool())
                        .await
                        .map_err(|e| store_error(e, "interaction"))?;
                    rows.into_iter().map(Interaction::try_from).collect()
                }

                #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "interactions.delete_expired"))]
                async fn delete_expired(
                    &self,
                    cutoff: chrono::DateTime<chrono::Utc>,
                    batch: u32,
                ) -> Result<Option<u64>, StoreError> {
                    let err = |e| store_error(e, "interaction");
                    let Some(mut tx) = self.begin_retention().await.map_err(err)? else {
                        return Ok(None);
                    };
                    let deleted = sqlx::query($crate::storage::sql::DELETE_EXPIRED)
                        .bind(cutoff)
                        .bind(i64::from(batch))
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?
                        .rows_affected();
                    tx.commit().await.map_err(err)?;
                    Ok(Some(deleted))
                }
            }
        };
    };
}

pub(crate) use impl_interaction_repository;
