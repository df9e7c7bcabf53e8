//! Signing out: the presented refresh token's whole family is revoked.

use nextarget_ports::{AuthEvent, StoreContext};
use secrecy::{ExposeSecret, SecretString};

use super::{audit::Subject, input_limits, refresh_token, AuthError, AuthService};

impl AuthService {
    /// Revokes the family of `token`. A spent (but not revoked) token still
    /// signs its family out; an unknown, expired or revoked one does not.
    ///
    /// # Errors
    /// `Validation` for a token past its bound; `InvalidRefreshToken` for
    /// an unknown, expired or revoked token.
    pub async fn logout(&self, token: &SecretString) -> Result<(), AuthError> {
        input_limits::check_refresh_token(token)?;
        let now = self.ports.clock.now();
        let hash = refresh_token::hash(token.expose_secret());
        let record = self
            .ports
            .refresh_tokens
            .find(&hash)
            .await
            .context("Failed to find the refresh token")?
            .filter(|r| r.revoked_at.is_none() && r.expires_at > now)
            .ok_or(AuthError::InvalidRefreshToken)?;
        self.ports
            .refresh_tokens
            .revoke_family(record.family_id, now)
            .await
            .context("Failed to revoke the session")?;
        self.audit(
            AuthEvent::LoggedOut,
            Subject {
                user_id: Some(record.user_id),
                session_id: Some(record.family_id),
                client_ip: None,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::{secret, AuthFixture};

    #[tokio::test]
    async fn logging_out_revokes_the_family_of_the_token() {
        let mut fx = AuthFixture::new();
        let rec = fx.refresh_record();
        let family = rec.family_id;
        let expected_hash = refresh_token::hash("tok");
        fx.refresh_tokens
            .expect_find()
            .withf(move |h| h == expected_hash)
            .returning(move |_| Ok(Some(rec.clone())));
        fx.refresh_tokens
            .expect_revoke_family()
            .withf(move |f, _| *f == family)
            .times(1)
            .returning(|_, _| Ok(3));
        fx.service()
            .logout(&secret("tok"))
            .await
            .expect("signed out");
    }

    #[tokio::test]
    async fn unknown_revoked_and_expired_tokens_are_invalid() {
        for state in ["unknown", "revoked", "expired"] {
            let mut fx = AuthFixture::new();
            let mut rec = fx.refresh_record();
            match state {
                "revoked" => rec.revoked_at = Some(fx.now),
                "expired" => rec.expires_at = fx.now,
                _ => {}
            }
            let found = (state != "unknown").then_some(rec);
            fx.refresh_tokens
                .expect_find()
                .returning(move |_| Ok(found.clone()));
            fx.refresh_tokens.expect_revoke_family().never();
            let err = fx.service().logout(&secret("tok")).await.err();
            assert!(
                matches!(err, Some(AuthError::InvalidRefreshToken)),
                "{state}: {err:?}"
            );
        }
    }
}
