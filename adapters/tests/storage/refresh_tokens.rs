//! The `RefreshTokenStore` part of the storage conformance suite: rotation,
//! reuse detection, the grace rule and revocation, the same on SQLite and
//! PostgreSQL.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use nextarget_adapters::storage::Storage;
use nextarget_ports::{
    ClientInfo, Email, NewRefreshToken, NewUser, NextRefreshToken, PasswordHash, Provider,
    RotateError, RotationKind, UserId,
};
use uuid::Uuid;

use crate::db::{test_database, Backend, TestDb};
use crate::on_every_backend;

const GRACE: StdDuration = StdDuration::from_secs(5);

struct Fixture {
    s: Storage,
    _db: TestDb,
    user: UserId,
    t0: DateTime<Utc>,
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    let db = test_database(backend).await?;
    let s = db.storage().await;
    let t0 = Utc::now().trunc_subsecs(6);
    let user = NewUser {
        id: Uuid::now_v7(),
        email: Email::parse("rota@example.com").expect("email"),
        provider: Provider::Local,
        provider_subject: None,
        password_hash: Some(PasswordHash::new("$2b$04$x".into())),
        created_at: t0,
    };
    s.users.create(&user).await.expect("user");
    Some(Fixture {
        s,
        _db: db,
        user: user.id,
        t0,
    })
}

fn hash() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

fn next(now: DateTime<Utc>) -> NextRefreshToken {
    NextRefreshToken {
        id: Uuid::now_v7(),
        token_hash: hash(),
        created_at: now,
        expires_at: now + Duration::days(1),
        client: ClientInfo::default(),
    }
}

impl Fixture {
    fn at(&self, secs: i64) -> DateTime<Utc> {
        self.t0 + Duration::seconds(secs)
    }

    /// The first token of a new family, expiring after `ttl_secs`.
    async fn first(&self, ttl_secs: i64) -> (String, Uuid) {
        let token = NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: self.user,
            family_id: Uuid::now_v7(),
            token_hash: hash(),
            created_at: self.t0,
            expires_at: self.at(ttl_secs),
            client: ClientInfo::default(),
        };
        self.s.refresh_tokens.insert(&token).await.expect("insert");
        (token.token_hash, token.family_id)
    }

    async fn rotate(
        &self,
        presented: &str,
        secs: i64,
    ) -> Result<(RotationKind, String), RotateError> {
        let n = next(self.at(secs));
        let r = self
            .s
            .refresh_tokens
            .rotate(presented, &n, self.at(secs), GRACE)
            .await?;
        assert_eq!(r.user_id, self.user);
        Ok((r.kind, n.token_hash))
    }
}

on_every_backend!(
    rotation_spends_the_token_and_issues_a_successor_in_its_family,
    a_spent_token_outside_its_grace_revokes_the_whole_family,
    the_previous_token_is_replayed_once_within_its_grace,
    concurrent_rotations_of_one_token_rotate_it_once,
    unknown_expired_and_revoked_tokens_are_invalid,
    ending_sessions_revokes_their_tokens,
);

async fn rotation_spends_the_token_and_issues_a_successor_in_its_family(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (first, family) = f.first(3600).await;
    let (kind, second) = f.rotate(&first, 1).await.expect("rotated");
    assert_eq!(kind, RotationKind::Rotated);
    let spent =
        f.s.refresh_tokens
            .find(&first)
            .await
            .expect("find")
            .expect("row");
    assert_eq!(spent.spent_at, Some(f.at(1)));
    let record =
        f.s.refresh_tokens
            .find(&second)
            .await
            .expect("find")
            .expect("row");
    assert_eq!((record.family_id, record.user_id), (family, f.user));
    assert_eq!(record.spent_at, None);
}

async fn a_spent_token_outside_its_grace_revokes_the_whole_family(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (first, _) = f.first(3600).await;
    let (_, second) = f.rotate(&first, 0).await.expect("rotated");
    let reuse = f.rotate(&first, 5).await;
    assert!(matches!(reuse, Err(RotateError::Reused)), "{reuse:?}");
    let newest =
        f.s.refresh_tokens
            .find(&second)
            .await
            .expect("find")
            .expect("row");
    assert_eq!(newest.revoked_at, Some(f.at(5)));
    let after = f.rotate(&second, 6).await;
    assert!(matches!(after, Err(RotateError::Invalid)), "{after:?}");
}

async fn the_previous_token_is_replayed_once_within_its_grace(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (first, _) = f.first(3600).await;
    let (_, second) = f.rotate(&first, 0).await.expect("rotated");
    let (kind, sibling) = f.rotate(&first, 4).await.expect("replayed");
    assert_eq!(kind, RotationKind::GraceReplay);
    assert_ne!(sibling, second);
    let twice = f.rotate(&first, 4).await;
    assert!(matches!(twice, Err(RotateError::Reused)), "{twice:?}");
    // A successor spent closes the grace at once.
    let (first, _) = f.first(3600).await;
    let (_, second) = f.rotate(&first, 0).await.expect("rotated");
    f.rotate(&second, 1).await.expect("rotated again");
    let stale = f.rotate(&first, 2).await;
    assert!(matches!(stale, Err(RotateError::Reused)), "{stale:?}");
}

async fn concurrent_rotations_of_one_token_rotate_it_once(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    for grace in [StdDuration::ZERO, GRACE] {
        let (first, _) = f.first(3600).await;
        let nexts: Vec<NextRefreshToken> = (0..8).map(|_| next(f.at(1))).collect();
        let results = join_all(
            nexts
                .iter()
                .map(|n| f.s.refresh_tokens.rotate(&first, n, f.at(1), grace)),
        )
        .await;
        let kinds: Vec<_> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|r| r.kind)
            .collect();
        let rotated = kinds
            .iter()
            .filter(|k| **k == RotationKind::Rotated)
            .count();
        let replayed = kinds
            .iter()
            .filter(|k| **k == RotationKind::GraceReplay)
            .count();
        assert_eq!(rotated, 1, "grace {grace:?}: {results:?}");
        assert_eq!(replayed, usize::from(!grace.is_zero()), "grace {grace:?}");
        // The first loser revokes the family; later ones find it revoked.
        let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        let reused = errors
            .iter()
            .filter(|e| matches!(e, RotateError::Reused))
            .count();
        assert_eq!(reused, 1, "{errors:?}");
        assert!(errors
            .iter()
            .all(|e| matches!(e, RotateError::Reused | RotateError::Invalid)));
    }
}

async fn unknown_expired_and_revoked_tokens_are_invalid(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let unknown = f.rotate(&hash(), 0).await;
    assert!(matches!(unknown, Err(RotateError::Invalid)), "{unknown:?}");
    let (short, _) = f.first(60).await;
    let expired = f.rotate(&short, 60).await;
    assert!(matches!(expired, Err(RotateError::Invalid)), "{expired:?}");
    let (revoked, family) = f.first(3600).await;
    let ended =
        f.s.refresh_tokens
            .end_session(f.user, family, f.at(1))
            .await;
    assert!(ended.expect("end"));
    let after = f.rotate(&revoked, 2).await;
    assert!(matches!(after, Err(RotateError::Invalid)), "{after:?}");
}

async fn ending_sessions_revokes_their_tokens(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (a, family_a) = f.first(3600).await;
    let (_, a2) = f.rotate(&a, 0).await.expect("rotated");
    let (b, _) = f.first(3600).await;
    let ended =
        f.s.refresh_tokens
            .end_session(f.user, family_a, f.at(1))
            .await;
    assert!(ended.expect("end session"));
    let a2 =
        f.s.refresh_tokens
            .find(&a2)
            .await
            .expect("find")
            .expect("row");
    assert_eq!(a2.revoked_at, Some(f.at(1)));
    let b_row =
        f.s.refresh_tokens
            .find(&b)
            .await
            .expect("find")
            .expect("row");
    assert_eq!(b_row.revoked_at, None);
    let all = f.s.refresh_tokens.end_sessions(f.user, None, f.at(2)).await;
    assert_eq!(all.expect("end all"), 1, "only b's session was still live");
    let b_row =
        f.s.refresh_tokens
            .find(&b)
            .await
            .expect("find")
            .expect("row");
    assert_eq!(b_row.revoked_at, Some(f.at(2)));
    assert!(f
        .s
        .refresh_tokens
        .find(&hash())
        .await
        .expect("find")
        .is_none());
}
