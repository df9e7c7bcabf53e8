//! The bearer check of protected endpoints, and account deletion.

use nextarget_ports::{AuthEvent, StoreContext, UserId};

use super::{audit::Subject, AuthError, AuthService, Caller};

impl AuthService {
    /// The user and session an access token belongs to, checked on every
    /// request in one lookup: a token of a deleted user or of an ended
    /// session stops working at once.
    ///
    /// # Errors
    /// `Unauthorized` for a bad or expired token, a user that is gone or a
    /// session that ended.
    #[tracing::instrument(level = "debug", name = "authenticate", skip_all)]
    pub async fn authenticate(&self, access_token: &str) -> Result<Caller, AuthError> {
        let now = self.ports.clock.now();
        let claims = self
            .ports
            .access_tokens
            .verify(access_token, now)
            .map_err(|_| AuthError::Unauthorized)?;
        let live = self
            .ports
            .users
            .find_by_session(claims.user_id, claims.session_id, now)
            .await
            .context("Failed to load the token's user and session")?
            .ok_or(AuthError::Unauthorized)?;
        Ok(Caller {
            user: live.user,
            session_id: claims.session_id,
        })
    }

    /// Deletes the user with their sessions and AI history. Every session
    /// is ended first, so none outlives the call even where the rows are
    /// not removed with the user.
    ///
    /// # Errors
    /// `Unauthorized` when the user no longer exists.
    #[tracing::instrument(name = "delete_account", skip_all)]
    pub async fn delete_account(&self, user_id: UserId) -> Result<(), AuthError> {
        let now = self.ports.clock.now();
        self.ports
            .refresh_tokens
            .end_sessions(user_id, None, now)
            .await
            .context("Failed to end the user's sessions")?;
        if self
            .ports
            .users
            .delete(user_id)
            .await
            .context("Failed to delete the user")?
        {
            self.audit(
                AuthEvent::AccountDeleted,
                Subject {
                    user_id: Some(user_id),
                    ..Subject::default()
                },
            );
            Ok(())
        } else {
            Err(AuthError::Unauthorized)
        }
    }
}

#[cfg(test)]
mod tests {
    use nextarget_ports::{AccessClaims, TokenError};
    use uuid::Uuid;

    use super::*;
    use crate::test_support::{local_user, AuthFixture};

    #[tokio::test]
    async fn a_valid_token_of_a_deleted_user_is_refused() {
        let mut fx = AuthFixture::new();
        let now = fx.now;
        fx.access_tokens.expect_verify().returning(move |_, _| {
            Ok(AccessClaims {
                user_id: Uuid::now_v7(),
                session_id: Uuid::now_v7(),
                token_id: Uuid::now_v7(),
                issued_at: now,
                expires_at: now,
            })
        });
        fx.users
            .expect_find_by_session()
            .returning(|_, _, _| Ok(None));
        let err = fx.service().authenticate("token").await.err();
        assert!(matches!(err, Some(AuthError::Unauthorized)), "{err:?}");
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_without_a_lookup() {
        let mut fx = AuthFixture::new();
        fx.access_tokens
            .expect_verify()
            .returning(|_, _| Err(TokenError::Expired));
        fx.users.expect_find_by_session().never();
        let err = fx.service().authenticate("token").await.err();
        assert!(matches!(err, Some(AuthError::Unauthorized)), "{err:?}");
    }

    #[tokio::test]
    async fn a_valid_token_of_a_live_session_yields_its_user_and_session() {
        let mut fx = AuthFixture::new();
        let user = local_user("alice@example.com");
        let id = user.id;
        let sid = Uuid::now_v7();
        let now = fx.now;
        fx.access_tokens.expect_verify().returning(move |_, _| {
            Ok(AccessClaims {
                user_id: id,
                session_id: sid,
                token_id: Uuid::now_v7(),
                issued_at: now,
                expires_at: now,
            })
        });
        fx.users
            .expect_find_by_session()
            .withf(move |user, session, at| *user == id && *session == sid && *at == now)
            .returning(move |_, _, _| {
                Ok(Some(nextarget_ports::LiveSession {
                    user: user.clone(),
                    expires_at: now,
                }))
            });
        let caller = fx.service().authenticate("token").await.expect("caller");
        assert_eq!((caller.user.id, caller.session_id), (id, sid));
    }

    #[tokio::test]
    async fn deleting_an_account_ends_its_sessions_first() {
        let mut fx = AuthFixture::new();
        let id = Uuid::now_v7();
        let mut seq = mockall::Sequence::new();
        fx.refresh_tokens
            .expect_end_sessions()
            .withf(move |user, except, _| *user == id && except.is_none())
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _, _| Ok(2));
        fx.users
            .expect_delete()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(true));
        fx.service().delete_account(id).await.expect("deleted");
    }
}
