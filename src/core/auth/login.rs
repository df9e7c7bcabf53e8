//! Sign-in with email and password.

use nextarget_ports::{Email, Provider};
use secrecy::{ExposeSecret, SecretString};

use super::{AuthError, AuthService, Session, MAX_PASSWORD_BYTES};

impl AuthService {
    /// Checks the credentials of a local account and opens a session.
    ///
    /// An unknown email, a malformed one and a wrong password all answer
    /// `InvalidCredentials`, after the same bcrypt work, so neither the body
    /// nor the timing tells which accounts exist.
    ///
    /// # Errors
    /// `InvalidCredentials`, or `Unavailable`/`Unknown` from the ports.
    pub async fn login(&self, email: &str, password: &SecretString) -> Result<Session, AuthError> {
        let user = match Email::parse(email) {
            Ok(email) => {
                self.ports
                    .users
                    .find_by_email(&email, Provider::Local)
                    .await?
            }
            Err(_) => None,
        };
        let fits_bcrypt = password.expose_secret().len() <= MAX_PASSWORD_BYTES;
        let stored = user
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .filter(|_| fits_bcrypt);
        let matches = self.ports.hasher.verify(password, stored).await?;
        match user {
            Some(user) if matches => self.open_session(user).await,
            _ => Err(AuthError::InvalidCredentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{local_user, secret, Fixture};
    use super::*;

    #[tokio::test]
    async fn the_right_password_opens_a_session() {
        let mut fx = Fixture::new();
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
            .login("alice@example.com", &secret("right"))
            .await
            .expect("session");
        assert_eq!(session.user.email.as_str(), "alice@example.com");
    }

    #[tokio::test]
    async fn an_unknown_email_still_pays_for_a_dummy_verification() {
        let mut fx = Fixture::new();
        fx.users.expect_find_by_email().returning(|_, _| Ok(None));
        fx.hasher
            .expect_verify()
            .withf(|_, hash| hash.is_none())
            .times(1)
            .returning(|_, _| Ok(false));
        let err = fx
            .service()
            .login("ghost@example.com", &secret("x"))
            .await
            .err();
        assert!(
            matches!(err, Some(AuthError::InvalidCredentials)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_wrong_password_is_the_same_error_as_an_unknown_email() {
        let mut fx = Fixture::new();
        fx.users
            .expect_find_by_email()
            .returning(|email, _| Ok(Some(local_user(email.as_str()))));
        fx.hasher.expect_verify().returning(|_, _| Ok(false));
        let err = fx
            .service()
            .login("alice@example.com", &secret("wrong"))
            .await
            .err();
        assert!(
            matches!(err, Some(AuthError::InvalidCredentials)),
            "{err:?}"
        );
    }
}
