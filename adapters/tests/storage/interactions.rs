//! The `InteractionRepository` part of the storage conformance suite.

use chrono::{SubsecRound, Utc};
use nextarget_adapters::storage::Storage;
use nextarget_ports::{
    Email, Interaction, InteractionKind, InteractionStatus, NewUser, Provider, Usage, UserId,
};
use uuid::Uuid;

use crate::db::{test_database, Backend, TestDb};
use crate::on_every_backend;

async fn store_with_user(backend: Backend) -> Option<(Storage, TestDb, UserId)> {
    let db = test_database(backend).await?;
    let s = db.storage().await;
    let id = Uuid::now_v7();
    let user = NewUser {
        id,
        email: Email::parse(&format!("{}@example.com", id.simple())).expect("email"),
        provider: Provider::Local,
        provider_subject: None,
        password_hash: None,
        created_at: Utc::now().trunc_subsecs(6),
    };
    s.users.create(&user).await.expect("user");
    Some((s, db, id))
}

fn interaction(user_id: UserId, prompt: &str, status: InteractionStatus) -> Interaction {
    Interaction {
        id: Uuid::now_v7(),
        user_id,
        kind: InteractionKind::Completion,
        model: "m".into(),
        prompt: prompt.into(),
        response: (status != InteractionStatus::Error).then(|| format!("answer to {prompt}")),
        status,
        error_code: (status == InteractionStatus::Error).then(|| "upstream_error".into()),
        latency_ms: 42,
        usage: (status == InteractionStatus::Ok).then_some(Usage {
            prompt_tokens: 1,
            completion_tokens: 2,
            total_tokens: 3,
        }),
        created_at: Utc::now().trunc_subsecs(6),
    }
}

on_every_backend!(
    an_appended_interaction_reads_back_identical,
    pages_are_newest_first_below_the_cursor,
    a_user_sees_only_their_own_rows,
    rows_appended_together_are_stored_all_or_none,
    concurrent_appends_through_group_commit_are_all_stored,
    retention_deletes_only_rows_older_than_the_cutoff_oldest_first_a_batch_at_a_time,
);

async fn an_appended_interaction_reads_back_identical(backend: Backend) {
    let Some((s, _db, user)) = store_with_user(backend).await else {
        return;
    };
    let rows = [
        interaction(user, "a", InteractionStatus::Ok),
        interaction(user, "b", InteractionStatus::Error),
        Interaction {
            kind: InteractionKind::Coach,
            ..interaction(user, "c", InteractionStatus::Cancelled)
        },
    ];
    for row in &rows {
        s.interactions.append(row).await.expect("append");
    }
    let mut read = s
        .interactions
        .list_for_user(user, None, 10)
        .await
        .expect("list");
    read.reverse();
    assert_eq!(read, rows);
}

async fn pages_are_newest_first_below_the_cursor(backend: Backend) {
    let Some((s, _db, user)) = store_with_user(backend).await else {
        return;
    };
    let mut ids = Vec::new();
    for n in 0..5 {
        let row = interaction(user, &format!("p{n}"), InteractionStatus::Ok);
        ids.push(row.id);
        s.interactions.append(&row).await.expect("append");
    }
    let first = s
        .interactions
        .list_for_user(user, None, 2)
        .await
        .expect("page");
    assert_eq!(
        first.iter().map(|i| i.id).collect::<Vec<_>>(),
        [ids[4], ids[3]]
    );
    let second = s
        .interactions
        .list_for_user(user, Some(ids[3]), 2)
        .await
        .expect("page");
    assert_eq!(
        second.iter().map(|i| i.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    let last = s
        .interactions
        .list_for_user(user, Some(ids[1]), 2)
        .await
        .expect("page");
    assert_eq!(last.iter().map(|i| i.id).collect::<Vec<_>>(), [ids[0]]);
}

async fn a_user_sees_only_their_own_rows(backend: Backend) {
    let Some((s, _db, user)) = store_with_user(backend).await else {
        return;
    };
    s.interactions
        .append(&interaction(user, "mine", InteractionStatus::Ok))
        .await
        .expect("append");
    assert!(s
        .interactions
        .list_for_user(Uuid::now_v7(), None, 10)
        .await
        .expect("list")
        .is_empty());
    let orphan = interaction(Uuid::now_v7(), "nobody", InteractionStatus::Ok);
    assert!(
        s.interactions.append(&orphan).await.is_err(),
        "rows belong to an existing user"
    );
}

async fn retention_deletes_only_rows_older_than_the_cutoff_oldest_first_a_batch_at_a_time(
    backend: Backend,
) {
    let Some((s, _db, user)) = store_with_user(backend).await else {
        return;
    };
    let now = Utc::now().trunc_subsecs(6);
    let days_ago = |days: i64| Interaction {
        created_at: now - chrono::Duration::days(days),
        ..interaction(user, &format!("{days} days ago"), InteractionStatus::Ok)
    };
    // Appended out of age order: the batches go by age, not by id.
    let rows = [
        days_ago(8),
        days_ago(10),
        days_ago(1),
        days_ago(9),
        days_ago(0),
    ];
    for row in &rows {
        s.interactions.append(row).await.expect("append");
    }
    let cutoff = now - chrono::Duration::days(5);
    let prompts = || async {
        let mut left: Vec<String> = s
            .interactions
            .list_for_user(user, None, 10)
            .await
            .expect("list")
            .into_iter()
            .map(|i| i.prompt)
            .collect();
        left.sort();
        left
    };
    let delete = || s.interactions.delete_expired(cutoff, 2);
    assert_eq!(delete().await.expect("batch"), Some(2));
    assert_eq!(
        prompts().await,
        ["0 days ago", "1 days ago", "8 days ago"],
        "the two oldest went first"
    );
    assert_eq!(delete().await.expect("batch"), Some(1));
    assert_eq!(delete().await.expect("batch"), Some(0));
    assert_eq!(prompts().await, ["0 days ago", "1 days ago"]);
}

/// The advisory lock key of retention batches (`RETENTION_LOCK_KEY`).
const RETENTION_LOCK_KEY: i64 = 0x006e_7874_5f72_746e;

#[tokio::test]
async fn on_postgres_a_batch_is_skipped_while_another_instance_holds_the_retention_lock() {
    let Some((s, db, user)) = store_with_user(Backend::Postgres).await else {
        return;
    };
    let old = Interaction {
        created_at: Utc::now().trunc_subsecs(6) - chrono::Duration::days(10),
        ..interaction(user, "old", InteractionStatus::Ok)
    };
    s.interactions.append(&old).await.expect("append");
    let cutoff = Utc::now() - chrono::Duration::days(5);
    let other = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let mut held = other.begin().await.expect("begin");
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(RETENTION_LOCK_KEY)
        .execute(&mut *held)
        .await
        .expect("lock");
    assert_eq!(
        s.interactions
            .delete_expired(cutoff, 10)
            .await
            .expect("batch"),
        None,
        "another instance is deleting"
    );
    held.rollback().await.expect("release");
    assert_eq!(
        s.interactions
            .delete_expired(cutoff, 10)
            .await
            .expect("batch"),
        Some(1)
    );
}

async fn rows_appended_together_are_stored_all_or_none(backend: Backend) {
    let Some((s, _db, user)) = store_with_user(backend).await else {
        return;
    };
    let rows: Vec<Interaction> = ["a", "b", "c"]
        .iter()
        .map(|p| interaction(user, p, InteractionStatus::Ok))
        .collect();
    s.interactions.append_many(&rows).await.expect("stored");
    let listed = s
        .interactions
        .list_for_user(user, None, 10)
        .await
        .expect("list");
    assert_eq!(listed.len(), 3);
    // A group with a duplicate id stores none of its rows.
    let fresh = interaction(user, "d", InteractionStatus::Ok);
    let group = [fresh.clone(), rows[0].clone()];
    let refused = s.interactions.append_many(&group).await;
    assert!(
        matches!(refused, Err(nextarget_ports::StoreError::Duplicate(_))),
        "{refused:?}"
    );
    let listed = s
        .interactions
        .list_for_user(user, None, 10)
        .await
        .expect("list");
    assert_eq!(listed.len(), 3, "all or none");
}

async fn concurrent_appends_through_group_commit_are_all_stored(backend: Backend) {
    let Some((s, _db, user)) = store_with_user(backend).await else {
        return;
    };
    let rows: Vec<Interaction> = (0..40)
        .map(|n| interaction(user, &format!("p{n}"), InteractionStatus::Ok))
        .collect();
    let dup = rows[0].clone();
    let mut appends: Vec<_> = rows.iter().map(|r| s.interactions.append(r)).collect();
    // One bad row among them fails alone.
    appends.push(s.interactions.append(&dup));
    let results = futures::future::join_all(appends).await;
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 1, "{results:?}");
    let listed = s
        .interactions
        .list_for_user(user, None, 100)
        .await
        .expect("list");
    assert_eq!(listed.len(), 40);
}
