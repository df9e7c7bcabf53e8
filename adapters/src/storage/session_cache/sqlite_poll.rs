//! The SQLite channel: `session_invalidations`, a log written in the
//! transaction of each change, read by every process on the file every
//! 100 ms (one indexed query). A failed read turns the cache off until a
//! read succeeds again; rows older than ten minutes are deleted.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use sqlx::SqlitePool;
use uuid::Uuid;

use super::SessionCache;

const EVERY: Duration = Duration::from_millis(100);
const KEEP: chrono::Duration = chrono::Duration::minutes(10);
/// Polls between two deletions of old rows (about a minute).
const CLEAN_EVERY: u32 = 600;

/// Polls until the pool closes.
pub async fn run(pool: SqlitePool, cache: Arc<SessionCache>) {
    let mut last: Option<i64> = None;
    let mut polls = 0u32;
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !pool.is_closed() {
        tick.tick().await;
        let read = match last {
            None => sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM session_invalidations")
                .fetch_one(&pool)
                .await
                .map(|max: i64| {
                    last = Some(max);
                }),
            Some(seen) => read_since(&pool, &cache, seen).await.map(|max| {
                last = Some(max);
            }),
        };
        match read {
            Ok(()) if !cache.is_live() => cache.set_live(true),
            Ok(()) => {}
            Err(err) => {
                if cache.is_live() {
                    tracing::warn!(error = %err, "cannot read session invalidations");
                    cache.set_live(false);
                }
            }
        }
        polls = polls.wrapping_add(1);
        if polls.is_multiple_of(CLEAN_EVERY) {
            let old = Utc::now() - KEEP;
            let cleaned = sqlx::query("DELETE FROM session_invalidations WHERE at < $1")
                .bind(old)
                .execute(&pool)
                .await;
            if let Err(err) = cleaned {
                tracing::debug!(error = %err, "old session invalidations not deleted");
            }
        }
    }
}

/// Applies the rows after `seen`; the last seq read.
async fn read_since(
    pool: &SqlitePool,
    cache: &SessionCache,
    seen: i64,
) -> Result<i64, sqlx::Error> {
    let rows: Vec<(i64, Uuid, Option<Uuid>)> = sqlx::query_as(
        "SELECT seq, user_id, session_id FROM session_invalidations WHERE seq > $1 ORDER BY seq",
    )
    .bind(seen)
    .fetch_all(pool)
    .await?;
    let mut last = seen;
    for (seq, user, session) in rows {
        cache.invalidate(user, session);
        last = seq;
    }
    Ok(last)
}
