//! History retention (`history.retention_days`): a background task deletes
//! the interactions older than the retention, a small batch at a time.
//!
//! Guarantees: only rows whose `created_at` is before `now - retention_days`
//! go; each batch is one short transaction of at most `batch_size` rows
//! (the store bounds its time: PostgreSQL cancels a batch after 5 s), with
//! a pause between batches so other writers get their turn; on PostgreSQL
//! the batches of two instances never run at once (an instance that finds
//! another's batch under way ends its run). A failure ends the run, logged;
//! the next run starts over.

use std::{sync::Arc, time::Duration};

use nextarget_ports::{Clock, InteractionRepository, Metrics};

/// Between two batches of one run.
const BATCH_PAUSE: Duration = Duration::from_millis(50);

/// Tunables from `history.*`.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    /// Days a row is kept (at least 1: the task is not started for 0).
    pub retention_days: u32,
    pub batch_size: u32,
    /// From the end of one run to the start of the next.
    pub interval: Duration,
}

pub struct RetentionWorker {
    history: Arc<dyn InteractionRepository>,
    clock: Arc<dyn Clock>,
    metrics: Arc<dyn Metrics>,
    policy: RetentionPolicy,
}

impl RetentionWorker {
    pub fn new(
        history: Arc<dyn InteractionRepository>,
        clock: Arc<dyn Clock>,
        metrics: Arc<dyn Metrics>,
        policy: RetentionPolicy,
    ) -> Self {
        Self {
            history,
            clock,
            metrics,
            policy,
        }
    }

    /// One run: batches until fewer than a batch of expired rows is left,
    /// another instance is deleting, or the store fails. Returns the rows
    /// deleted.
    pub async fn run_once(&self) -> u64 {
        let cutoff =
            self.clock.now() - chrono::Duration::days(i64::from(self.policy.retention_days));
        let batch = self.policy.batch_size.max(1);
        let mut total = 0;
        loop {
            match self.history.delete_expired(cutoff, batch).await {
                Ok(Some(deleted)) => {
                    if deleted > 0 {
                        self.metrics.history_deleted(deleted);
                    }
                    total += deleted;
                    if deleted < u64::from(batch) {
                        break;
                    }
                    tokio::time::sleep(BATCH_PAUSE).await;
                }
                Ok(None) => {
                    tracing::debug!("another instance is deleting expired history");
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "history retention batch failed; retried next run");
                    break;
                }
            }
        }
        if total > 0 {
            tracing::info!(rows = total, %cutoff, "expired history deleted");
        }
        total
    }

    /// Runs now, then every `interval`, for as long as the process lives.
    pub async fn run(self) {
        loop {
            self.run_once().await;
            tokio::time::sleep(self.policy.interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{TimeZone, Utc};
    use nextarget_ports::{
        mocks::{MockClock, MockInteractionRepository, MockMetrics},
        StoreError,
    };

    use super::*;

    fn worker(history: MockInteractionRepository, metrics: MockMetrics) -> RetentionWorker {
        let mut clock = MockClock::new();
        clock
            .expect_now()
            .returning(|| Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap());
        RetentionWorker::new(
            Arc::new(history),
            Arc::new(clock),
            Arc::new(metrics),
            RetentionPolicy {
                retention_days: 30,
                batch_size: 2,
                interval: Duration::from_secs(3600),
            },
        )
    }

    #[tokio::test(start_paused = true)]
    async fn batches_run_until_one_comes_back_short_each_counted() {
        let mut history = MockInteractionRepository::new();
        let answers = Mutex::new(vec![1, 2, 2]);
        history
            .expect_delete_expired()
            .withf(|cutoff, batch| {
                *cutoff == Utc.with_ymd_and_hms(2026, 10, 31, 12, 0, 0).unwrap() && *batch == 2
            })
            .times(3)
            .returning(move |_, _| Ok(answers.lock().unwrap().pop()));
        let mut metrics = MockMetrics::new();
        let counted = Arc::new(Mutex::new(Vec::new()));
        let seen = counted.clone();
        metrics
            .expect_history_deleted()
            .returning(move |rows| seen.lock().unwrap().push(rows));
        assert_eq!(worker(history, metrics).run_once().await, 5);
        assert_eq!(*counted.lock().unwrap(), [2, 2, 1]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_ends_when_another_instance_is_deleting_or_the_store_fails() {
        let mut history = MockInteractionRepository::new();
        history
            .expect_delete_expired()
            .times(1)
            .returning(|_, _| Ok(None));
        assert_eq!(worker(history, MockMetrics::new()).run_once().await, 0);
        let mut history = MockInteractionRepository::new();
        history
            .expect_delete_expired()
            .times(1)
            .returning(|_, _| Err(StoreError::Unavailable(anyhow::anyhow!("down"))));
        assert_eq!(worker(history, MockMetrics::new()).run_once().await, 0);
    }
}
