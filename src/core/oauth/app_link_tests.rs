//! The core of flows that end in the app: `/start`'s app parameters, the
//! callback's one-time code, and the exchange's checks.

use std::sync::{Arc, Mutex};

use nextarget_ports::{
    AppCodeRecord, AppReturn, ClientInfo, Email, OAuthError, OAuthStateRecord, Provider, User,
    VerifiedIdentity,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{
    callback::{CallbackOutcome, CallbackParams},
    secrets::pkce_challenge,
    test_support::{Fixture, APP_LINK},
    AppLanding, AppStartParams, OAuthFlowError, APP_CODE_TTL_SECS,
};
use crate::auth::refresh_token;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn client() -> ClientInfo {
    ClientInfo::new(
        Some([203, 0, 113, 9].into()),
        Some("NexTarget/2.1 (Android)"),
    )
}

fn app_params(redirect_to: &str) -> AppStartParams {
    AppStartParams {
        redirect_to: Some(redirect_to.into()),
        code_challenge: Some(CHALLENGE.into()),
        code_challenge_method: None,
        app_state: Some("app-42".into()),
    }
}

fn user(id: Uuid) -> User {
    User {
        id,
        email: Email::parse("gina@example.com").expect("email"),
        provider: Provider::Google,
        provider_subject: Some("sub-1".into()),
        password_hash: None,
        created_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn start_keeps_the_apps_return_with_the_state() {
    let mut fx = Fixture::new();
    fx.states
        .expect_put()
        .withf(|r, _| {
            r.app
                == Some(AppReturn {
                    redirect_to: APP_LINK.into(),
                    code_challenge: CHALLENGE.into(),
                    app_state: Some("app-42".into()),
                })
        })
        .times(1)
        .returning(|_, _| Ok(()));
    fx.google
        .expect_authorization_url()
        .returning(|state, _, _| format!("https://idp.example/auth?state={state}"));
    let params = AppStartParams {
        code_challenge_method: Some("S256".into()),
        ..app_params(APP_LINK)
    };
    let url = fx.service().start(Provider::Google, params).await;
    assert!(url.is_ok(), "{url:?}");
}

#[tokio::test]
async fn only_an_allow_listed_link_is_taken_exactly() {
    for link in [
        "nextarget://evil",
        "nextarget://auth/",
        "nextarget://auth?x=1",
        "nextarget://auth#x",
        "NEXTARGET://auth",
        "nextarget://au",
        "https://auth",
        "",
    ] {
        let mut fx = Fixture::new();
        fx.states.expect_put().never();
        let err = fx
            .service()
            .start(Provider::Google, app_params(link))
            .await
            .err();
        assert!(
            matches!(err, Some(OAuthFlowError::InvalidRedirect)),
            "{link}: {err:?}"
        );
    }
}

#[tokio::test]
async fn the_apps_parameters_are_checked_before_anything_is_stored() {
    let fields = |err: Option<OAuthFlowError>| match err {
        Some(OAuthFlowError::Validation(errors)) => {
            errors.into_iter().map(|e| e.field).collect::<Vec<_>>()
        }
        other => panic!("not a validation error: {other:?}"),
    };
    let cases: Vec<(AppStartParams, Vec<&str>)> = vec![
        (
            AppStartParams {
                code_challenge: None,
                ..app_params(APP_LINK)
            },
            vec!["code_challenge"],
        ),
        (
            AppStartParams {
                code_challenge: Some("too-short".into()),
                code_challenge_method: Some("plain".into()),
                app_state: Some(String::new()),
                ..app_params(APP_LINK)
            },
            vec!["code_challenge", "code_challenge_method", "app_state"],
        ),
        (
            AppStartParams {
                app_state: Some("s".repeat(513)),
                ..app_params(APP_LINK)
            },
            vec!["app_state"],
        ),
        (
            AppStartParams {
                redirect_to: None,
                ..app_params(APP_LINK)
            },
            vec!["code_challenge", "app_state"],
        ),
    ];
    for (params, expected) in cases {
        let mut fx = Fixture::new();
        fx.states.expect_put().never();
        let err = fx.service().start(Provider::Google, params).await.err();
        assert_eq!(fields(err), expected);
    }
}

/// The fixture's Google state, started by the app with `app_state`.
fn app_state_record(fx: &Fixture, app_state: Option<&str>) -> OAuthStateRecord {
    OAuthStateRecord {
        app: Some(AppReturn {
            redirect_to: APP_LINK.into(),
            code_challenge: CHALLENGE.into(),
            app_state: app_state.map(str::to_owned),
        }),
        ..fx.record(Provider::Google)
    }
}

/// The callback of an app's Google flow whose state is `record` and whose
/// code Google answers with `exchanged`; it must end in the app.
async fn callback_to_app(
    mut fx: Fixture,
    record: OAuthStateRecord,
    exchanged: Result<VerifiedIdentity, OAuthError>,
) -> AppLanding {
    fx.states
        .expect_take()
        .times(1)
        .returning(move |_, _| Ok(Some(record.clone())));
    fx.google
        .expect_exchange_code()
        .returning(move |_, _, _| exchanged.clone());
    let params = CallbackParams {
        code: Some("c0de".into()),
        state: Some("state-1".into()),
        error: None,
    };
    match fx
        .service()
        .callback(Provider::Google, params, &client())
        .await
    {
        Ok(CallbackOutcome::ToApp(landing)) => landing,
        Ok(CallbackOutcome::SignedIn(_)) => panic!("signed in, not to the app"),
        Err(err) => panic!("failed: {err:?}"),
    }
}

#[tokio::test]
async fn an_apps_callback_stores_a_hashed_sixty_second_code_for_the_app_link() {
    let mut fx = Fixture::new();
    let now = fx.auth.now;
    let record = app_state_record(&fx, Some("app-42"));
    fx.expect_new_account();
    let stored: Arc<Mutex<Option<AppCodeRecord>>> = Arc::default();
    let keep = stored.clone();
    fx.app_codes.expect_put().times(1).returning(move |r, _| {
        *keep.lock().expect("lock") = Some(r.clone());
        Ok(())
    });
    // No session yet: the app opens it at the exchange.
    fx.auth.refresh_tokens.expect_insert().never();
    let identity = VerifiedIdentity {
        subject: "sub-1".into(),
        email: None,
    };
    let landing = callback_to_app(fx, record, Ok(identity)).await;
    assert_eq!(landing.redirect_to, APP_LINK);
    assert_eq!(landing.app_state.as_deref(), Some("app-42"));
    let code = landing.result.expect("a code");
    let record = stored.lock().expect("lock").clone().expect("stored");
    assert_eq!(code.expose_secret().len(), 43, "256 bits");
    assert_eq!(record.code_hash, refresh_token::hash(code.expose_secret()));
    assert_ne!(record.code_hash, code.expose_secret());
    assert_eq!(record.code_challenge, CHALLENGE);
    assert!(record.new_user);
    assert_eq!(
        record.expires_at,
        now + chrono::Duration::seconds(APP_CODE_TTL_SECS)
    );
}

#[tokio::test]
async fn a_failure_after_the_state_goes_back_to_the_app() {
    let mut fx = Fixture::new();
    let record = app_state_record(&fx, None);
    fx.app_codes.expect_put().never();
    fx.auth.users.expect_create().never();
    let refused = Err(OAuthError::InvalidToken("bad aud".into()));
    let landing = callback_to_app(fx, record, refused).await;
    assert_eq!(landing.app_state, None);
    let err = landing.result.err();
    assert_eq!(
        err.as_ref().map(OAuthFlowError::code),
        Some("invalid_id_token")
    );
}

fn stored_code(user_id: Uuid, new_user: bool) -> AppCodeRecord {
    AppCodeRecord {
        code_hash: refresh_token::hash("the-code"),
        user_id,
        new_user,
        code_challenge: CHALLENGE.into(),
        expires_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn the_right_verifier_opens_a_session_for_the_codes_user() {
    let mut fx = Fixture::new();
    let id = Uuid::now_v7();
    fx.app_codes
        .expect_take()
        .withf(|hash, _| *hash == refresh_token::hash("the-code"))
        .times(1)
        .returning(move |_, _| Ok(Some(stored_code(id, true))));
    fx.auth
        .users
        .expect_find_by_id()
        .returning(|id| Ok(Some(user(id))));
    let session = fx
        .service()
        .exchange("the-code", &SecretString::from(VERIFIER), &client())
        .await
        .expect("session");
    assert_eq!(session.user.id, id);
}

#[tokio::test]
async fn a_wrong_verifier_an_unknown_code_and_a_deleted_user_are_invalid_grant() {
    let other_verifier = "x".repeat(43);
    assert_ne!(pkce_challenge(&other_verifier), CHALLENGE);
    let id = Uuid::now_v7();
    for (found, user_exists, verifier) in [
        (true, true, other_verifier.as_str()),
        (false, true, VERIFIER),
        (true, false, VERIFIER),
    ] {
        let mut fx = Fixture::new();
        fx.app_codes
            .expect_take()
            .times(1)
            .returning(move |_, _| Ok(found.then(|| stored_code(id, false))));
        fx.auth
            .users
            .expect_find_by_id()
            .returning(move |id| Ok(user_exists.then(|| user(id))));
        fx.auth.refresh_tokens.expect_insert().never();
        let err = fx
            .service()
            .exchange("the-code", &SecretString::from(verifier), &client())
            .await
            .err();
        assert!(matches!(err, Some(OAuthFlowError::InvalidGrant)), "{err:?}");
    }
}

#[tokio::test]
async fn a_code_or_verifier_out_of_bounds_is_refused_without_spending_anything() {
    for (code, verifier) in [
        ("", VERIFIER.to_owned()),
        ("c", "v".repeat(42)),
        ("c", "v".repeat(129)),
        ("c", format!("{}+", "v".repeat(43))),
        (&*"c".repeat(257), VERIFIER.to_owned()),
    ] {
        let mut fx = Fixture::new();
        fx.app_codes.expect_take().never();
        let err = fx
            .service()
            .exchange(code, &SecretString::from(verifier), &client())
            .await
            .err();
        assert!(
            matches!(err, Some(OAuthFlowError::Validation(_))),
            "{err:?}"
        );
    }
}
