//! `GroupCommit`: an `InteractionRepository` decorator that commits history
//! rows in groups. A row that arrives while a commit is running waits for
//! the next one, with every other row that arrived meanwhile (up to
//! [`MAX_GROUP`]); each caller is answered after its own row's commit. An
//! idle store adds no wait (the committer takes the first row at once), a
//! busy one does one commit, one fsync, per group instead of per row.
//!
//! A group the store refuses is written again row by row, so each caller
//! gets its own row's answer (a duplicate id fails alone). Reads and
//! retention pass through.
//!
//! Traces: each caller's wait is a `history.append` span of its own
//! request's trace; a commit is a `history.group_commit` span of a trace of
//! its own, linked to every caller's span (follows-from).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nextarget_ports::{Interaction, InteractionRepository, StoreError, UserId};
use tokio::sync::{mpsc, oneshot};
use tracing::{Instrument, Span};
use uuid::Uuid;

/// The most rows one commit takes.
pub const MAX_GROUP: usize = 256;
/// Rows waiting for the committer at most; past it a caller waits to queue.
const QUEUE: usize = 4096;

type Ack = oneshot::Sender<Result<(), StoreError>>;
/// A row, its caller's answer, and its caller's span (to link the commit to).
type Queued = (Interaction, Ack, Span);

pub struct GroupCommit {
    inner: Arc<dyn InteractionRepository>,
    queue: mpsc::Sender<Queued>,
}

impl GroupCommit {
    /// The decorator, and its committer task on the current runtime.
    pub fn new(inner: Arc<dyn InteractionRepository>) -> Self {
        let (queue, rows) = mpsc::channel(QUEUE);
        tokio::spawn(commit_groups(inner.clone(), rows));
        Self { inner, queue }
    }
}

/// Takes whatever waits (at least one row), commits it, answers each.
async fn commit_groups(store: Arc<dyn InteractionRepository>, mut rows: mpsc::Receiver<Queued>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while rows.recv_many(&mut group, MAX_GROUP).await > 0 {
        let span =
            tracing::debug_span!(parent: None, "history.group_commit", db.rows = group.len());
        for (_, _, caller) in &group {
            span.follows_from(caller);
        }
        commit(store.as_ref(), &mut group).instrument(span).await;
    }
}

/// Commits `group` (emptied), answering each caller.
async fn commit(store: &dyn InteractionRepository, group: &mut Vec<Queued>) {
    let batch: Vec<Interaction> = group.iter().map(|(row, _, _)| row.clone()).collect();
    match store.append_many(&batch).await {
        Ok(()) => {
            for (_, ack, _) in group.drain(..) {
                // A caller that went away needs no answer.
                let _ = ack.send(Ok(()));
            }
        }
        Err(_) if group.len() > 1 => {
            // One bad row must not fail the others: each on its own.
            for (row, ack, _) in group.drain(..) {
                let _ = ack.send(store.append(&row).await);
            }
        }
        Err(err) => {
            // A group of one: its caller gets the store's answer.
            if let Some((_, ack, _)) = group.pop() {
                let _ = ack.send(Err(err));
            }
            group.clear();
        }
    }
}

#[async_trait]
impl InteractionRepository for GroupCommit {
    #[tracing::instrument(level = "debug", name = "history.append", skip_all, fields(db.operation = "interactions.append", db.group_commit = true))]
    async fn append(&self, interaction: &Interaction) -> Result<(), StoreError> {
        let (ack, answer) = oneshot::channel();
        let queued = (interaction.clone(), ack, Span::current());
        if self.queue.send(queued).await.is_err() {
            // The committer is gone (shutting down): write it directly.
            return self.inner.append(interaction).await;
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => self.inner.append(interaction).await,
        }
    }

    async fn append_many(&self, interactions: &[Interaction]) -> Result<(), StoreError> {
        self.inner.append_many(interactions).await
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
mod tests {
    use std::sync::Mutex;

    use tokio::sync::Notify;

    use super::*;
    use crate::storage::buffered_history::tests::row;

    /// A store whose first commit waits for `release`, recording each
    /// commit's size.
    struct Slow {
        release: Notify,
        commits: Mutex<Vec<usize>>,
    }

    #[async_trait]
    impl InteractionRepository for Slow {
        async fn append(&self, _: &Interaction) -> Result<(), StoreError> {
            self.append_many(&[]).await
        }

        async fn append_many(&self, rows: &[Interaction]) -> Result<(), StoreError> {
            let first = self.commits.lock().expect("lock").is_empty();
            if first {
                self.release.notified().await;
            }
            self.commits.lock().expect("lock").push(rows.len());
            Ok(())
        }

        async fn list_for_user(
            &self,
            _: UserId,
            _: Option<Uuid>,
            _: u32,
        ) -> Result<Vec<Interaction>, StoreError> {
            Ok(Vec::new())
        }

        async fn delete_expired(
            &self,
            _: DateTime<Utc>,
            _: u32,
        ) -> Result<Option<u64>, StoreError> {
            Ok(Some(0))
        }
    }

    #[tokio::test]
    async fn rows_that_arrive_during_a_commit_go_together_in_the_next() {
        let slow = Arc::new(Slow {
            release: Notify::new(),
            commits: Mutex::new(Vec::new()),
        });
        let group = Arc::new(GroupCommit::new(slow.clone()));
        // The first row's commit starts and holds.
        let first = tokio::spawn({
            let group = group.clone();
            async move { group.append(&row()).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!first.is_finished(), "held in its commit");
        // Ten more arrive meanwhile.
        let more: Vec<_> = (0..10)
            .map(|_| {
                let group = group.clone();
                tokio::spawn(async move { group.append(&row()).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        slow.release.notify_one();
        assert!(first.await.expect("task").is_ok());
        for task in more {
            assert!(
                task.await.expect("task").is_ok(),
                "each answered after its commit"
            );
        }
        assert_eq!(*slow.commits.lock().expect("lock"), vec![1, 10]);
    }
}
