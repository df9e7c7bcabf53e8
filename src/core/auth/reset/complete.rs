//! `POST /auth/password/reset`: a reset link's token sets a new password.

use nextarget_ports::{AuthEvent, StoreContext};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{
    audit::Subject, check_password, lockout::account_key, refresh_token, AuthError, AuthService,
    FieldError, MAX_PASSWORD_CHARS, MAX_REFRESH_TOKEN_CHARS,
};
use crate::validation::too_long;

impl AuthService {
    /// Sets the password of the token's user, spends the token, ends every
    /// session of the user and clears the account's failed sign-ins.
    ///
    /// The new password is checked (the sign-up rule, with the account's
    /// email) before the token is spent, so a refused password leaves the
    /// link usable.
    ///
    /// # Errors
    /// `Validation` for a value past its bound or a refused password (field
    /// `new_password`); `InvalidResetToken` for an unknown, used or expired
    /// token (or one whose user is gone).
    pub async fn reset_password(
        &self,
        token: &SecretString,
        new_password: &SecretString,
    ) -> Result<(), AuthError> {
        let errors: Vec<FieldError> = [
            too_long("token", token.expose_secret(), MAX_REFRESH_TOKEN_CHARS),
            too_long(
                "new_password",
                new_password.expose_secret(),
                MAX_PASSWORD_CHARS,
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !errors.is_empty() {
            return Err(AuthError::Validation(errors));
        }
        let now = self.ports.clock.now();
        let hash = refresh_token::hash(token.expose_secret());
        let store = &self.ports.reset_tokens;
        let user_id = store
            .find(&hash, now)
            .await
            .context("Failed to find the reset token")?
            .ok_or(AuthError::InvalidResetToken)?;
        let user = self
            .ports
            .users
            .find_by_id(user_id)
            .await
            .context("Failed to load the reset token's user")?
            .ok_or(AuthError::InvalidResetToken)?;
        if let Err(mut err) = check_password(new_password.expose_secret(), &user.email.parts()) {
            err.field = "new_password".into();
            return Err(AuthError::Validation(vec![err]));
        }
        let password_hash = self.ports.hasher.hash(new_password).await?;
        // Spent only now, atomically: of two concurrent resets one wins.
        if store
            .take(&hash, now)
            .await
            .context("Failed to spend the reset token")?
            .is_none()
        {
            return Err(AuthError::InvalidResetToken);
        }
        if !self
            .ports
            .users
            .set_password_hash(user.id, &password_hash)
            .await
            .context("Failed to store the new password")?
        {
            return Err(AuthError::InvalidResetToken);
        }
        let ended = self
            .ports
            .refresh_tokens
            .end_sessions(user.id, None, now)
            .await
            .context("Failed to end the user's sessions")?;
        self.forget_failures(&account_key(user.email.as_str()))
            .await;
        tracing::info!(ended, "password reset: every session ended");
        self.audit(
            AuthEvent::PasswordReset,
            Subject {
                user_id: Some(user.id),
                ..Subject::default()
            },
        );
        Ok(())
    }
}
