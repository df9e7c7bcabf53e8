//! GroupCommit's tests: grouping, and its writer kept and given back.

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

    async fn delete_expired(&self, _: DateTime<Utc>, _: u32) -> Result<Option<u64>, StoreError> {
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

/// A writer recording what the committer asks of it.
struct Recording(Arc<Mutex<Vec<&'static str>>>);

#[async_trait]
impl GroupWriter for Recording {
    async fn write(&mut self, _: &[Interaction]) -> Result<(), StoreError> {
        self.0.lock().expect("lock").push("write");
        Ok(())
    }

    fn release(&mut self) {
        self.0.lock().expect("lock").push("release");
    }
}

#[tokio::test]
async fn the_writer_is_kept_while_rows_come_and_given_back_once_they_stop() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::new(Slow {
        release: Notify::new(),
        commits: Mutex::new(Vec::new()),
    });
    let group = GroupCommit::with_writer(store, Box::new(Recording(events.clone())));
    group.append(&row()).await.expect("first");
    group.append(&row()).await.expect("second");
    assert_eq!(*events.lock().expect("lock"), ["write", "write"]);
    tokio::time::sleep(HOLD_IDLE + std::time::Duration::from_millis(150)).await;
    group.append(&row()).await.expect("third");
    assert_eq!(
        *events.lock().expect("lock"),
        ["write", "write", "release", "write"]
    );
}
