//! SQLite storage: WAL mode, a busy timeout, foreign keys on, migrations from
//! `migrations/sqlite`. The WAL is checkpointed every second by a task of
//! its own (passive: it never blocks a writer) rather than by whichever
//! commit crosses SQLite's 1000-page mark, which then waits for the copy
//! and its fsync: tens of milliseconds on a request's path.

use std::{str::FromStr, time::Duration};

use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use nextarget_ports::RotateError;

use super::sql::{impl_sql_ports, store_error};

impl_sql_ports!(SqliteStore, sqlx::Sqlite);

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it with `mode=rwc`) the database at `url`, waiting
    /// at most `acquire_timeout` (default 10 s) for a pooled connection.
    ///
    /// # Errors
    /// When the URL is malformed or the file cannot be opened.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Option<Duration>,
    ) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", "0");
        let pool = super::pool_check::ping_when_idle(SqlitePoolOptions::new())
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout.unwrap_or(Duration::from_secs(10)))
            .connect_with(options)
            .await?;
        tokio::spawn(checkpoint_every_second(pool.clone()));
        Ok(Self { pool })
    }

    /// Applies the pending migrations of `migrations/sqlite`.
    ///
    /// # Errors
    /// When a migration fails or was changed after being applied.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("../migrations/sqlite").run(&self.pool).await
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Tells the other processes on this file that `user_id`'s session
    /// (all of them with `None`) changed: a row of `session_invalidations`,
    /// in the caller's transaction (see `session_cache`).
    async fn signal_invalidation(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        user_id: uuid::Uuid,
        session_id: Option<uuid::Uuid>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO session_invalidations (user_id, session_id, at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(session_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// A refresh rotation's transaction: `BEGIN IMMEDIATE` takes the
    /// database's write lock before anything is read, so concurrent
    /// rotations run one after the other.
    async fn begin_rotation(
        &self,
        _presented_hash: &str,
    ) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, RotateError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| RotateError::Store(store_error(e, "refresh_token")))
    }

    /// A retention batch's transaction: `BEGIN IMMEDIATE`, so the batch
    /// waits (up to the busy timeout) for the one writer SQLite allows
    /// rather than failing midway. SQLite needs no lock between instances:
    /// they share one file and its one writer.
    async fn begin_retention(
        &self,
    ) -> Result<Option<sqlx::Transaction<'_, sqlx::Sqlite>>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map(Some)
    }
}

/// Checkpoints the WAL until the pool is closed.
async fn checkpoint_every_second(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::debug!(error = %err, "WAL checkpoint skipped");
        }
    }
}
