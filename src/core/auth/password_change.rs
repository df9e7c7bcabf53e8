//! `POST /auth/password`: a signed-in user changes their password.

use std::net::IpAddr;

use nextarget_ports::{AuthEvent, StoreContext};
use secrecy::{ExposeSecret, SecretString};

use super::{
    audit::Subject,
    check_password,
    lockout::{account_key, ip_key},
    AuthError, AuthService, Caller, FieldError, MAX_PASSWORD_BYTES, MAX_PASSWORD_CHARS,
};
use crate::validation::too_long;

impl AuthService {
    /// Replaces the caller's password after checking the current one, then
    /// ends every other session of the user (this one stays).
    ///
    /// A wrong current password counts as a failed sign-in of the account
    /// and of `client_ip`, under the same locks and taken the same way:
    /// atomically, before the password is verified (see `lockout`).
    ///
    /// # Errors
    /// `Validation` for a value past its bound or a new password the
    /// sign-up rule refuses (field `new_password`); `NoPassword` for an
    /// account that signs in only through a provider; `TooManyAttempts`;
    /// `InvalidCredentials` for a wrong current password.
    #[tracing::instrument(name = "change_password", skip_all)]
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: &SecretString,
        new: &SecretString,
        client_ip: Option<IpAddr>,
    ) -> Result<(), AuthError> {
        let errors: Vec<FieldError> = [
            too_long(
                "current_password",
                current.expose_secret(),
                MAX_PASSWORD_CHARS,
            ),
            too_long("new_password", new.expose_secret(), MAX_PASSWORD_CHARS),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !errors.is_empty() {
            return Err(AuthError::Validation(errors));
        }
        let user = &caller.user;
        let Some(stored) = user.password_hash.clone() else {
            return Err(AuthError::NoPassword);
        };
        if let Err(mut err) = check_password(new.expose_secret(), &user.email.parts()) {
            err.field = "new_password".into();
            return Err(AuthError::Validation(vec![err]));
        }
        let now = self.ports.clock.now();
        let account = account_key(user.email.as_str());
        let mut keys = vec![account.clone()];
        keys.extend(ip_key("login", client_ip));
        let places = self.take_places(&keys, now).await?;
        let fits_bcrypt = current.expose_secret().len() <= MAX_PASSWORD_BYTES;
        let verified = self
            .ports
            .hasher
            .verify(current, Some(stored).filter(|_| fits_bcrypt))
            .await;
        let matches = match verified {
            Ok(matches) => matches,
            Err(err) => {
                self.give_back(places).await;
                return Err(err.into());
            }
        };
        let subject = Subject {
            user_id: Some(user.id),
            session_id: Some(caller.session_id),
            client_ip,
        };
        if !matches {
            // The places stay taken: they are this failure's count.
            self.audit(AuthEvent::SignInFailed, subject);
            return Err(AuthError::InvalidCredentials);
        }
        self.attempt_succeeded(places, &account).await;
        let hash = self.ports.hasher.hash(new).await?;
        if !self
            .ports
            .users
            .set_password_hash(user.id, &hash)
            .await
            .context("Failed to store the new password")?
        {
            return Err(AuthError::Unauthorized);
        }
        let ended = self
            .ports
            .refresh_tokens
            .end_sessions(user.id, Some(caller.session_id), now)
            .await
            .context("Failed to end the other sessions")?;
        tracing::info!(ended, "password changed: other sessions ended");
        self.audit(AuthEvent::PasswordChanged, subject);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::test_support::{local_user, secret, AuthFixture};

    const NEW: &str = "a fresh harbour of quiet lanterns";

    fn caller() -> Caller {
        Caller {
            user: local_user("alice@example.com"),
            session_id: Uuid::now_v7(),
        }
    }

    #[tokio::test]
    async fn the_right_password_is_replaced_and_other_sessions_end() {
        let mut fx = AuthFixture::new();
        fx.attempts_taken(1);
        fx.limiter
            .expect_clear_failures()
            .times(1)
            .returning(|_| Ok(()));
        let me = caller();
        let (user, session) = (me.user.id, me.session_id);
        fx.hasher
            .expect_verify()
            .returning(|password, _| Ok(password.expose_secret() == "the current one"));
        fx.hasher
            .expect_hash()
            .withf(|p| p.expose_secret() == NEW)
            .times(1)
            .returning(|_| Ok(nextarget_ports::PasswordHash::new("$2b$04$new".into())));
        let mut order = mockall::Sequence::new();
        fx.users
            .expect_set_password_hash()
            .withf(move |u, h| *u == user && h.as_str() == "$2b$04$new")
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _| Ok(true));
        fx.refresh_tokens
            .expect_end_sessions()
            .withf(move |u, except, _| *u == user && *except == Some(session))
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _, _| Ok(1));
        fx.service()
            .change_password(&me, &secret("the current one"), &secret(NEW), None)
            .await
            .expect("changed");
    }

    #[tokio::test]
    async fn a_wrong_current_password_counts_and_changes_nothing() {
        let mut fx = AuthFixture::new();
        fx.attempts_taken(1);
        fx.limiter.expect_give_back().never();
        fx.limiter.expect_clear_failures().never();
        fx.hasher.expect_verify().returning(|_, _| Ok(false));
        fx.hasher.expect_hash().never();
        fx.users.expect_set_password_hash().never();
        fx.refresh_tokens.expect_end_sessions().never();
        let err = fx
            .service()
            .change_password(&caller(), &secret("wrong"), &secret(NEW), None)
            .await
            .err();
        assert!(
            matches!(err, Some(AuthError::InvalidCredentials)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_locked_account_is_refused_before_the_password_is_checked() {
        let mut fx = AuthFixture::new();
        fx.limiter
            .expect_take_attempt()
            .times(1)
            .returning(|_, _, _, _| {
                Ok(nextarget_ports::AttemptDecision::Locked {
                    retry_after_secs: 42,
                })
            });
        fx.hasher.expect_verify().never();
        let err = fx
            .service()
            .change_password(&caller(), &secret("the current one"), &secret(NEW), None)
            .await
            .err();
        assert!(
            matches!(
                err,
                Some(AuthError::TooManyAttempts {
                    retry_after_secs: 42
                })
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_provider_account_has_no_password_to_change() {
        let mut fx = AuthFixture::new();
        let mut me = caller();
        me.user.password_hash = None;
        fx.hasher.expect_verify().never();
        let err = fx
            .service()
            .change_password(&me, &secret("anything"), &secret(NEW), None)
            .await
            .err();
        assert!(matches!(err, Some(AuthError::NoPassword)), "{err:?}");
    }

    #[tokio::test]
    async fn a_new_password_built_from_the_email_is_refused_by_field() {
        let fx = AuthFixture::new();
        let err = fx
            .service()
            .change_password(&caller(), &secret("x"), &secret("alice@example.com1"), None)
            .await
            .err();
        let Some(AuthError::Validation(errors)) = err else {
            panic!("{err:?}");
        };
        assert_eq!(errors[0].field, "new_password");
    }
}
