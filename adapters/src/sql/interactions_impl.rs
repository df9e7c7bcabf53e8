//! `InteractionRepository` on SQL, for both stores: the statements are portable
//! (`$N` placeholders work on SQLite and PostgreSQL), only the pool differs.
//! `sqlite/mod.rs` and `postgres/mod.rs` each invoke the macro once.

macro_rules! impl_interaction_repository {
    ($store:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use nextarget_ports::{Interaction, InteractionRepository, StoreError, UserId};
            use uuid::Uuid;

            use $crate::sql::{bind_interaction, store_error, InteractionRow, INTERACTION_COLUMNS};

            #[async_trait]
            impl InteractionRepository for $store {
                #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "interactions.append"))]
                async fn append(&self, i: &Interaction) -> Result<(), StoreError> {
                    let sql = format!(
                        "INSERT INTO interactions ({INTERACTION_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    );
                    bind_interaction!(sqlx::query(&sql), i)
                        .execute(self.pool())
                        .await
                        .map_err(|e| store_error(e, "interaction"))?;
                    Ok(())
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
                    let mut query = sqlx::query_as::<_, InteractionRow>(&sql).bind(user_id);
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
            }
        };
    };
}

pub(crate) use impl_interaction_repository;
