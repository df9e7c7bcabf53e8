//! PostgreSQL storage, migrations from `migrations/postgres`.

use std::time::Duration;

use sqlx::{postgres::PgPoolOptions, PgPool};

use nextarget_ports::RotateError;
use uuid::Uuid;

use crate::{
    sql::{family_lock_key, store_error},
    storage::{PoolStats, StorageCloser},
};

crate::sql::impl_user_repository!(PostgresStore);
crate::sql::impl_interaction_repository!(PostgresStore);
crate::sql::impl_oauth_state_store!(PostgresStore);
crate::sql::impl_refresh_token_store!(PostgresStore, sqlx::Postgres);

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects a pool to `url`.
    ///
    /// # Errors
    /// When the URL is malformed or the server cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        Self::connect_with(url, max_connections, None).await
    }

    /// [`Self::connect`], waiting at most `acquire_timeout` (default 5 s)
    /// for a connection: with the server down, sqlx retries the connect
    /// until then, and the caller gets `Unavailable`.
    ///
    /// # Errors
    /// As [`Self::connect`].
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Option<Duration>,
    ) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout.unwrap_or(Duration::from_secs(5)))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    /// Applies the pending migrations of `migrations/postgres`.
    ///
    /// # Errors
    /// When a migration fails or was changed after being applied.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("../migrations/postgres")
            .run(&self.pool)
            .await
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A refresh rotation's transaction, holding a transaction-scoped
    /// advisory lock on the presented token's family: a statement after the
    /// lock sees every rotation of that family committed before it.
    async fn begin_rotation(
        &self,
        presented_hash: &str,
    ) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, RotateError> {
        let err = |e| RotateError::Store(store_error(e, "refresh_token"));
        let mut tx = self.pool.begin().await.map_err(err)?;
        let family: Uuid =
            sqlx::query_scalar("SELECT family_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(presented_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?
                .ok_or(RotateError::Invalid)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(family_lock_key(family))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        Ok(tx)
    }
}

#[async_trait::async_trait]
impl StorageCloser for PostgresStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }
}
