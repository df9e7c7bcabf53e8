use async_trait::async_trait;
use nextarget_ports::{Interaction, InteractionRepository, StoreError, UserId};
use uuid::Uuid;

use super::SqliteStore;
use crate::sql::{bind_interaction, store_error, InteractionRow, INTERACTION_COLUMNS};

#[async_trait]
impl InteractionRepository for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(db.system = "sqlite", db.operation = "interactions.append"))]
    async fn append(&self, i: &Interaction) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO interactions ({INTERACTION_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        bind_interaction!(sqlx::query(&sql), i)
            .execute(self.pool())
            .await
            .map_err(|e| store_error(e, "interaction"))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(db.system = "sqlite", db.operation = "interactions.list"))]
    async fn list_for_user(
        &self,
        user_id: UserId,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Interaction>, StoreError> {
        let sql = format!(
            "SELECT {INTERACTION_COLUMNS} FROM interactions \
             WHERE user_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?"
        );
        let rows = sqlx::query_as::<_, InteractionRow>(&sql)
            .bind(user_id)
            .bind(before)
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(|e| store_error(e, "interaction"))?;
        rows.into_iter().map(Interaction::try_from).collect()
    }
}
