//! Sign-in with email and password.

use nextarget_ports::{AuthEvent, ClientInfo, Email, Provider, StoreContext};
use secrecy::{ExposeSecret, SecretString};

use super::{
    audit::Subject,
    input_limits,
    lockout::{account_key, ip_key},
    AuthError, AuthService, Session, MAX_PASSWORD_BYTES,
};

impl AuthService {
    /// Checks the credentials of a local account and opens a session.
    ///
    /// An unknown email, a malformed one and a wrong password all answer
    /// `InvalidCredentials`, after the same bcrypt work, so neither the body
    /// nor the timing tells which accounts exist.
    ///
    /// # Errors
    /// Before any of that, the account's and the client IP's failure counts
    /// are checked (see `lockout`): while either is locked the answer is
    /// `TooManyAttempts`, whatever the password. A failure counts against
    /// both; a success forgets the account's count only.
    ///
    /// # Errors
    /// `Validation` for an email or password past its bound
    /// (`input_limits`); `TooManyAttempts`, `InvalidCredentials`, or `Unavailable`/`Unknown`
    /// from the ports.
    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<Session, AuthError> {
        input_limits::check_credentials(email, password)?;
        let client_ip = client.ip;
        let now = self.ports.clock.now();
        let account = account_key(email);
        let mut keys = vec![account.clone()];
        keys.extend(ip_key("login", client_ip));
        if let Err(err) = self.ensure_not_locked(&keys, now).await {
            if matches!(err, AuthError::TooManyAttempts { .. }) {
                self.audit(
                    AuthEvent::LockedOut,
                    Subject {
                        client_ip,
                        ..Subject::default()
                    },
                );
            }
            return Err(err);
        }
        let user = match Email::parse(email) {
            Ok(email) => self
                .ports
                .users
                .find_by_email(&email, Provider::Local)
                .await
                .context("Failed to find the account by email")?,
            Err(_) => None,
        };
        let fits_bcrypt = password.expose_secret().len() <= MAX_PASSWORD_BYTES;
        let stored = user
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .filter(|_| fits_bcrypt);
        let matches = self.ports.hasher.verify(password, stored).await?;
        match user {
            Some(user) if matches => {
                self.forget_failures(&account).await;
                let session = self.open_session(user, client).await?;
                self.audit(
                    AuthEvent::SignIn,
                    Subject {
                        user_id: Some(session.user.id),
                        session_id: Some(session.session_id),
                        client_ip,
                    },
                );
                Ok(session)
            }
            user => {
                self.record_failures(&keys, now).await?;
                // Once counted: each audited failure is an answered
                // `invalid_credentials`.
                self.audit(
                    AuthEvent::SignInFailed,
                    Subject {
                        user_id: user.map(|u| u.id),
                        client_ip,
                        ..Subject::default()
                    },
                );
                Err(AuthError::InvalidCredentials)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use nextarget_ports::FailureCount;

    use super::*;
    use crate::test_support::{local_user, secret, AuthFixture};

    #[tokio::test]
    async fn the_right_password_opens_a_session() {
        let mut fx = AuthFixture::new();
        fx.no_failures_recorded();
        fx.limiter
            .expect_clear_failures()
            .withf(|key| key == account_key("alice@example.com"))
            .times(1)
            .returning(|_| Ok(()));
        fx.users
            .expect_find_by_email()
            .returning(|email, _| Ok(Some(local_user(email.as_str()))));
        fx.hasher
            .expect_verify()
            .withf(|_, hash| hash.is_some())
            .returning(|_, _| Ok(true));
        fx.expect_session_issued();
        let session = fx
            .service()
            .login(
                "alice@example.com",
                &secret("right"),
                &ClientInfo::default(),
            )
            .await
            .expect("session");
        assert_eq!(session.user.email.as_str(), "alice@example.com");
    }

    #[tokio::test]
    async fn the_audit_trail_records_a_failed_then_a_good_sign_in() {
        let mut fx = AuthFixture::new();
        fx.no_failures_recorded();
        fx.failures_recorded(1);
        fx.limiter.expect_clear_failures().returning(|_| Ok(()));
        fx.users
            .expect_find_by_email()
            .returning(|email, _| Ok(Some(local_user(email.as_str()))));
        fx.hasher
            .expect_verify()
            .returning(|password, _| Ok(password.expose_secret() == "right"));
        fx.expect_session_issued();
        let mut metrics = nextarget_ports::mocks::MockMetrics::new();
        let mut order = mockall::Sequence::new();
        metrics
            .expect_auth_event()
            .withf(|e| *e == AuthEvent::SignInFailed)
            .times(1)
            .in_sequence(&mut order)
            .return_const(());
        metrics
            .expect_auth_event()
            .withf(|e| *e == AuthEvent::SignIn)
            .times(1)
            .in_sequence(&mut order)
            .return_const(());
        fx.metrics = Arc::new(metrics);
        let service = fx.service();
        let err = service
            .login(
                "alice@example.com",
                &secret("wrong"),
                &ClientInfo::default(),
            )
            .await
            .err();
        assert!(matches!(err, Some(AuthError::InvalidCredentials)));
        service
            .login(
                "alice@example.com",
                &secret("right"),
                &ClientInfo::default(),
            )
            .await
            .expect("session");
    }

    /// What the lookup by email does in a test of a refused login.
    enum Lookup {
        NotRun,
        FindsNone,
        FindsAlice,
    }

    /// Runs a login that must be refused, with `verify` answering `false`,
    /// and returns the stored hash `verify` got on each call: `[None]` is
    /// one dummy verification.
    async fn verifications(lookup: Lookup, email: &str, password: &str) -> Vec<Option<String>> {
        let mut fx = AuthFixture::new();
        fx.no_failures_recorded();
        fx.failures_recorded(1);
        let find = fx.users.expect_find_by_email();
        match lookup {
            Lookup::NotRun => find.never(),
            Lookup::FindsNone => find.returning(|_, _| Ok(None)),
            Lookup::FindsAlice => find.returning(|email, _| Ok(Some(local_user(email.as_str())))),
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        fx.hasher.expect_verify().returning(move |_, hash| {
            let stored = hash.map(|h| h.as_str().to_owned());
            log.lock().expect("log").push(stored);
            Ok(false)
        });
        let err = fx
            .service()
            .login(email, &secret(password), &ClientInfo::default())
            .await
            .err();
        assert!(
            matches!(err, Some(AuthError::InvalidCredentials)),
            "{err:?}"
        );
        let seen = seen.lock().expect("log").clone();
        seen
    }

    #[tokio::test]
    async fn an_unknown_email_still_pays_for_a_dummy_verification() {
        let seen = verifications(Lookup::FindsNone, "ghost@example.com", "x").await;
        assert_eq!(seen, [None]);
    }

    #[tokio::test]
    async fn a_malformed_email_still_pays_for_a_dummy_verification() {
        let seen = verifications(Lookup::NotRun, "not an email", "x").await;
        assert_eq!(seen, [None]);
    }

    #[tokio::test]
    async fn a_password_past_bcrypts_72_bytes_is_verified_against_the_dummy_only() {
        let long = "p".repeat(MAX_PASSWORD_BYTES + 1);
        let seen = verifications(Lookup::FindsAlice, "alice@example.com", &long).await;
        // Not the account's hash: bcrypt would compare its first 72 bytes.
        assert_eq!(seen, [None]);
    }

    #[tokio::test]
    async fn a_wrong_password_is_the_same_error_as_an_unknown_email() {
        let seen = verifications(Lookup::FindsAlice, "alice@example.com", "wrong").await;
        assert_eq!(seen, [Some("$2b$04$hash".to_owned())]);
    }

    #[tokio::test]
    async fn a_locked_account_is_refused_before_the_password_is_checked() {
        let mut fx = AuthFixture::new();
        let now = fx.now;
        let locked = account_key("alice@example.com");
        fx.limiter.expect_failures().returning(move |key, _| {
            Ok(FailureCount {
                count: if key == locked { 6 } else { 0 },
                last_failure_at: Some(now - chrono::Duration::seconds(10)),
            })
        });
        fx.hasher.expect_verify().never();
        fx.users.expect_find_by_email().never();
        let err = fx
            .service()
            .login(
                " Alice@example.com",
                &secret("right"),
                &ClientInfo::new(Some([10, 0, 0, 1].into()), None),
            )
            .await
            .err();
        assert!(
            matches!(
                err,
                Some(AuthError::TooManyAttempts {
                    retry_after_secs: 50
                })
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_failure_counts_against_the_account_and_the_ip() {
        let mut fx = AuthFixture::new();
        fx.no_failures_recorded();
        fx.users.expect_find_by_email().returning(|_, _| Ok(None));
        fx.hasher.expect_verify().returning(|_, _| Ok(false));
        let account = account_key("bob@example.com");
        fx.limiter
            .expect_record_failure()
            .withf(move |key, _, _| key == account || key == "auth-fail:login:ip:10.0.0.1")
            .times(2)
            .returning(|_, _, now| {
                Ok(FailureCount {
                    count: 1,
                    last_failure_at: Some(now),
                })
            });
        let err = fx
            .service()
            .login(
                "bob@example.com",
                &secret("x"),
                &ClientInfo::new(Some([10, 0, 0, 1].into()), None),
            )
            .await
            .err();
        assert!(
            matches!(err, Some(AuthError::InvalidCredentials)),
            "{err:?}"
        );
    }
}
