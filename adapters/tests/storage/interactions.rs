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
