//! The sessions part of the storage conformance suite (a session is a
//! refresh-token family): opening, listing, touching on rotation, ending
//! one or many, the live check of `find_by_session`, and password updates,
//! the same on SQLite and PostgreSQL.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use nextarget_adapters::storage::Storage;
use nextarget_ports::{
    ClientInfo, Email, NewRefreshToken, NewUser, NextRefreshToken, PasswordHash, Provider,
    RotateError, UserId,
};
use uuid::Uuid;

use crate::db::{test_database, Backend, TestDb};
use crate::on_every_backend;

on_every_backend!(
    an_opened_session_is_live_and_listed_with_its_client,
    a_rotation_touches_its_session,
    ending_a_session_is_for_its_user_only_and_happens_once,
    ending_all_but_one_keeps_that_one,
    a_reuse_ends_the_session_and_an_expired_one_is_not_live,
    a_password_hash_is_replaced,
    concurrent_ends_and_rotations_of_one_user_all_succeed,
);

struct Fixture {
    s: Storage,
    _db: TestDb,
    t0: DateTime<Utc>,
}

impl Fixture {
    fn at(&self, secs: i64) -> DateTime<Utc> {
        self.t0 + Duration::seconds(secs)
    }

    async fn user(&self, email: &str) -> UserId {
        let user = NewUser {
            id: Uuid::now_v7(),
            email: Email::parse(email).expect("email"),
            provider: Provider::Local,
            provider_subject: None,
            password_hash: Some(PasswordHash::new("$2b$04$old".into())),
            created_at: self.t0,
        };
        self.s.users.create(&user).await.expect("user");
        user.id
    }

    /// Opens a session for `user` at `secs`, valid an hour; its token hash
    /// and id.
    async fn open(&self, user: UserId, secs: i64, client: ClientInfo) -> (String, Uuid) {
        let token = NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: user,
            family_id: Uuid::now_v7(),
            token_hash: Uuid::new_v4().simple().to_string(),
            created_at: self.at(secs),
            expires_at: self.at(secs + 3600),
            client,
        };
        self.s.refresh_tokens.insert(&token).await.expect("open");
        (token.token_hash, token.family_id)
    }

    async fn live(&self, user: UserId, secs: i64) -> Vec<Uuid> {
        let list = self
            .s
            .refresh_tokens
            .live_sessions(user, self.at(secs))
            .await;
        list.expect("list").iter().map(|s| s.id).collect()
    }

    async fn is_live(&self, user: UserId, session: Uuid, secs: i64) -> bool {
        let found = self
            .s
            .users
            .find_by_session(user, session, self.at(secs))
            .await;
        found.expect("find").is_some_and(|u| u.user.id == user)
    }
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    let db = test_database(backend).await?;
    let s = db.storage().await;
    Some(Fixture {
        s,
        _db: db,
        t0: Utc::now().trunc_subsecs(6),
    })
}

fn client(ip: [u8; 4], agent: &str) -> ClientInfo {
    ClientInfo::new(Some(ip.into()), Some(agent))
}

fn next(at: DateTime<Utc>, client: ClientInfo) -> NextRefreshToken {
    NextRefreshToken {
        id: Uuid::now_v7(),
        token_hash: Uuid::new_v4().simple().to_string(),
        created_at: at,
        expires_at: at + Duration::hours(2),
        client,
    }
}

async fn an_opened_session_is_live_and_listed_with_its_client(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("list@example.com").await;
    let (_, older) = f
        .open(user, 0, client([203, 0, 113, 7], "App/1 (iPhone)"))
        .await;
    let (_, newer) = f.open(user, 1, ClientInfo::default()).await;
    assert_eq!(f.live(user, 2).await, [newer, older], "newest first");
    let list =
        f.s.refresh_tokens
            .live_sessions(user, f.at(2))
            .await
            .expect("list");
    assert_eq!(list[1].ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(list[1].user_agent.as_deref(), Some("App/1 (iPhone)"));
    assert_eq!(
        (list[1].created_at, list[1].last_used_at),
        (f.at(0), f.at(0))
    );
    assert_eq!(
        (list[0].ip.clone(), list[0].user_agent.clone()),
        (None, None)
    );
    assert!(f.is_live(user, older, 2).await);
    assert!(!f.is_live(user, Uuid::now_v7(), 2).await, "unknown session");
    let stranger = f.user("stranger@example.com").await;
    assert!(
        !f.is_live(stranger, older, 2).await,
        "another user's session"
    );
    assert!(f.live(stranger, 2).await.is_empty());
}

async fn a_rotation_touches_its_session(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("touch@example.com").await;
    let (hash, session) = f.open(user, 0, client([10, 0, 0, 1], "App/1")).await;
    let n = next(f.at(30), client([10, 0, 0, 2], "App/2"));
    let grace = StdDuration::from_secs(5);
    f.s.refresh_tokens
        .rotate(&hash, &n, f.at(30), grace)
        .await
        .expect("rotated");
    let list =
        f.s.refresh_tokens
            .live_sessions(user, f.at(31))
            .await
            .expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].id, list[0].created_at), (session, f.at(0)));
    assert_eq!(list[0].last_used_at, f.at(30));
    assert_eq!(list[0].ip.as_deref(), Some("10.0.0.2"));
    assert_eq!(list[0].user_agent.as_deref(), Some("App/2"));
    // The rotation moved the session's end with its newest token, and the
    // bearer check says until when.
    assert!(f.is_live(user, session, 3600 + 60).await);
    let live = f.s.users.find_by_session(user, session, f.at(31)).await;
    assert_eq!(
        live.expect("find").map(|l| l.expires_at),
        Some(f.at(30) + Duration::hours(2))
    );
}

async fn ending_a_session_is_for_its_user_only_and_happens_once(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("end@example.com").await;
    let stranger = f.user("other@example.com").await;
    let (hash, session) = f.open(user, 0, ClientInfo::default()).await;
    let store = &f.s.refresh_tokens;
    assert!(!store
        .end_session(stranger, session, f.at(1))
        .await
        .expect("end"));
    assert!(f.is_live(user, session, 1).await);
    assert!(store
        .end_session(user, session, f.at(1))
        .await
        .expect("end"));
    assert!(!store
        .end_session(user, session, f.at(2))
        .await
        .expect("again"));
    assert!(!f.is_live(user, session, 2).await);
    assert!(f.live(user, 2).await.is_empty());
    let token = store.find(&hash).await.expect("find").expect("row");
    assert_eq!(token.revoked_at, Some(f.at(1)));
    let n = next(f.at(3), ClientInfo::default());
    let rotated = store.rotate(&hash, &n, f.at(3), StdDuration::ZERO).await;
    assert!(matches!(rotated, Err(RotateError::Invalid)), "{rotated:?}");
}

async fn ending_all_but_one_keeps_that_one(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("all@example.com").await;
    let stranger = f.user("bystander@example.com").await;
    let (_, a) = f.open(user, 0, ClientInfo::default()).await;
    let (_, b) = f.open(user, 1, ClientInfo::default()).await;
    let (_, c) = f.open(user, 2, ClientInfo::default()).await;
    let (_, theirs) = f.open(stranger, 2, ClientInfo::default()).await;
    let store = &f.s.refresh_tokens;
    assert_eq!(
        store
            .end_sessions(user, Some(b), f.at(3))
            .await
            .expect("end"),
        2
    );
    assert_eq!(f.live(user, 4).await, [b]);
    assert!(!f.is_live(user, a, 4).await && !f.is_live(user, c, 4).await);
    assert_eq!(
        store.end_sessions(user, None, f.at(5)).await.expect("end"),
        1
    );
    assert!(f.live(user, 6).await.is_empty());
    assert!(
        f.is_live(stranger, theirs, 6).await,
        "another user's untouched"
    );
}

async fn a_reuse_ends_the_session_and_an_expired_one_is_not_live(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("reuse@example.com").await;
    let (hash, session) = f.open(user, 0, ClientInfo::default()).await;
    let store = &f.s.refresh_tokens;
    let n = next(f.at(1), ClientInfo::default());
    store
        .rotate(&hash, &n, f.at(1), StdDuration::ZERO)
        .await
        .expect("rotated");
    let again = next(f.at(2), ClientInfo::default());
    let reused = store
        .rotate(&hash, &again, f.at(2), StdDuration::ZERO)
        .await;
    assert!(matches!(reused, Err(RotateError::Reused)), "{reused:?}");
    assert!(!f.is_live(user, session, 3).await);
    let (_, short) = f.open(user, 10, ClientInfo::default()).await;
    assert!(f.is_live(user, short, 10 + 3599).await);
    assert!(!f.is_live(user, short, 10 + 3600).await, "expired");
    assert!(f.live(user, 10 + 3600).await.is_empty());
    assert!(!store
        .end_session(user, short, f.at(10 + 3600))
        .await
        .expect("end"));
}

async fn a_password_hash_is_replaced(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("pw@example.com").await;
    let new = PasswordHash::new("$2b$04$new".into());
    assert!(f.s.users.set_password_hash(user, &new).await.expect("set"));
    let stored =
        f.s.users
            .find_by_id(user)
            .await
            .expect("find")
            .expect("user");
    assert_eq!(
        stored
            .password_hash
            .map(|h| h.as_str().to_owned())
            .as_deref(),
        Some("$2b$04$new")
    );
    assert!(!f
        .s
        .users
        .set_password_hash(Uuid::now_v7(), &new)
        .await
        .expect("set"));
}

/// Many sessions of one user ended every way at once (all, all but one,
/// one by one) while some rotate: every call answers (no deadlock aborting
/// one on PostgreSQL: each takes its session rows before any token row),
/// and at the end none is live.
async fn concurrent_ends_and_rotations_of_one_user_all_succeed(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let user = f.user("many@example.com").await;
    for round in 0..3 {
        let mut opened = Vec::new();
        for n in 0..24 {
            opened.push(f.open(user, round * 100 + n, ClientInfo::default()).await);
        }
        let store = &f.s.refresh_tokens;
        let now = f.at(round * 100 + 50);
        let ids: Vec<Uuid> = opened.iter().map(|(_, id)| *id).collect();
        let ids = &ids;
        let ends = (0..4).map(|n| async move {
            let keep = (n % 2 == 0).then_some(ids[n * 5]);
            store.end_sessions(user, keep, now).await.map(|_| ())
        });
        let singles = opened
            .iter()
            .step_by(3)
            .map(|(_, id)| async move { store.end_session(user, *id, now).await.map(|_| ()) });
        let rotations = opened
            .iter()
            .skip(1)
            .step_by(3)
            .map(|(hash, _)| async move {
                let n = next(now, ClientInfo::default());
                match store.rotate(hash, &n, now, StdDuration::ZERO).await {
                    Err(nextarget_ports::RotateError::Store(err)) => Err(err),
                    _ => Ok(()),
                }
            });
        let results = futures::future::join3(
            futures::future::join_all(ends),
            futures::future::join_all(singles),
            futures::future::join_all(rotations),
        )
        .await;
        for result in results.0.into_iter().chain(results.1).chain(results.2) {
            result.expect("every call answers");
        }
        store
            .end_sessions(user, None, now)
            .await
            .expect("the last end");
        assert!(f.live(user, round * 100 + 51).await.is_empty());
    }
}
