//! PostgreSQL storage, migrations from `migrations/postgres`.

use std::time::Duration;

use sqlx::{postgres::PgPoolOptions, PgPool};

use nextarget_ports::RotateError;
use uuid::Uuid;

use super::sql::{impl_sql_ports, store_error};

impl_sql_ports!(PostgresStore, sqlx::Postgres);

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects a pool to `url`, waiting at most `acquire_timeout`
    /// (default 5 s) for a connection: with the server down, sqlx retries
    /// the connect until then, and the caller gets `Unavailable`.
    ///
    /// # Errors
    /// When the URL is malformed or the server cannot be reached.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Option<Duration>,
    ) -> Result<Self, sqlx::Error> {
        let pool = super::pool_check::ping_when_idle(PgPoolOptions::new())
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

    /// Tells every instance that `user_id`'s session (all of them with
    /// `None`) changed: a NOTIFY on [`super::session_cache::PG_CHANNEL`],
    /// which PostgreSQL delivers when the caller's transaction commits.
    async fn signal_invalidation(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        user_id: uuid::Uuid,
        session_id: Option<uuid::Uuid>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), sqlx::Error> {
        let payload = super::session_cache::payload(user_id, session_id);
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(super::session_cache::PG_CHANNEL)
            .bind(payload)
            .execute(&mut **tx)
            .await?;
        Ok(())
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

/// The advisory lock key of history retention ("nxt_rtn" in ASCII): held
/// by one instance's batch at a time.
const RETENTION_LOCK_KEY: i64 = 0x006e_7874_5f72_746e;

/// How long one retention batch may run before PostgreSQL cancels it (the
/// batch is then retried on the next run): a bound on the time its row
/// locks are held.
const RETENTION_STATEMENT_TIMEOUT: &str = "SET LOCAL statement_timeout = '5s'";

impl PostgresStore {
    /// A retention batch's transaction, holding the transaction-scoped
    /// advisory lock [`RETENTION_LOCK_KEY`] (`None` when another instance
    /// holds it) under a statement timeout.
    async fn begin_retention(
        &self,
    ) -> Result<Option<sqlx::Transaction<'_, sqlx::Postgres>>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(RETENTION_STATEMENT_TIMEOUT)
            .execute(&mut *tx)
            .await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(RETENTION_LOCK_KEY)
            .fetch_one(&mut *tx)
            .await?;
        Ok(locked.then_some(tx))
    }
}

/// A stable 64-bit key for a family, for PostgreSQL's advisory locks.
pub(crate) fn family_lock_key(family_id: Uuid) -> i64 {
    let (high, _) = family_id.as_u64_pair();
    i64::from_ne_bytes(high.to_ne_bytes())
}
