//! Conformance of the OAuthStateStore adapters: the same behaviour on
//! SQLite and PostgreSQL.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use nextarget_ports::{AppReturn, OAuthStateRecord, Provider, StoreError};

use crate::db::{test_database, Backend};
use crate::on_every_backend;

fn record(state: &str, expires_at: DateTime<Utc>) -> OAuthStateRecord {
    OAuthStateRecord {
        state: state.into(),
        provider: Provider::Google,
        nonce: format!("nonce-of-{state}"),
        pkce_verifier: "v".repeat(64),
        app: None,
        expires_at,
    }
}

on_every_backend!(
    a_state_is_taken_once_exactly_as_stored,
    an_apps_return_is_kept_with_its_state,
    an_expired_state_is_gone,
    a_state_put_by_one_instance_is_taken_by_another,
    concurrent_takes_let_exactly_one_win,
    a_state_is_unique,
);

async fn a_state_is_taken_once_exactly_as_stored(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let stored = record("s-1", now + Duration::minutes(10));
    s.oauth_states.put(&stored, now).await.expect("put");
    let taken = s.oauth_states.take("s-1", now).await.expect("take");
    assert_eq!(taken, Some(stored));
    assert_eq!(s.oauth_states.take("s-1", now).await.expect("replay"), None);
    assert_eq!(
        s.oauth_states.take("never", now).await.expect("unknown"),
        None
    );
}

async fn an_apps_return_is_kept_with_its_state(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let app = |app_state: Option<&str>| AppReturn {
        redirect_to: "nextarget://auth/done?from=web".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        app_state: app_state.map(str::to_owned),
    };
    for (state, app) in [("s-app", app(Some("é & ?x=1"))), ("s-app-2", app(None))] {
        let stored = OAuthStateRecord {
            app: Some(app),
            ..record(state, now + Duration::minutes(10))
        };
        s.oauth_states.put(&stored, now).await.expect("put");
        let taken = s.oauth_states.take(state, now).await.expect("take");
        assert_eq!(taken, Some(stored));
    }
}

async fn an_expired_state_is_gone(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    s.oauth_states
        .put(&record("s-old", now + Duration::minutes(10)), now)
        .await
        .expect("put");
    let later = now + Duration::minutes(10);
    assert_eq!(
        s.oauth_states.take("s-old", later).await.expect("take"),
        None
    );
    // Expired rows are purged by the next put, too.
    s.oauth_states
        .put(&record("s-a", now + Duration::minutes(1)), now)
        .await
        .expect("put");
    s.oauth_states
        .put(&record("s-b", later + Duration::minutes(10)), later)
        .await
        .expect("put");
    assert_eq!(s.oauth_states.take("s-a", now).await.expect("take"), None);
}

async fn a_state_put_by_one_instance_is_taken_by_another(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let (one, two) = (db.storage().await, db.storage().await);
    let now = Utc::now().trunc_subsecs(6);
    one.oauth_states
        .put(&record("s-x", now + Duration::minutes(10)), now)
        .await
        .expect("put");
    assert!(two
        .oauth_states
        .take("s-x", now)
        .await
        .expect("take")
        .is_some());
    assert!(one
        .oauth_states
        .take("s-x", now)
        .await
        .expect("take")
        .is_none());
}

async fn concurrent_takes_let_exactly_one_win(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    s.oauth_states
        .put(&record("s-race", now + Duration::minutes(10)), now)
        .await
        .expect("put");
    let takes = join_all((0..8).map(|_| s.oauth_states.take("s-race", now))).await;
    let won = takes.iter().filter(|t| matches!(t, Ok(Some(_)))).count();
    assert_eq!(won, 1, "{takes:?}");
}

async fn a_state_is_unique(backend: Backend) {
    let Some(db) = test_database(backend).await else {
        return;
    };
    let s = db.storage().await;
    let now = Utc::now().trunc_subsecs(6);
    let r = record("s-dup", now + Duration::minutes(10));
    s.oauth_states.put(&r, now).await.expect("put");
    let dup = s.oauth_states.put(&r, now).await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
}
