//! The `AppCodeStore` part of the storage conformance suite: a one-time
//! code is taken once, exactly as stored, only before it expires, by any
//! instance, and by exactly one of concurrent takers; the same on SQLite
//! and PostgreSQL.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use nextarget_adapters::storage::Storage;
use nextarget_ports::{AppCodeRecord, Email, NewUser, Provider, StoreError, UserId};
use uuid::Uuid;

use crate::db::{test_database, Backend};
use crate::on_every_backend;

on_every_backend!(
    a_code_is_taken_once_exactly_as_stored,
    an_expired_code_is_gone_and_purged,
    a_code_stored_by_one_instance_is_taken_by_another,
    concurrent_takes_of_one_code_let_exactly_one_win,
    a_code_is_unique,
    a_deleted_users_codes_go_with_it,
);

async fn user(s: &Storage, t0: DateTime<Utc>) -> UserId {
    let sub = Uuid::new_v4().simple().to_string();
    let user = NewUser {
        id: Uuid::now_v7(),
        email: Email::parse(&format!("c-{sub}@example.com")).expect("email"),
        provider: Provider::Google,
        provider_subject: Some(sub),
        password_hash: None,
        created_at: t0,
    };
    s.users.create(&user).await.expect("user");
    user.id
}

fn code(hash: &str, user_id: UserId, expires_at: DateTime<Utc>) -> AppCodeRecord {
    AppCodeRecord {
        code_hash: hash.into(),
        user_id,
        new_user: true,
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        expires_at,
    }
}

async fn a_code_is_taken_once_exactly_as_stored(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let id = user(&s, now).await;
    for (hash, new_user) in [("h-1", true), ("h-2", false)] {
        let stored = AppCodeRecord {
            new_user,
            ..code(hash, id, now + Duration::seconds(60))
        };
        s.app_codes.put(&stored, now).await.expect("put");
        assert_eq!(
            s.app_codes.take(hash, now).await.expect("take"),
            Some(stored)
        );
        assert_eq!(s.app_codes.take(hash, now).await.expect("replay"), None);
    }
    assert_eq!(s.app_codes.take("never", now).await.expect("unknown"), None);
}

async fn an_expired_code_is_gone_and_purged(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let id = user(&s, now).await;
    let expiry = now + Duration::seconds(60);
    s.app_codes
        .put(&code("h-late", id, expiry), now)
        .await
        .expect("put");
    // At its expiry exactly, it is gone (and spent: not back a moment earlier).
    assert_eq!(
        s.app_codes.take("h-late", expiry).await.expect("take"),
        None
    );
    assert_eq!(s.app_codes.take("h-late", now).await.expect("take"), None);
    // Expired rows are purged by the next put too.
    s.app_codes
        .put(&code("h-a", id, now + Duration::seconds(1)), now)
        .await
        .expect("put");
    s.app_codes
        .put(&code("h-b", id, expiry + Duration::seconds(60)), expiry)
        .await
        .expect("put");
    assert_eq!(s.app_codes.take("h-a", now).await.expect("take"), None);
    assert!(s
        .app_codes
        .take("h-b", expiry)
        .await
        .expect("take")
        .is_some());
}

async fn a_code_stored_by_one_instance_is_taken_by_another(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let (one, two) = (db.storage().await, db.storage().await);
    let now = Utc::now().trunc_subsecs(6);
    let id = user(&one, now).await;
    one.app_codes
        .put(&code("h-x", id, now + Duration::seconds(60)), now)
        .await
        .expect("put");
    assert!(two
        .app_codes
        .take("h-x", now)
        .await
        .expect("take")
        .is_some());
    assert!(one
        .app_codes
        .take("h-x", now)
        .await
        .expect("take")
        .is_none());
}

async fn concurrent_takes_of_one_code_let_exactly_one_win(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let id = user(&s, now).await;
    s.app_codes
        .put(&code("h-race", id, now + Duration::seconds(60)), now)
        .await
        .expect("put");
    let takes = join_all((0..8).map(|_| s.app_codes.take("h-race", now))).await;
    let won = takes.iter().filter(|t| matches!(t, Ok(Some(_)))).count();
    assert_eq!(won, 1, "{takes:?}");
}

async fn a_code_is_unique(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let id = user(&s, now).await;
    let c = code("h-dup", id, now + Duration::seconds(60));
    s.app_codes.put(&c, now).await.expect("put");
    let dup = s.app_codes.put(&c, now).await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
}

async fn a_deleted_users_codes_go_with_it(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let (gone, kept) = (user(&s, now).await, user(&s, now).await);
    let expiry = now + Duration::seconds(60);
    s.app_codes
        .put(&code("h-gone", gone, expiry), now)
        .await
        .expect("put");
    s.app_codes
        .put(&code("h-kept", kept, expiry), now)
        .await
        .expect("put");
    assert!(s.users.delete(gone).await.expect("delete"));
    assert_eq!(s.app_codes.take("h-gone", now).await.expect("take"), None);
    assert!(s
        .app_codes
        .take("h-kept", now)
        .await
        .expect("take")
        .is_some());
}
