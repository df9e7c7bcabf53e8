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
//! The committer writes through a [`GroupWriter`]: on the SQL stores, one
//! connection it keeps while rows keep coming, so a group costs its
//! `INSERT` alone; after [`HOLD_IDLE`] without a row it gives the
//! connection back (graceful shutdown's pool close waits for it).
//!
//! Traces: each caller's wait is a `history.append` span of its own
//! request's trace; a commit is a `history.group_commit` span of a trace of
//! its own, linked to every caller's span (follows-from).

use std::{sync::Arc, time::Duration};

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

/// How long the committer keeps its writer's connection without a row.
pub const HOLD_IDLE: Duration = Duration::from_millis(250);

type Ack = oneshot::Sender<Result<(), StoreError>>;
/// A row, its caller's answer, and its caller's span (to link the commit to).
type Queued = (Interaction, Ack, Span);

/// How the committer writes a group: all rows or none.
#[async_trait]
pub trait GroupWriter: Send {
    async fn write(&mut self, rows: &[Interaction]) -> Result<(), StoreError>;

    /// Gives back what the writer holds (nothing is written meanwhile).
    fn release(&mut self);
}

/// A store with a writer of its own for the committer.
pub trait HoldsWriter {
    fn group_writer(&self) -> Box<dyn GroupWriter>;
}

/// Writes each group through the store's `append_many`.
struct ThroughStore(Arc<dyn InteractionRepository>);

#[async_trait]
impl GroupWriter for ThroughStore {
    async fn write(&mut self, rows: &[Interaction]) -> Result<(), StoreError> {
        self.0.append_many(rows).await
    }

    fn release(&mut self) {}
}

pub struct GroupCommit {
    inner: Arc<dyn InteractionRepository>,
    queue: mpsc::Sender<Queued>,
}

impl GroupCommit {
    /// The decorator, committing through `inner.append_many`, and its
    /// committer task on the current runtime.
    pub fn new(inner: Arc<dyn InteractionRepository>) -> Self {
        let writer = Box::new(ThroughStore(inner.clone()));
        Self::with_writer(inner, writer)
    }

    /// The decorator, committing through `writer`.
    pub fn with_writer(
        inner: Arc<dyn InteractionRepository>,
        writer: Box<dyn GroupWriter>,
    ) -> Self {
        let (queue, rows) = mpsc::channel(QUEUE);
        tokio::spawn(commit_groups(inner.clone(), writer, rows));
        Self { inner, queue }
    }
}

/// Takes whatever waits (at least one row), commits it, answers each.
async fn commit_groups(
    store: Arc<dyn InteractionRepository>,
    mut writer: Box<dyn GroupWriter>,
    mut rows: mpsc::Receiver<Queued>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    loop {
        // `recv_many` is cancel safe: a timeout loses no row.
        let received =
            match tokio::time::timeout(HOLD_IDLE, rows.recv_many(&mut group, MAX_GROUP)).await {
                Ok(received) => received,
                Err(_) => {
                    writer.release();
                    rows.recv_many(&mut group, MAX_GROUP).await
                }
            };
        if received == 0 {
            break;
        }
        let span =
            tracing::debug_span!(parent: None, "history.group_commit", db.rows = group.len());
        for (_, _, caller) in &group {
            span.follows_from(caller);
        }
        commit(store.as_ref(), writer.as_mut(), &mut group)
            .instrument(span)
            .await;
    }
}

/// Commits `group` (emptied) through `writer`, answering each caller.
async fn commit(
    store: &dyn InteractionRepository,
    writer: &mut dyn GroupWriter,
    group: &mut Vec<Queued>,
) {
    let batch: Vec<Interaction> = group.iter().map(|(row, _, _)| row.clone()).collect();
    match writer.write(&batch).await {
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
#[path = "group_commit_tests.rs"]
mod tests;
