//! The PostgreSQL channel: `LISTEN` on [`super::PG_CHANNEL`] through a
//! connection of its own; each notification drops what it names. A lost
//! connection turns the cache off until a new `LISTEN` succeeds (retried
//! every half second); then it starts empty.

use std::{sync::Arc, time::Duration};

use sqlx::{postgres::PgListener, PgPool};

use super::{parse_payload, SessionCache, PG_CHANNEL};

const RETRY: Duration = Duration::from_millis(500);

/// Listens until the pool closes.
pub async fn run(pool: PgPool, cache: Arc<SessionCache>) {
    while !pool.is_closed() {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                cache.set_live(true);
                loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => match parse_payload(notification.payload()) {
                            Some((user, session)) => cache.invalidate(user, session),
                            None => tracing::warn!("unreadable session invalidation ignored"),
                        },
                        Ok(None) => {
                            tracing::warn!("session invalidation channel lost");
                            break;
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "session invalidation channel failed");
                            break;
                        }
                    }
                }
                cache.set_live(false);
            }
            Err(err) => {
                cache.set_live(false);
                tracing::debug!(error = %err, "cannot LISTEN for session invalidations yet");
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(PG_CHANNEL).await?;
    Ok(listener)
}
