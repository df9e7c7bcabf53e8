use nextarget_ports::{
    ClientInfo, Email, OAuthError, Provider, StoreError, User, VerifiedIdentity,
};
use uuid::Uuid;

use super::{
    callback::CallbackParams,
    test_support::{signed_in, Fixture},
    AppStartParams, NativeToken, OAuthFlowError,
};

fn params(code: &str, state: &str) -> CallbackParams {
    CallbackParams {
        code: Some(code.into()),
        state: Some(state.into()),
        error: None,
    }
}

fn client() -> ClientInfo {
    ClientInfo::new(
        Some([203, 0, 113, 7].into()),
        Some("NexTarget/2.1 (iPhone)"),
    )
}

fn identity(sub: &str, email: Option<&str>) -> VerifiedIdentity {
    VerifiedIdentity {
        subject: sub.into(),
        email: email.map(str::to_owned),
    }
}

fn google_user(sub: &str) -> User {
    User {
        id: Uuid::now_v7(),
        email: Email::parse("gina@example.com").expect("email"),
        provider: Provider::Google,
        provider_subject: Some(sub.into()),
        password_hash: None,
        created_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn a_good_callback_creates_the_user_once_and_opens_a_session() {
    let mut fx = Fixture::new();
    let record = fx.record(Provider::Google);
    fx.states
        .expect_take()
        .times(1)
        .returning(move |_, _| Ok(Some(record.clone())));
    fx.google
        .expect_exchange_code()
        .withf(|code, verifier, nonce| code == "c0de" && verifier.len() == 43 && nonce == "nonce-1")
        .returning(|_, _, _| Ok(identity("sub-1", Some("Gina@Example.com"))));
    fx.auth
        .users
        .expect_find_by_subject()
        .returning(|_, _| Ok(None));
    fx.auth
        .users
        .expect_create()
        .withf(|u| u.email.as_str() == "gina@example.com" && u.provider == Provider::Google)
        .returning(|u| Ok(u.clone().into()));
    let session = signed_in(
        fx.service()
            .callback(Provider::Google, params("c0de", "state-1"), &client())
            .await,
    );
    assert_eq!(session.user.provider_subject.as_deref(), Some("sub-1"));
}

#[tokio::test]
async fn a_state_of_the_other_provider_is_spent_and_refused() {
    let mut fx = Fixture::new();
    let record = fx.record(Provider::Facebook);
    fx.states
        .expect_take()
        .times(1)
        .returning(move |_, _| Ok(Some(record.clone())));
    fx.google.expect_exchange_code().never();
    let err = fx
        .service()
        .callback(Provider::Google, params("c0de", "state-1"), &client())
        .await
        .err();
    assert!(matches!(err, Some(OAuthFlowError::InvalidState)), "{err:?}");
}

#[tokio::test]
async fn an_error_from_the_provider_is_denied_and_spends_the_state() {
    let mut fx = Fixture::new();
    fx.states.expect_take().times(1).returning(|_, _| Ok(None));
    let err = fx
        .service()
        .callback(
            Provider::Google,
            CallbackParams {
                code: None,
                state: Some("state-1".into()),
                error: Some("access_denied".into()),
            },
            &client(),
        )
        .await
        .err();
    assert!(matches!(err, Some(OAuthFlowError::Denied(_))), "{err:?}");
}

#[tokio::test]
async fn a_rejected_token_creates_no_user() {
    let mut fx = Fixture::new();
    let record = fx.record(Provider::Google);
    fx.states
        .expect_take()
        .returning(move |_, _| Ok(Some(record.clone())));
    fx.google
        .expect_exchange_code()
        .returning(|_, _, _| Err(OAuthError::InvalidToken("bad aud".into())));
    fx.auth.users.expect_create().never();
    let err = fx
        .service()
        .callback(Provider::Google, params("c0de", "state-1"), &client())
        .await
        .err();
    assert!(
        matches!(err, Some(OAuthFlowError::InvalidToken { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_email_owned_by_another_account_of_the_provider_is_email_taken() {
    let mut fx = Fixture::new();
    fx.google
        .expect_verify_native_token()
        .returning(|_, _| Ok(identity("sub-2", Some("gina@example.com"))));
    fx.auth
        .users
        .expect_find_by_subject()
        .returning(|_, _| Ok(None));
    fx.auth
        .users
        .expect_create()
        .returning(|_| Err(StoreError::Duplicate("users_email_provider")));
    let err = fx
        .service()
        .sign_in_native(
            Provider::Google,
            NativeToken::id_token("token", None),
            &client(),
        )
        .await
        .err();
    assert!(matches!(err, Some(OAuthFlowError::EmailTaken)), "{err:?}");
}

#[tokio::test]
async fn a_known_google_subject_signs_in_without_a_new_account() {
    let mut fx = Fixture::new();
    fx.google
        .expect_verify_native_token()
        .returning(|_, _| Ok(identity("sub-3", None)));
    fx.auth
        .users
        .expect_find_by_subject()
        .returning(|_, sub| Ok(Some(google_user(sub))));
    fx.auth.users.expect_create().never();
    let (_, created) = fx
        .service()
        .sign_in_native(
            Provider::Google,
            NativeToken::id_token("token", None),
            &client(),
        )
        .await
        .expect("signed in");
    assert!(!created);
}

#[tokio::test]
async fn a_missing_id_token_is_a_validation_error() {
    let fx = Fixture::new();
    let err = fx
        .service()
        .sign_in_native(Provider::Google, NativeToken::default(), &client())
        .await
        .err();
    assert!(
        matches!(err, Some(OAuthFlowError::Validation(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_identity_without_an_email_gets_the_cores_placeholder() {
    let mut fx = Fixture::new();
    let record = fx.record(Provider::Google);
    fx.states
        .expect_take()
        .times(1)
        .returning(move |_, _| Ok(Some(record.clone())));
    fx.google
        .expect_exchange_code()
        .returning(|_, _, _| Ok(identity("g-77", None)));
    fx.auth
        .users
        .expect_find_by_subject()
        .returning(|_, _| Ok(None));
    fx.auth
        .users
        .expect_create()
        .withf(|u| u.email.as_str() == "g-77@google.invalid" && u.provider == Provider::Google)
        .times(1)
        .returning(|u| Ok(u.clone().into()));
    let session = signed_in(
        fx.service()
            .callback(Provider::Google, params("c0de", "state-1"), &client())
            .await,
    );
    assert_eq!(session.user.email.as_str(), "g-77@google.invalid");
}

#[tokio::test]
async fn an_apple_identity_without_an_email_gets_an_apple_invalid_placeholder() {
    let mut fx = Fixture::new();
    fx.apple
        .expect_verify_native_token()
        .withf(|token, nonce| token == "apple-token" && nonce.as_deref() == Some("n-1"))
        .returning(|_, _| Ok(identity("001234.abcdef.0987", None)));
    fx.auth
        .users
        .expect_find_by_subject()
        .withf(|provider, sub| *provider == Provider::Apple && sub == "001234.abcdef.0987")
        .returning(|_, _| Ok(None));
    fx.auth
        .users
        .expect_create()
        .withf(|u| {
            u.email.as_str() == "001234.abcdef.0987@apple.invalid" && u.provider == Provider::Apple
        })
        .times(1)
        .returning(|u| Ok(u.clone().into()));
    let (session, created) = fx
        .service()
        .sign_in_native(
            Provider::Apple,
            NativeToken::id_token("apple-token", Some("n-1")),
            &client(),
        )
        .await
        .expect("signed in");
    assert!(created);
    assert_eq!(session.user.provider, Provider::Apple);
}

#[tokio::test]
async fn apple_on_for_native_tokens_only_refuses_its_web_flow_without_spending_a_state() {
    let mut fx = Fixture::new();
    fx.apple_web = false;
    fx.apple.expect_exchange_code().never();
    fx.apple.expect_authorization_url().never();
    fx.states.expect_take().never();
    fx.states.expect_put().never();
    let service = fx.service();
    let err = service
        .start(Provider::Apple, AppStartParams::default())
        .await
        .err();
    assert!(
        matches!(err, Some(OAuthFlowError::NotConfigured(Provider::Apple))),
        "{err:?}"
    );
    let err = service
        .callback(Provider::Apple, params("c0de", "state-1"), &client())
        .await
        .err();
    assert!(
        matches!(err, Some(OAuthFlowError::NotConfigured(Provider::Apple))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rejected_apple_token_is_invalid_id_token_and_creates_no_user() {
    let mut fx = Fixture::new();
    fx.apple
        .expect_verify_native_token()
        .returning(|_, _| Err(OAuthError::InvalidToken("wrong aud".into())));
    fx.auth.users.expect_create().never();
    let err = fx
        .service()
        .sign_in_native(
            Provider::Apple,
            NativeToken::id_token("token", None),
            &client(),
        )
        .await
        .err();
    assert_eq!(
        err.as_ref().map(OAuthFlowError::code),
        Some("invalid_id_token")
    );
}
