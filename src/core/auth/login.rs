//! Sign-in with email and password.

use nextarget_ports::{AuthEvent, ClientInfo, Email, Provider, StoreContext, User};
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
    /// nor the timing tells which accounts exist; an unknown email is
    /// counted and locked like a real one.
    ///
    /// Before any of that the attempt takes its place in the account's and
    /// the client IP's failure counts, atomically (see `lockout`): while
    /// either is locked the answer is `TooManyAttempts`, whatever the
    /// password, nothing is counted and nothing more is asked; of N
    /// concurrent attempts on an account at most its threshold get past
    /// this point. A failure keeps both places; a success forgets the
    /// account's count and gives the IP's place back; an error of a port
    /// after the places were taken gives both back.
    ///
    /// # Errors
    /// `Validation` for an email or password past its bound
    /// (`input_limits`); `TooManyAttempts`, `InvalidCredentials`, or
    /// `Unavailable`/`Unknown` from the ports.
    #[tracing::instrument(name = "login", skip_all)]
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
        let places = match self.take_places(&keys, now).await {
            Ok(places) => places,
            Err(err) => {
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
        };
        let (user, matches) = match self.check_password(email, password).await {
            Ok(checked) => checked,
            Err(err) => {
                self.give_back(places).await;
                return Err(err);
            }
        };
        match user {
            Some(user) if matches => {
                self.attempt_succeeded(places, &account).await;
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
                // The places stay taken: they are this failure's count.
                // Each audited failure is an answered `invalid_credentials`.
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

    /// The local account of `email` (none when unknown or malformed) and
    /// whether `password` is its password, after one bcrypt verification
    /// whatever the account (against a dummy hash when there is none, or
    /// when the password is past bcrypt's 72 bytes).
    async fn check_password(
        &self,
        email: &str,
        password: &SecretString,
    ) -> Result<(Option<User>, bool), AuthError> {
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
        Ok((user, matches))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use nextarget_ports::{AttemptDecision, FailureCount, StoreError};

    use super::*;
    use crate::auth::FAILURE_MEMORY_SECS;
    use crate::test_support::{first_attempt, local_user, secret, wait_of, AuthFixture};

    const IP: [u8; 4] = [10, 0, 0, 1];
    const IP_KEY: &str = "auth-fail:login:ip:10.0.0.1";

    /// A login as `email` from `IP`.
    async fn login(fx: AuthFixture, email: &str, password: &str) -> Result<Session, AuthError> {
        fx.service()
            .login(
                email,
                &secret(password),
                &ClientInfo::new(Some(IP.into()), None),
            )
            .await
    }

    fn assert_invalid_credentials(answer: Result<Session, AuthError>) {
        let err = answer.err();
        assert!(
            matches!(err, Some(AuthError::InvalidCredentials)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn the_right_password_opens_a_session_forgets_the_account_and_gives_the_ip_back() {
        let mut fx = AuthFixture::new();
        let now = fx.now;
        fx.attempts_taken(2);
        fx.limiter
            .expect_clear_failures()
            .withf(|key| key == account_key("alice@example.com"))
            .times(1)
            .returning(|_| Ok(()));
        fx.limiter
            .expect_give_back()
            .withf(move |key, attempt, _| key == IP_KEY && *attempt == first_attempt(now))
            .times(1)
            .returning(|_, _, _| Ok(()));
        fx.users
            .expect_find_by_email()
            .returning(|email, _| Ok(Some(local_user(email.as_str()))));
        fx.hasher
            .expect_verify()
            .withf(|_, hash| hash.is_some())
            .returning(|_, _| Ok(true));
        fx.expect_session_issued();
        let session = login(fx, "alice@example.com", "right")
            .await
            .expect("session");
        assert_eq!(session.user.email.as_str(), "alice@example.com");
    }

    #[tokio::test]
    async fn the_places_are_taken_before_the_account_is_looked_up_and_the_password_checked() {
        let mut fx = AuthFixture::new();
        let mut order = mockall::Sequence::new();
        let account = account_key("bob@example.com");
        fx.limiter
            .expect_take_attempt()
            .withf(move |key, policy, _, _| key == account && policy.max == 5)
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _, _, now| Ok(AttemptDecision::Taken(first_attempt(now))));
        fx.limiter
            .expect_take_attempt()
            .withf(|key, policy, _, _| key == IP_KEY && policy.max == 50)
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _, _, now| Ok(AttemptDecision::Taken(first_attempt(now))));
        fx.users
            .expect_find_by_email()
            .times(1)
            .in_sequence(&mut order)
            .returning(|email, _| Ok(Some(local_user(email.as_str()))));
        fx.hasher
            .expect_verify()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _| Ok(false));
        // A wrong password keeps both places: no give_back, no clear.
        assert_invalid_credentials(login(fx, "bob@example.com", "wrong").await);
    }

    #[tokio::test]
    async fn the_audit_trail_records_a_failed_then_a_good_sign_in() {
        let mut fx = AuthFixture::new();
        fx.attempts_taken(2);
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
        fx.attempts_taken(1);
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

    /// A fixture whose limiter refuses the account's attempt (locked for
    /// 50 s more) and reads `ip_count` failures of the IP, the last one a
    /// second ago; the lookup, the hasher and any give-back must not be
    /// reached, and one lockout is audited.
    fn account_locked(ip_count: u32) -> AuthFixture {
        let mut fx = AuthFixture::new();
        let ip_failures = FailureCount {
            count: ip_count,
            last_failure_at: (ip_count > 0).then(|| fx.now - chrono::Duration::seconds(1)),
        };
        let account = account_key("alice@example.com");
        fx.limiter
            .expect_take_attempt()
            .withf(move |key, _, _, _| key == account)
            .times(1)
            .returning(|_, _, _, _| {
                Ok(AttemptDecision::Locked {
                    retry_after_secs: 50,
                })
            });
        fx.limiter
            .expect_failures()
            .withf(|key, _| key == IP_KEY)
            .times(1)
            .returning(move |_, _| Ok(ip_failures));
        fx.limiter.expect_give_back().never();
        fx.hasher.expect_verify().never();
        fx.users.expect_find_by_email().never();
        let mut metrics = nextarget_ports::mocks::MockMetrics::new();
        metrics
            .expect_auth_event()
            .withf(|e| *e == AuthEvent::LockedOut)
            .times(1)
            .return_const(());
        fx.metrics = Arc::new(metrics);
        fx
    }

    async fn refused_wait(fx: AuthFixture) -> u64 {
        wait_of(login(fx, " Alice@example.com", "right").await)
    }

    #[tokio::test]
    async fn a_locked_account_is_refused_before_the_password_is_checked_and_the_ip_only_read() {
        assert_eq!(refused_wait(account_locked(0)).await, 50);
    }

    #[tokio::test]
    async fn a_refusal_waits_for_the_longest_locked_key() {
        // 51 failures of the IP (threshold 50) lock it for 60 s: 59 s more.
        assert_eq!(refused_wait(account_locked(51)).await, 59);
    }

    #[tokio::test]
    async fn an_ip_locked_after_the_account_was_taken_gives_the_account_back() {
        let mut fx = AuthFixture::new();
        let now = fx.now;
        let account = account_key("alice@example.com");
        let taken = account.clone();
        fx.limiter
            .expect_take_attempt()
            .withf(move |key, _, _, _| key == taken)
            .times(1)
            .returning(|_, _, _, now| Ok(AttemptDecision::Taken(first_attempt(now))));
        fx.limiter
            .expect_take_attempt()
            .withf(|key, _, _, _| key == IP_KEY)
            .times(1)
            .returning(|_, _, _, _| {
                Ok(AttemptDecision::Locked {
                    retry_after_secs: 30,
                })
            });
        fx.limiter
            .expect_give_back()
            .withf(move |key, attempt, _| *key == account && *attempt == first_attempt(now))
            .times(1)
            .returning(|_, _, _| Ok(()));
        fx.hasher.expect_verify().never();
        fx.users.expect_find_by_email().never();
        assert_eq!(wait_of(login(fx, "alice@example.com", "x").await), 30);
    }

    #[tokio::test]
    async fn a_store_error_after_the_places_were_taken_gives_them_back() {
        let mut fx = AuthFixture::new();
        fx.attempts_taken(2);
        let given = Arc::new(Mutex::new(Vec::new()));
        let log = given.clone();
        fx.limiter.expect_give_back().returning(move |key, _, _| {
            log.lock().expect("log").push(key.to_owned());
            Ok(())
        });
        fx.users
            .expect_find_by_email()
            .returning(|_, _| Err(StoreError::Unavailable(anyhow::anyhow!("database down"))));
        fx.hasher.expect_verify().never();
        let err = login(fx, "alice@example.com", "x").await.err();
        assert!(matches!(err, Some(AuthError::Unavailable(_))), "{err:?}");
        let given = given.lock().expect("log").clone();
        assert_eq!(given, [account_key("alice@example.com"), IP_KEY.to_owned()]);
    }

    #[tokio::test]
    async fn a_failure_counts_against_the_account_and_the_ip() {
        let mut fx = AuthFixture::new();
        fx.users.expect_find_by_email().returning(|_, _| Ok(None));
        fx.hasher.expect_verify().returning(|_, _| Ok(false));
        let account = account_key("bob@example.com");
        fx.limiter
            .expect_take_attempt()
            .withf(move |key, _, ttl, _| {
                (key == account || key == IP_KEY) && ttl.as_secs() == FAILURE_MEMORY_SECS
            })
            .times(2)
            .returning(|_, _, _, now| Ok(AttemptDecision::Taken(first_attempt(now))));
        assert_invalid_credentials(login(fx, "bob@example.com", "x").await);
    }
}
