//! The `PasswordResetStore` part of the storage conformance suite: a token
//! is found and spent once, before it expires, and a newer one supersedes
//! it; the same on SQLite and PostgreSQL.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use nextarget_ports::{Email, NewResetToken, NewUser, PasswordHash, Provider, UserId};
use uuid::Uuid;

use crate::db::{test_database, Backend};
use crate::on_every_backend;

on_every_backend!(
    a_token_is_found_then_spent_once_and_only_before_it_expires,
    a_newer_token_supersedes_the_older_ones,
    concurrent_takes_of_one_token_spend_it_once,
);

async fn user(s: &nextarget_adapters::storage::Storage, t0: DateTime<Utc>) -> UserId {
    let user = NewUser {
        id: Uuid::now_v7(),
        email: Email::parse(&format!("r-{}@example.com", Uuid::new_v4().simple())).expect("email"),
        provider: Provider::Local,
        provider_subject: None,
        password_hash: Some(PasswordHash::new("$2b$04$x".into())),
        created_at: t0,
    };
    s.users.create(&user).await.expect("user");
    user.id
}

fn token(user_id: UserId, t0: DateTime<Utc>) -> NewResetToken {
    NewResetToken {
        user_id,
        token_hash: Uuid::new_v4().simple().to_string(),
        created_at: t0,
        expires_at: t0 + Duration::minutes(30),
    }
}

async fn a_token_is_found_then_spent_once_and_only_before_it_expires(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let t0 = Utc::now().trunc_subsecs(6);
    let id = user(&s, t0).await;
    let t = token(id, t0);
    s.reset_tokens.issue(&t).await.expect("issue");
    let store = &s.reset_tokens;
    assert_eq!(store.find(&t.token_hash, t0).await.expect("find"), Some(id));
    assert_eq!(store.find("unknown", t0).await.expect("find"), None);
    let late = t0 + Duration::minutes(30);
    assert_eq!(
        store.find(&t.token_hash, late).await.expect("find"),
        None,
        "expired"
    );
    assert_eq!(
        store.take(&t.token_hash, late).await.expect("take"),
        None,
        "expired"
    );
    assert_eq!(store.take(&t.token_hash, t0).await.expect("take"), Some(id));
    assert_eq!(
        store.take(&t.token_hash, t0).await.expect("take"),
        None,
        "spent"
    );
    assert_eq!(
        store.find(&t.token_hash, t0).await.expect("find"),
        None,
        "spent"
    );
}

async fn a_newer_token_supersedes_the_older_ones(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let t0 = Utc::now().trunc_subsecs(6);
    let id = user(&s, t0).await;
    let other = user(&s, t0).await;
    let (first, theirs) = (token(id, t0), token(other, t0));
    s.reset_tokens.issue(&first).await.expect("issue");
    s.reset_tokens.issue(&theirs).await.expect("issue");
    let second = token(id, t0 + Duration::seconds(1));
    s.reset_tokens.issue(&second).await.expect("issue");
    let now = t0 + Duration::seconds(2);
    assert_eq!(
        s.reset_tokens
            .take(&first.token_hash, now)
            .await
            .expect("take"),
        None
    );
    assert_eq!(
        s.reset_tokens
            .take(&theirs.token_hash, now)
            .await
            .expect("take"),
        Some(other)
    );
    assert_eq!(
        s.reset_tokens
            .take(&second.token_hash, now)
            .await
            .expect("take"),
        Some(id)
    );
}

async fn concurrent_takes_of_one_token_spend_it_once(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let t0 = Utc::now().trunc_subsecs(6);
    let id = user(&s, t0).await;
    let t = token(id, t0);
    s.reset_tokens.issue(&t).await.expect("issue");
    let takes = (0..8).map(|_| s.reset_tokens.take(&t.token_hash, t0));
    let won = join_all(takes)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Some(_))))
        .count();
    assert_eq!(won, 1);
}
