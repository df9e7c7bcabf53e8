//! Storage: the SQL adapters (SQLite, PostgreSQL) over the tables of
//! `sql/`, picked from the scheme of `database.url`; and `BufferedHistory`,
//! a decorator keeping the history writes the database refused.

mod buffered_history;
mod group_commit;
mod pool_check;
mod postgres;
pub mod session_cache;
mod sql;
mod sqlite;

use std::{sync::Arc, time::Duration};

use anyhow::{bail, Context};
use nextarget_ports::{
    AppCodeStore, InteractionRepository, OAuthStateStore, PasswordResetStore, RefreshTokenStore,
    UserRepository,
};
use secrecy::{ExposeSecret, SecretString};

pub use self::buffered_history::BufferedHistory;
pub use self::group_commit::GroupCommit;
use self::{postgres::PostgresStore, sqlite::SqliteStore};

/// Every storage port, backed by one database.
#[derive(Clone)]
pub struct Storage {
    pub users: Arc<dyn UserRepository>,
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    pub interactions: Arc<dyn InteractionRepository>,
    pub oauth_states: Arc<dyn OAuthStateStore>,
    pub reset_tokens: Arc<dyn PasswordResetStore>,
    /// The one-time codes of web sign-ins that end in an app.
    pub app_codes: Arc<dyn AppCodeStore>,
    /// The sessions the bearer check trusts without a query, and whether
    /// their invalidation channel is up (`users` and `refresh_tokens` go
    /// through it).
    pub session_cache: Arc<session_cache::SessionCache>,
    /// Closes the pool (graceful shutdown).
    pub closer: Arc<dyn StorageCloser>,
}

#[async_trait::async_trait]
pub trait StorageCloser: Send + Sync {
    async fn close(&self);

    /// The pool's connections right now (for the `/metrics` gauges).
    fn pool_stats(&self) -> PoolStats;
}

/// Any sqlx pool closes and reports itself the same way.
#[async_trait::async_trait]
impl<DB: sqlx::Database> StorageCloser for sqlx::Pool<DB> {
    async fn close(&self) {
        sqlx::Pool::close(self).await;
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.size(),
            idle: u32::try_from(self.num_idle()).unwrap_or(u32::MAX),
            max: self.options().get_max_connections(),
        }
    }
}

/// A snapshot of a connection pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open, idle or in use.
    pub size: u32,
    pub idle: u32,
    /// `database.max_connections`.
    pub max: u32,
}

/// How the connection pool behaves.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a connection before it gets
    /// `StoreError::Unavailable` (503). `None`: the adapter's default
    /// (SQLite 10 s, PostgreSQL 5 s). While the database is down, every
    /// query waits this long, so it bounds how long requests pile up.
    pub acquire_timeout: Option<Duration>,
}

impl Storage {
    /// Every port on one store, and its pool as the closer; the users and
    /// sessions through `cache`.
    fn on<S>(
        store: Arc<S>,
        closer: Arc<dyn StorageCloser>,
        cache: Arc<session_cache::SessionCache>,
    ) -> Self
    where
        S: UserRepository
            + RefreshTokenStore
            + InteractionRepository
            + OAuthStateStore
            + PasswordResetStore
            + AppCodeStore
            + group_commit::HoldsWriter
            + 'static,
    {
        let cached = Arc::new(session_cache::CachedSessions::new(
            store.clone(),
            store.clone(),
            cache.clone(),
        ));
        Storage {
            users: cached.clone(),
            refresh_tokens: cached,
            interactions: Arc::new(GroupCommit::with_writer(
                store.clone(),
                store.group_writer(),
            )),
            oauth_states: store.clone(),
            reset_tokens: store.clone(),
            app_codes: store,
            session_cache: cache,
            closer,
        }
    }
}

/// Connects to the database named by `url` (`sqlite:` or `postgres:`), runs
/// its migrations, and returns the adapters on it.
///
/// # Errors
/// When the scheme is unknown, the database cannot be reached or a migration
/// fails.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<Storage> {
    connect_with(
        url,
        PoolSettings {
            max_connections,
            acquire_timeout: None,
        },
    )
    .await
}

/// [`connect`], with the pool's settings.
///
/// # Errors
/// As [`connect`].
pub async fn connect_with(url: &SecretString, pool: PoolSettings) -> anyhow::Result<Storage> {
    let url = url.expose_secret();
    if url.starts_with("sqlite:") {
        let store = Arc::new(
            SqliteStore::connect_with(url, pool.max_connections, pool.acquire_timeout)
                .await
                .context("Failed to open the SQLite database")?,
        );
        store
            .migrate()
            .await
            .context("Failed to migrate the SQLite database")?;
        let closer = Arc::new(store.pool().clone());
        let cache = Arc::new(session_cache::SessionCache::new());
        tokio::spawn(session_cache::sqlite_poll::run(
            store.pool().clone(),
            cache.clone(),
        ));
        Ok(Storage::on(store, closer, cache))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = Arc::new(
            PostgresStore::connect_with(url, pool.max_connections, pool.acquire_timeout)
                .await
                .context("Failed to connect to PostgreSQL")?,
        );
        store
            .migrate()
            .await
            .context("Failed to migrate the PostgreSQL database")?;
        let closer = Arc::new(store.pool().clone());
        let cache = Arc::new(session_cache::SessionCache::new());
        tokio::spawn(session_cache::pg_listen::run(
            store.pool().clone(),
            cache.clone(),
        ));
        Ok(Storage::on(store, closer, cache))
    } else {
        bail!("database.url must start with sqlite: or postgres:")
    }
}
