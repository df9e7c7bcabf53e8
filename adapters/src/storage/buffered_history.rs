//! `BufferedHistory`: an `InteractionRepository` decorator that keeps a
//! history write the store refused, so the caller still gets the answer it
//! paid for while the database is down.
//!
//! `append` tries the inner store, retries once, then puts the row in a
//! bounded queue and answers `Ok`: a background task writes the queue in
//! order as soon as the store answers again (retrying every
//! [`RETRY_EVERY`]). No row is lost unless the queue overflows (then each
//! dropped row is logged as an error). Reads pass through. Graceful
//! shutdown waits for [`BufferedHistory::drained`], within its grace.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nextarget_ports::{Interaction, InteractionRepository, StoreError, UserId};
use tokio::sync::Notify;
use uuid::Uuid;

/// Rows kept at most while the database is down (a few MB): past that the
/// oldest are dropped rather than letting memory grow without bound.
pub const CAPACITY: usize = 10_000;
/// How often the drainer retries while rows are waiting.
pub const RETRY_EVERY: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Queue {
    rows: VecDeque<Interaction>,
    draining: bool,
}

#[derive(Default)]
struct Pending {
    queue: Mutex<Queue>,
    /// Woken when the drainer stops (the queue is empty).
    idle: Notify,
}

impl Pending {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Only plain data inside: a panic elsewhere leaves it usable.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a row; answers `true` when the caller must start a drainer
    /// (none is running).
    fn push(&self, row: Interaction) -> bool {
        let mut queue = self.lock();
        if queue.rows.len() >= CAPACITY {
            if let Some(dropped) = queue.rows.pop_front() {
                tracing::error!(interaction_id = %dropped.id, user_id = %dropped.user_id,
                    "history write lost: the pending queue is full");
            }
        }
        queue.rows.push_back(row);
        let start = !queue.draining;
        queue.draining = true;
        start
    }

    /// Writes the queued rows in order until the queue is empty.
    async fn drain(&self, inner: &dyn InteractionRepository) {
        loop {
            let next = {
                let mut queue = self.lock();
                match queue.rows.front() {
                    Some(row) => row.clone(),
                    None => {
                        queue.draining = false;
                        drop(queue);
                        self.idle.notify_waiters();
                        return;
                    }
                }
            };
            match inner.append(&next).await {
                Ok(()) | Err(StoreError::Duplicate(_)) => {
                    let mut queue = self.lock();
                    if queue.rows.front().is_some_and(|row| row.id == next.id) {
                        queue.rows.pop_front();
                    }
                    tracing::info!(interaction_id = %next.id, "deferred history write done");
                }
                Err(_) => tokio::time::sleep(RETRY_EVERY).await,
            }
        }
    }
}

pub struct BufferedHistory {
    inner: Arc<dyn InteractionRepository>,
    pending: Arc<Pending>,
}

impl BufferedHistory {
    pub fn new(inner: Arc<dyn InteractionRepository>) -> Self {
        Self {
            inner,
            pending: Arc::default(),
        }
    }

    /// History rows waiting for the store.
    pub fn pending(&self) -> usize {
        self.pending.lock().rows.len()
    }

    /// Returns once every queued row is written (at once when none waits).
    /// Shutdown bounds it with its grace.
    pub async fn drained(&self) {
        loop {
            // Registered before the check: a wake-up in between is not lost.
            let idle = self.pending.idle.notified();
            if !self.pending.lock().draining {
                return;
            }
            idle.await;
        }
    }
}

#[async_trait]
impl InteractionRepository for BufferedHistory {
    /// Never fails: a row the store refuses twice is queued (see the module).
    async fn append(&self, interaction: &Interaction) -> Result<(), StoreError> {
        let Err(first) = self.inner.append(interaction).await else {
            return Ok(());
        };
        tracing::warn!(error = %first, interaction_id = %interaction.id, "history write failed; retrying once");
        let Err(second) = self.inner.append(interaction).await else {
            return Ok(());
        };
        tracing::error!(
            error = %second,
            interaction_id = %interaction.id,
            user_id = %interaction.user_id,
            "history write failed twice; deferred until the database answers"
        );
        if self.pending.push(interaction.clone()) {
            let pending = self.pending.clone();
            let inner = self.inner.clone();
            tokio::spawn(async move { pending.drain(inner.as_ref()).await });
        }
        Ok(())
    }

    async fn list_for_user(
        &self,
        user_id: UserId,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Interaction>, StoreError> {
        self.inner.list_for_user(user_id, before, limit).await
    }

    async fn delete_expired(
        &self,
        cutoff: DateTime<Utc>,
        batch: u32,
    ) -> Result<Option<u64>, StoreError> {
        self.inner.delete_expired(cutoff, batch).await
    }
}

#[cfg(test)]
#[path = "buffered_history_tests.rs"]
pub(crate) mod tests;
