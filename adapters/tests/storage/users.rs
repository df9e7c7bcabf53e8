//! One conformance suite for every storage adapter: the same behaviour on
//! SQLite and PostgreSQL.

use chrono::{Duration, SubsecRound, Utc};
use futures::future::join_all;
use nextarget_adapters::storage::Storage;
use nextarget_ports::{
    ClientInfo, Email, NewRefreshToken, NewUser, PasswordHash, Provider, StoreError,
};
use uuid::Uuid;

use crate::db::{test_database, Backend, TestDb};
use crate::on_every_backend;

async fn store(backend: Backend) -> Option<(Storage, TestDb)> {
    let db = test_database(backend).await?;
    let storage = db.storage().await;
    Some((storage, db))
}

fn new_user(email: &str, provider: Provider, subject: Option<&str>) -> NewUser {
    NewUser {
        id: Uuid::now_v7(),
        email: Email::parse(email).expect("email"),
        provider,
        provider_subject: subject.map(str::to_owned),
        password_hash: (provider == Provider::Local).then(|| PasswordHash::new("$2b$04$x".into())),
        created_at: Utc::now().trunc_subsecs(6),
    }
}

on_every_backend!(
    a_created_user_is_found_by_email_subject_and_id,
    one_account_per_email_and_provider,
    one_account_per_provider_subject,
    concurrent_creates_let_exactly_one_win,
    deleting_a_user_removes_their_refresh_tokens,
    ping_answers_while_the_database_is_up,
);

async fn a_created_user_is_found_by_email_subject_and_id(backend: Backend) {
    let Some((s, _db)) = store(backend).await else {
        return;
    };
    let user = new_user("gina@example.com", Provider::Google, Some("google-sub-1"));
    let created = s.users.create(&user).await.expect("created");
    assert_eq!(created.email, user.email);
    let by_email = s
        .users
        .find_by_email(&user.email, Provider::Google)
        .await
        .expect("query");
    assert_eq!(by_email.as_ref().map(|u| u.id), Some(user.id));
    assert_eq!(by_email.map(|u| u.created_at), Some(user.created_at));
    let by_subject = s
        .users
        .find_by_subject(Provider::Google, "google-sub-1")
        .await
        .expect("query");
    assert_eq!(by_subject.map(|u| u.id), Some(user.id));
    let by_id = s
        .users
        .find_by_id(user.id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(by_id.provider, Provider::Google);
    assert!(s
        .users
        .find_by_email(&user.email, Provider::Local)
        .await
        .expect("query")
        .is_none());
    assert!(s
        .users
        .find_by_id(Uuid::now_v7())
        .await
        .expect("query")
        .is_none());
}

async fn one_account_per_email_and_provider(backend: Backend) {
    let Some((s, _db)) = store(backend).await else {
        return;
    };
    s.users
        .create(&new_user("hal@example.com", Provider::Local, None))
        .await
        .expect("first");
    let dup = s
        .users
        .create(&new_user("hal@example.com", Provider::Local, None))
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
    // The same email with another provider is another user.
    s.users
        .create(&new_user(
            "hal@example.com",
            Provider::Google,
            Some("g-hal"),
        ))
        .await
        .expect("google account");
}

async fn one_account_per_provider_subject(backend: Backend) {
    let Some((s, _db)) = store(backend).await else {
        return;
    };
    s.users
        .create(&new_user(
            "ivy@example.com",
            Provider::Facebook,
            Some("fb-1"),
        ))
        .await
        .expect("first");
    let dup = s
        .users
        .create(&new_user(
            "ivy2@example.com",
            Provider::Facebook,
            Some("fb-1"),
        ))
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
}

async fn concurrent_creates_let_exactly_one_win(backend: Backend) {
    let Some((s, _db)) = store(backend).await else {
        return;
    };
    let attempts: Vec<NewUser> = (0..10)
        .map(|_| new_user("jay@example.com", Provider::Local, None))
        .collect();
    let results = join_all(attempts.iter().map(|u| s.users.create(u))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .filter(|r| r.is_err())
        .all(|r| matches!(r, Err(StoreError::Duplicate(_)))));
}

async fn deleting_a_user_removes_their_refresh_tokens(backend: Backend) {
    let Some((s, _db)) = store(backend).await else {
        return;
    };
    let user = new_user("kim@example.com", Provider::Local, None);
    s.users.create(&user).await.expect("created");
    let now = Utc::now().trunc_subsecs(6);
    let token = NewRefreshToken {
        id: Uuid::now_v7(),
        user_id: user.id,
        family_id: Uuid::now_v7(),
        token_hash: "ab".repeat(32),
        created_at: now,
        expires_at: now + Duration::days(30),
        client: ClientInfo::default(),
    };
    s.refresh_tokens.insert(&token).await.expect("token stored");
    let dup = s
        .refresh_tokens
        .insert(&NewRefreshToken {
            id: Uuid::now_v7(),
            family_id: Uuid::now_v7(),
            ..token.clone()
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
    let stored = async |hash: &str| s.refresh_tokens.find(hash).await.expect("find").is_some();
    assert!(stored(&token.token_hash).await);
    assert!(s.users.delete(user.id).await.expect("deleted"));
    assert!(!s.users.delete(user.id).await.expect("second delete"));
    // The token row went with its user: its hash is unknown and free again,
    // for another user's token.
    assert!(!stored(&token.token_hash).await);
    let other = new_user("kim@example.com", Provider::Local, None);
    s.users.create(&other).await.expect("recreated");
    s.refresh_tokens
        .insert(&NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: other.id,
            ..token.clone()
        })
        .await
        .expect("the same hash for a new user");
    // And no token can name the deleted user any more.
    let orphan = NewRefreshToken {
        id: Uuid::now_v7(),
        token_hash: "cd".repeat(32),
        ..token
    };
    assert!(
        s.refresh_tokens.insert(&orphan).await.is_err(),
        "old user id is gone"
    );
}

async fn ping_answers_while_the_database_is_up(backend: Backend) {
    let Some((s, _db)) = store(backend).await else {
        return;
    };
    s.users.ping().await.expect("ping");
    s.closer.close().await;
    assert!(matches!(
        s.users.ping().await,
        Err(StoreError::Unavailable(_))
    ));
}
