use std::sync::{
    atomic::{AtomicU32, Ordering},
    Arc,
};

use nextarget_ports::{MailError, PasswordHash, RateDecision};
use secrecy::ExposeSecret;

use super::*;
use crate::auth::refresh_token;
use crate::test_support::{local_user, secret, AuthFixture};

const NEW: &str = "a fresh harbour of quiet lanterns";

fn allow_all(fx: &mut AuthFixture) {
    fx.limiter
        .expect_check()
        .returning(|_, _, _| Ok(RateDecision::Allowed { remaining: 1 }));
}

fn job(email: &str) -> ResetJob {
    ResetJob {
        email: Email::parse(email).expect("email"),
        language: MailLanguage::French,
    }
}

#[tokio::test]
async fn a_request_only_queues_whatever_the_email() {
    let mut fx = AuthFixture::new();
    allow_all(&mut fx);
    // The request path never looks the account up nor mails.
    fx.users.expect_find_by_email().never();
    fx.mailer.expect_send().never();
    let service = fx.service();
    for email in ["known@example.com", "nobody@example.com"] {
        service
            .forgot_password(email, Some([10, 0, 0, 1].into()), MailLanguage::English)
            .await
            .expect("accepted");
    }
}

#[tokio::test]
async fn a_throttled_email_is_too_many_attempts_and_a_bad_one_invalid() {
    let mut fx = AuthFixture::new();
    fx.limiter
        .expect_check()
        .withf(|key, limit, _| key.starts_with("reset:email:") && limit.max == 3)
        .returning(|_, _, _| {
            Ok(RateDecision::Limited {
                retry_after_secs: 1200,
            })
        });
    let service = fx.service();
    let err = service
        .forgot_password("a@example.com", None, MailLanguage::French)
        .await
        .err();
    assert!(
        matches!(
            err,
            Some(AuthError::TooManyAttempts {
                retry_after_secs: 1200
            })
        ),
        "{err:?}"
    );
    let err = service
        .forgot_password("not an email", None, MailLanguage::French)
        .await
        .err();
    assert!(matches!(err, Some(AuthError::Validation(_))), "{err:?}");
}

#[tokio::test]
async fn an_unknown_email_gets_no_token_and_no_mail() {
    let mut fx = AuthFixture::new();
    fx.users.expect_find_by_email().returning(|_, _| Ok(None));
    fx.reset_tokens.expect_issue().never();
    fx.mailer.expect_send().never();
    fx.service().answer_reset(job("nobody@example.com")).await;
}

#[tokio::test]
async fn a_local_account_gets_a_stored_token_and_its_link() {
    let mut fx = AuthFixture::new();
    fx.users
        .expect_find_by_email()
        .returning(|email, _| Ok(Some(local_user(email.as_str()))));
    let stored = Arc::new(std::sync::Mutex::new(String::new()));
    let seen = stored.clone();
    let now = fx.now;
    fx.reset_tokens.expect_issue().times(1).returning(move |t| {
        assert_eq!(t.expires_at - t.created_at, chrono::Duration::seconds(1800));
        assert_eq!(t.created_at, now);
        *seen.lock().expect("lock") = t.token_hash.clone();
        Ok(())
    });
    let hashes = stored.clone();
    fx.mailer.expect_send().times(1).returning(move |mail| {
        let token = mail
            .text
            .split("token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link with the token");
        // The mail carries the token; the store only its hash.
        assert_eq!(refresh_token::hash(token), *hashes.lock().expect("lock"));
        assert_eq!(mail.to.as_str(), "alice@example.com");
        Ok(())
    });
    fx.service().answer_reset(job("alice@example.com")).await;
}

#[tokio::test]
async fn a_failing_transport_is_retried_then_given_up() {
    let mut fx = AuthFixture::new();
    fx.users
        .expect_find_by_email()
        .returning(|email, _| Ok(Some(local_user(email.as_str()))));
    fx.reset_tokens.expect_issue().returning(|_| Ok(()));
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    fx.mailer.expect_send().returning(move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
        Err(MailError::Unavailable("connection refused".into()))
    });
    fx.service().answer_reset(job("alice@example.com")).await;
    assert_eq!(calls.load(Ordering::SeqCst), queue::MAIL_ATTEMPTS);
}

#[tokio::test]
async fn a_good_token_sets_the_password_ends_sessions_and_clears_failures() {
    let mut fx = AuthFixture::new();
    let user = local_user("alice@example.com");
    let id = user.id;
    fx.reset_tokens
        .expect_find()
        .returning(move |_, _| Ok(Some(id)));
    fx.reset_tokens
        .expect_take()
        .times(1)
        .returning(move |_, _| Ok(Some(id)));
    fx.users
        .expect_find_by_id()
        .returning(move |_| Ok(Some(user.clone())));
    fx.hasher
        .expect_hash()
        .withf(|p| p.expose_secret() == NEW)
        .returning(|_| Ok(PasswordHash::new("$2b$04$new".into())));
    fx.users
        .expect_set_password_hash()
        .withf(move |u, _| *u == id)
        .times(1)
        .returning(|_, _| Ok(true));
    fx.refresh_tokens
        .expect_end_sessions()
        .withf(move |u, except, _| *u == id && except.is_none())
        .times(1)
        .returning(|_, _, _| Ok(2));
    fx.limiter
        .expect_clear_failures()
        .times(1)
        .returning(|_| Ok(()));
    fx.service()
        .reset_password(&secret("tok"), &secret(NEW))
        .await
        .expect("reset");
}

#[tokio::test]
async fn a_refused_password_leaves_the_token_unspent_and_a_bad_token_is_invalid() {
    let mut fx = AuthFixture::new();
    let user = local_user("alice@example.com");
    let id = user.id;
    fx.reset_tokens
        .expect_find()
        .returning(move |hash, _| Ok((hash == refresh_token::hash("good")).then_some(id)));
    fx.reset_tokens.expect_take().never();
    fx.users
        .expect_find_by_id()
        .returning(move |_| Ok(Some(user.clone())));
    let service = fx.service();
    let err = service
        .reset_password(&secret("good"), &secret("alicealice"))
        .await
        .err();
    let Some(AuthError::Validation(errors)) = err else {
        panic!("{err:?}");
    };
    assert_eq!(errors[0].field, "new_password");
    let err = service
        .reset_password(&secret("bad"), &secret(NEW))
        .await
        .err();
    assert!(matches!(err, Some(AuthError::InvalidResetToken)), "{err:?}");
}
