//! History rows whose write failed twice (the database is down): kept in a
//! bounded queue and written by a background task once the database answers
//! again. The caller still gets the answer it paid for, and no row is lost
//! unless the queue overflows (then each dropped row is logged as an error).
//! Shutdown waits for the queue to drain, within the grace period.

use std::{collections::VecDeque, sync::Mutex, time::Duration};

use nextarget_ports::{Interaction, InteractionRepository};

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
pub(crate) struct PendingWrites {
    queue: Mutex<Queue>,
}

impl PendingWrites {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // Only plain data inside: a panic elsewhere leaves it usable.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a row; answers `true` when the caller must start a drainer
    /// (none is running).
    pub fn push(&self, row: Interaction) -> bool {
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

    pub fn len(&self) -> usize {
        self.lock().rows.len()
    }

    /// Writes the queued rows in order until the queue is empty; retries
    /// every [`RETRY_EVERY`] while the store refuses.
    pub async fn drain(&self, history: &dyn InteractionRepository) {
        loop {
            let next = {
                let mut queue = self.lock();
                match queue.rows.front() {
                    Some(row) => row.clone(),
                    None => {
                        queue.draining = false;
                        return;
                    }
                }
            };
            match history.append(&next).await {
                Ok(()) | Err(nextarget_ports::StoreError::Duplicate(_)) => {
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
