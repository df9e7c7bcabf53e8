//! The bearer check of protected endpoints, and account deletion.

use nextarget_ports::{AuthEvent, StoreContext, User, UserId};

use super::{audit::Subject, AuthError, AuthService};

impl AuthService {
    /// The user an access token belongs to, checked on every request: a
    /// token of a deleted user stops working at once.
    ///
    /// # Errors
    /// `Unauthorized` for a bad or expired token or a user that is gone.
    pub async fn authenticate(&self, access_token: &str) -> Result<User, AuthError> {
        let now = self.ports.clock.now();
        let claims = self
            .ports
            .access_tokens
            .verify(access_token, now)
            .map_err(|_| AuthError::Unauthorized)?;
        self.ports
            .users
            .find_by_id(claims.user_id)
            .await
            .context("Failed to load the token's user")?
            .ok_or(AuthError::Unauthorized)
    }

    /// Deletes the user with their refresh tokens and AI history. Every
    /// refresh token is revoked first, so no session outlives the call even
    /// where the rows are not removed with the user.
    ///
    /// # Errors
    /// `Unauthorized` when the user no longer exists.
    pub async fn delete_account(&self, user_id: UserId) -> Result<(), AuthError> {
        let now = self.ports.clock.now();
        self.ports
            .refresh_tokens
            .revoke_all_for_user(user_id, now)
            .await
            .context("Failed to revoke the user's sessions")?;
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
                token_id: Uuid::now_v7(),
                issued_at: now,
                expires_at: now,
            })
        });
        fx.users.expect_find_by_id().returning(|_| Ok(None));
        let err = fx.service().authenticate("token").await.err();
        assert!(matches!(err, Some(AuthError::Unauthorized)), "{err:?}");
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_without_a_lookup() {
        let mut fx = AuthFixture::new();
        fx.access_tokens
            .expect_verify()
            .returning(|_, _| Err(TokenError::Expired));
        fx.users.expect_find_by_id().never();
        let err = fx.service().authenticate("token").await.err();
        assert!(matches!(err, Some(AuthError::Unauthorized)), "{err:?}");
    }

    #[tokio::test]
    async fn a_valid_token_yields_its_user() {
        let mut fx = AuthFixture::new();
        let user = local_user("alice@example.com");
        let id = user.id;
        let now = fx.now;
        fx.access_tokens.expect_verify().returning(move |_, _| {
            Ok(AccessClaims {
                user_id: id,
                token_id: Uuid::now_v7(),
                issued_at: now,
                expires_at: now,
            })
        });
        fx.users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(user.clone())));
        assert_eq!(
            fx.service().authenticate("token").await.expect("user").id,
            id
        );
    }

    #[tokio::test]
    async fn deleting_an_account_revokes_its_refresh_tokens_first() {
        let mut fx = AuthFixture::new();
        let id = Uuid::now_v7();
        let mut seq = mockall::Sequence::new();
        fx.refresh_tokens
            .expect_revoke_all_for_user()
            .withf(move |user, _| *user == id)
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| Ok(2));
        fx.users
            .expect_delete()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(true));
        fx.service().delete_account(id).await.expect("deleted");
    }
}
