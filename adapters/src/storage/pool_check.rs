//! When a pooled connection is checked before use. sqlx pings every
//! connection it hands out (`test_before_acquire`, on by default): one more
//! round trip to PostgreSQL, one more hop to SQLite's connection thread,
//! before every query; and it pings it again when it comes back. A
//! connection that was handed back a moment ago (and pinged then) is
//! checked again only once it has been idle [`PING_AFTER_IDLE`]: the bypass
//! window of HikariCP's `aliveBypassWindowMs`. A connection that died in
//! between fails its query, which the caller sees as `Unavailable` (the
//! history decorators retry it).

use std::time::Duration;

use sqlx::{pool::PoolOptions, Connection, Database};

/// How long a connection may sit idle before it is pinged on acquire.
pub const PING_AFTER_IDLE: Duration = Duration::from_millis(500);

/// `options`, pinging a connection on acquire only after [`PING_AFTER_IDLE`].
pub(super) fn ping_when_idle<DB: Database>(options: PoolOptions<DB>) -> PoolOptions<DB> {
    options
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}
