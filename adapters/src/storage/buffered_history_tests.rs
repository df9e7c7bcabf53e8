use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use nextarget_ports::{InteractionKind, InteractionStatus};

use super::*;

/// A store refusing its first `down_for` writes, then keeping every row.
#[derive(Default)]
struct Flaky {
    down_for: usize,
    calls: AtomicUsize,
    rows: Mutex<Vec<Interaction>>,
}

impl Flaky {
    fn down_for(writes: usize) -> Arc<Self> {
        Arc::new(Self {
            down_for: writes,
            ..Self::default()
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn stored(&self) -> Vec<Uuid> {
        let rows = self.rows.lock().expect("rows");
        rows.iter().map(|r| r.id).collect()
    }
}

#[async_trait]
impl InteractionRepository for Flaky {
    async fn append(&self, interaction: &Interaction) -> Result<(), StoreError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.down_for {
            return Err(StoreError::Unavailable(anyhow::anyhow!("down")));
        }
        self.rows.lock().expect("rows").push(interaction.clone());
        Ok(())
    }

    async fn list_for_user(
        &self,
        _user_id: UserId,
        _before: Option<Uuid>,
        _limit: u32,
    ) -> Result<Vec<Interaction>, StoreError> {
        Ok(self.rows.lock().expect("rows").clone())
    }

    async fn delete_expired(
        &self,
        cutoff: chrono::DateTime<Utc>,
        batch: u32,
    ) -> Result<Option<u64>, StoreError> {
        let mut rows = self.rows.lock().expect("rows");
        let before = rows.len();
        let mut left = batch;
        rows.retain(|r| {
            let expired = r.created_at < cutoff && left > 0;
            left -= u32::from(expired);
            !expired
        });
        Ok(Some(u64::try_from(before - rows.len()).expect("small")))
    }
}

/// A history row of a new user (also the group commit's tests' row).
pub(crate) fn row() -> Interaction {
    Interaction {
        id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
        kind: InteractionKind::Completion,
        model: "m".into(),
        prompt: "hi".into(),
        response: Some("ok".into()),
        status: InteractionStatus::Ok,
        error_code: None,
        latency_ms: 1,
        usage: None,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_write_failing_once_is_retried_at_once() {
    let inner = Flaky::down_for(1);
    let history = BufferedHistory::new(inner.clone());
    let r = row();
    history.append(&r).await.expect("acknowledged");
    assert_eq!(inner.calls(), 2);
    assert_eq!(inner.stored(), [r.id]);
    assert_eq!(history.pending(), 0);
}

#[tokio::test]
async fn a_write_failing_twice_is_acknowledged_queued_and_written_once_the_store_is_back() {
    // Down for the two inline attempts and the drainer's first, then back.
    let inner = Flaky::down_for(3);
    let history = BufferedHistory::new(inner.clone());
    let r = row();
    history
        .append(&r)
        .await
        .expect("the caller keeps its answer");
    assert_eq!(history.pending(), 1);
    tokio::time::timeout(Duration::from_secs(5), history.drained())
        .await
        .expect("drained");
    assert_eq!(history.pending(), 0, "written once the store is back");
    assert_eq!(inner.stored(), [r.id]);
    assert_eq!(inner.calls(), 4);
}

#[tokio::test]
async fn queued_rows_are_written_in_order() {
    let inner = Flaky::down_for(4);
    let history = BufferedHistory::new(inner.clone());
    let (a, b) = (row(), row());
    history.append(&a).await.expect("a");
    history.append(&b).await.expect("b");
    history.drained().await;
    assert_eq!(inner.stored(), [a.id, b.id]);
}

#[tokio::test]
async fn with_nothing_queued_drained_returns_at_once_and_reads_pass_through() {
    let inner = Flaky::down_for(0);
    let history = BufferedHistory::new(inner.clone());
    history.drained().await;
    let r = row();
    history.append(&r).await.expect("append");
    let listed = history.list_for_user(r.user_id, None, 10).await;
    assert_eq!(listed.expect("list"), [r]);
}

#[test]
fn a_full_queue_drops_its_oldest_row() {
    let pending = Pending::default();
    let first = row();
    assert!(
        pending.push(first.clone()),
        "the first row starts a drainer"
    );
    for _ in 1..CAPACITY {
        assert!(!pending.push(row()), "one drainer at a time");
    }
    let last = row();
    pending.push(last.clone());
    let queue = pending.lock();
    assert_eq!(queue.rows.len(), CAPACITY);
    assert_ne!(queue.rows.front().map(|r| r.id), Some(first.id));
    assert_eq!(queue.rows.back().map(|r| r.id), Some(last.id));
}

#[tokio::test]
async fn retention_goes_through_to_the_store() {
    let store = Flaky::down_for(0);
    let history = BufferedHistory::new(store.clone());
    let old = Interaction {
        created_at: Utc::now() - chrono::Duration::days(2),
        ..row()
    };
    history.append(&old).await.expect("append");
    history.append(&row()).await.expect("append");
    let cutoff = Utc::now() - chrono::Duration::days(1);
    assert_eq!(
        history.delete_expired(cutoff, 10).await.expect("delete"),
        Some(1)
    );
    assert_eq!(store.stored().len(), 1);
}
