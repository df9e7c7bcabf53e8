//! Signing out with a refresh token: its own session, the user's other
//! sessions, or all of them.

use std::net::IpAddr;

use nextarget_ports::{AuthEvent, StoreContext};
use secrecy::{ExposeSecret, SecretString};

use super::{audit::Subject, input_limits, refresh_token, AuthError, AuthService};

/// Which sessions a logout ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogoutScope {
    /// The session of the presented token.
    #[default]
    Local,
    /// Every other session of its user; this one stays.
    Others,
    /// Every session of its user.
    Global,
}

impl AuthService {
    /// Ends the sessions `scope` names, found through `token`. A spent (but
    /// not revoked) token still signs its session out; an unknown, expired
    /// or revoked one does not. Each session ends with its refresh tokens
    /// and its access tokens.
    ///
    /// # Errors
    /// `Validation` for a token past its bound; `InvalidRefreshToken` for
    /// an unknown, expired or revoked token.
    #[tracing::instrument(name = "logout", skip_all)]
    pub async fn logout(
        &self,
        token: &SecretString,
        scope: LogoutScope,
        client_ip: Option<IpAddr>,
    ) -> Result<(), AuthError> {
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
        let store = &self.ports.refresh_tokens;
        let (user, session) = (record.user_id, record.family_id);
        let subject = Subject {
            user_id: Some(user),
            session_id: Some(session),
            client_ip,
        };
        match scope {
            LogoutScope::Local => {
                store
                    .end_session(user, session, now)
                    .await
                    .context("Failed to end the session")?;
                self.audit(AuthEvent::LoggedOut, subject);
            }
            LogoutScope::Others | LogoutScope::Global => {
                let keep = (scope == LogoutScope::Others).then_some(session);
                let ended = store
                    .end_sessions(user, keep, now)
                    .await
                    .context("Failed to end the user's sessions")?;
                tracing::info!(ended, ?scope, "sessions ended by logout");
                if keep.is_none() {
                    self.audit(AuthEvent::LoggedOut, subject);
                }
                self.audit(AuthEvent::SessionEnded, subject);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::{secret, AuthFixture};

    #[tokio::test]
    async fn logging_out_ends_the_session_of_the_token() {
        let mut fx = AuthFixture::new();
        let rec = fx.refresh_record();
        let (user, family) = (rec.user_id, rec.family_id);
        let expected_hash = refresh_token::hash("tok");
        fx.refresh_tokens
            .expect_find()
            .withf(move |h| h == expected_hash)
            .returning(move |_| Ok(Some(rec.clone())));
        fx.refresh_tokens
            .expect_end_session()
            .withf(move |u, f, _| (*u, *f) == (user, family))
            .times(1)
            .returning(|_, _, _| Ok(true));
        fx.refresh_tokens.expect_end_sessions().never();
        fx.service()
            .logout(&secret("tok"), LogoutScope::Local, None)
            .await
            .expect("signed out");
    }

    #[tokio::test]
    async fn others_keeps_this_session_and_global_ends_all() {
        for (scope, keeps) in [(LogoutScope::Others, true), (LogoutScope::Global, false)] {
            let mut fx = AuthFixture::new();
            let rec = fx.refresh_record();
            let (user, family) = (rec.user_id, rec.family_id);
            fx.refresh_tokens
                .expect_find()
                .returning(move |_| Ok(Some(rec.clone())));
            fx.refresh_tokens.expect_end_session().never();
            fx.refresh_tokens
                .expect_end_sessions()
                .withf(move |u, except, _| *u == user && *except == keeps.then_some(family))
                .times(1)
                .returning(|_, _, _| Ok(2));
            fx.service()
                .logout(&secret("tok"), scope, None)
                .await
                .expect("signed out");
        }
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
            fx.refresh_tokens.expect_end_session().never();
            let err = fx
                .service()
                .logout(&secret("tok"), LogoutScope::Local, None)
                .await
                .err();
            assert!(
                matches!(err, Some(AuthError::InvalidRefreshToken)),
                "{state}: {err:?}"
            );
        }
    }
}
