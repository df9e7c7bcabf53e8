//! Sign-up with email and password.

use nextarget_ports::{AuthEvent, ClientInfo, Email, NewUser, Provider, StoreContext, StoreError};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{audit::Subject, check_password, AuthError, AuthService, FieldError, Session};

impl AuthService {
    /// Creates a local account and opens its first session.
    ///
    /// # Errors
    /// `Validation` listing every bad field (missing or malformed email,
    /// missing, short, long or guessable password); `EmailTaken` when a local
    /// account already has this email, even when two sign-ups race.
    #[tracing::instrument(name = "register", skip_all)]
    pub async fn register_local(
        &self,
        email: Option<&str>,
        password: Option<&SecretString>,
        client: &ClientInfo,
    ) -> Result<Session, AuthError> {
        let mut errors = Vec::new();
        let email = match email.map(Email::parse) {
            None => {
                errors.push(FieldError::new("email", "is required"));
                None
            }
            Some(Err(err)) => {
                errors.push(FieldError::new("email", err.to_string()));
                None
            }
            Some(Ok(email)) => Some(email),
        };
        match password {
            None => errors.push(FieldError::new(
                "password",
                "is required for provider local",
            )),
            Some(password) => {
                let hints = email.as_ref().map(Email::parts).unwrap_or_default();
                if let Err(err) = check_password(password.expose_secret(), &hints) {
                    errors.push(err);
                }
            }
        }
        let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
            return Err(AuthError::Validation(errors));
        };
        // Spares a bcrypt round on the common duplicate; the unique index
        // still decides when two sign-ups race.
        if self
            .ports
            .users
            .find_by_email(&email, Provider::Local)
            .await
            .context("Failed to look up the email")?
            .is_some()
        {
            return Err(AuthError::EmailTaken);
        }
        let password_hash = self.ports.hasher.hash(password).await?;
        let user = self
            .ports
            .users
            .create(&NewUser {
                id: Uuid::now_v7(),
                email,
                provider: Provider::Local,
                provider_subject: None,
                password_hash: Some(password_hash),
                created_at: self.ports.clock.now(),
            })
            .await
            .map_err(|err| match err {
                // The unique index decided a race between two sign-ups.
                StoreError::Duplicate(_) => AuthError::EmailTaken,
                other => other.context("Failed to create the local account").into(),
            })?;
        let session = self.open_session(user, client).await?;
        self.audit(
            AuthEvent::SignUp,
            Subject {
                user_id: Some(session.user.id),
                session_id: Some(session.session_id),
                client_ip: client.ip,
            },
        );
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use nextarget_ports::{PasswordHash, StoreError};

    use super::*;
    use crate::test_support::{secret, AuthFixture};

    #[tokio::test]
    async fn a_new_email_gets_an_account_and_a_session() {
        let mut fx = AuthFixture::new();
        fx.users.expect_find_by_email().returning(|_, _| Ok(None));
        fx.hasher
            .expect_hash()
            .returning(|_| Ok(PasswordHash::new("$2b$04$hash".into())));
        fx.users
            .expect_create()
            .withf(|u| u.email.as_str() == "alice@example.com" && u.provider == Provider::Local)
            .returning(|u| Ok(u.clone().into()));
        fx.expect_session_issued();
        let session = fx
            .service()
            .register_local(
                Some(" Alice@Example.com "),
                Some(&secret("tundra-Velvet-93-orbit")),
                &ClientInfo::default(),
            )
            .await
            .expect("registered");
        assert_eq!(session.user.email.as_str(), "alice@example.com");
    }

    #[tokio::test]
    async fn every_bad_field_is_reported_at_once() {
        let fx = AuthFixture::new();
        let err = fx
            .service()
            .register_local(
                Some("not-an-email"),
                Some(&secret("short")),
                &ClientInfo::default(),
            )
            .await
            .err();
        let Some(AuthError::Validation(fields)) = err else {
            panic!("expected a validation error, got {err:?}");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["email", "password"]);
    }

    #[tokio::test]
    async fn a_race_lost_at_the_unique_index_is_email_taken() {
        let mut fx = AuthFixture::new();
        fx.users.expect_find_by_email().returning(|_, _| Ok(None));
        fx.hasher
            .expect_hash()
            .returning(|_| Ok(PasswordHash::new("$2b$04$hash".into())));
        fx.users
            .expect_create()
            .returning(|_| Err(StoreError::Duplicate("users_email_provider")));
        let err = fx
            .service()
            .register_local(
                Some("bob@example.com"),
                Some(&secret("tundra-Velvet-93-orbit")),
                &ClientInfo::default(),
            )
            .await
            .err();
        assert!(matches!(err, Some(AuthError::EmailTaken)), "{err:?}");
    }
}
