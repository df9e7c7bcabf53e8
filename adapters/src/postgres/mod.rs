//! PostgreSQL storage, migrations from `migrations/postgres`.

mod interactions;
mod oauth_states;
mod refresh_tokens;
mod users;

use std::time::Duration;

use sqlx::{postgres::PgPoolOptions, PgPool};

use crate::storage::StorageCloser;

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
}

#[async_trait::async_trait]
impl StorageCloser for PostgresStore {
    async fn close(&self) {
        self.pool.close().await;
    }
}
