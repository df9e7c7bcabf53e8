//! Refreshing a session: the presented refresh token is spent and the next
//! one of its family issued (rotation, reuse detection and the grace rule
//! are the store's, documented on `nextarget_ports::refresh_tokens`).

use std::time::Duration;

use nextarget_ports::{
    AuthEvent, ClientInfo, NextRefreshToken, RotateError, RotationKind, StoreContext,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{
    audit::Subject, input_limits, lockout::ip_key, refresh_token, AuthError, AuthService, Session,
};

impl AuthService {
    /// Exchanges `token` for a new access token and the next refresh token
    /// of its family. A token this server never issued counts against
    /// `client_ip` like a failed sign-in (see `lockout`); an expired,
    /// revoked or reused one (really issued: a stale app) does not.
    ///
    /// The IP's lock is read before the store is asked, so a locked IP is
    /// refused whatever its token. The IP's place is taken (atomically, as
    /// a sign-in takes it) only once the token proves never issued, and a
    /// lock reached by then refuses it too, uncounted: of N concurrent
    /// never-issued tokens at most the threshold answer
    /// `InvalidRefreshToken`, the others `TooManyAttempts`. Why not take the
    /// place before the lookup, as a sign-in does before bcrypt: nearly all
    /// refreshes are good, and each would hold a place while under way, so
    /// near the threshold the good refreshes of the many users behind one
    /// NAT would refuse one another, for two more limiter round trips each.
    /// The cost of reading instead: a good token presented while the lock
    /// is being reached may still pass, and a good token cannot be guessed
    /// (256 random bits).
    ///
    /// # Errors
    /// `Validation` for a token past its bound; `TooManyAttempts` while the
    /// client IP is locked; `InvalidRefreshToken`
    /// for an unknown, expired or revoked token (or one whose user is gone);
    /// `RefreshTokenReused` when a spent token came back (its family is then
    /// revoked).
    #[tracing::instrument(name = "refresh", skip_all)]
    pub async fn refresh(
        &self,
        token: &SecretString,
        client: &ClientInfo,
    ) -> Result<Session, AuthError> {
        input_limits::check_refresh_token(token)?;
        let client_ip = client.ip;
        let now = self.ports.clock.now();
        let keys: Vec<String> = ip_key("refresh", client_ip).into_iter().collect();
        self.ensure_not_locked(&keys, now).await?;
        let next_token = refresh_token::generate();
        let next = NextRefreshToken {
            id: Uuid::now_v7(),
            token_hash: refresh_token::hash(&next_token),
            created_at: now,
            expires_at: self.refresh_expiry(now),
            client: client.clone(),
        };
        let grace = Duration::from_secs(self.policy.refresh_reuse_grace_secs);
        let presented = refresh_token::hash(token.expose_secret());
        let rotation = match self
            .ports
            .refresh_tokens
            .rotate(&presented, &next, now, grace)
            .await
        {
            Ok(rotation) => rotation,
            Err(RotateError::Invalid) => {
                // Only a token this server never issued counts against the
                // IP: an expired or revoked one is a stale app, not a guess.
                let issued = self
                    .ports
                    .refresh_tokens
                    .find(&presented)
                    .await
                    .context("Failed to look up a refused refresh token")?
                    .is_some();
                if !issued {
                    // The places stay taken: they are this failure's count.
                    self.take_places(&keys, now).await?;
                }
                return Err(AuthError::InvalidRefreshToken);
            }
            Err(RotateError::Reused) => {
                tracing::warn!("a spent refresh token was presented again: its family is revoked");
                self.audit(
                    AuthEvent::RefreshReused,
                    Subject {
                        client_ip,
                        ..Subject::default()
                    },
                );
                return Err(AuthError::RefreshTokenReused);
            }
            Err(RotateError::Store(err)) => {
                return Err(err.context("Failed to rotate the refresh token").into())
            }
        };
        if rotation.kind == RotationKind::GraceReplay {
            tracing::info!(family_id = %rotation.family_id, "previous refresh token replayed within its grace");
        }
        let user = self
            .ports
            .users
            .find_by_id(rotation.user_id)
            .await
            .context("Failed to load the session's user")?
            .ok_or(AuthError::InvalidRefreshToken)?;
        self.audit(
            AuthEvent::Refreshed,
            Subject {
                user_id: Some(user.id),
                session_id: Some(rotation.family_id),
                client_ip,
            },
        );
        self.session(user, rotation.family_id, now, next_token)
    }
}

#[cfg(test)]
mod tests {
    use nextarget_ports::{AttemptDecision, FailureCount, Rotation};

    use super::*;
    use crate::test_support::{first_attempt, local_user, secret, wait_of, AuthFixture};

    fn rotation(user_id: Uuid, kind: RotationKind) -> Rotation {
        Rotation {
            user_id,
            family_id: Uuid::now_v7(),
            kind,
        }
    }

    #[tokio::test]
    async fn a_live_token_is_rotated_into_a_new_session() {
        let mut fx = AuthFixture::new();
        fx.no_failures_recorded();
        let user = local_user("alice@example.com");
        let id = user.id;
        let presented = refresh_token::hash("old");
        let now = fx.now;
        fx.refresh_tokens
            .expect_rotate()
            .withf(move |hash, next, at, grace| {
                hash == presented
                    && next.token_hash != presented
                    && *at == now
                    && next.expires_at == now + chrono::Duration::seconds(3600)
                    && *grace == Duration::from_secs(5)
            })
            .times(1)
            .returning(move |_, _, _, _| Ok(rotation(id, RotationKind::Rotated)));
        fx.users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(user.clone())));
        fx.expect_access_token_issued();
        let session = fx
            .service()
            .refresh(&secret("old"), &ClientInfo::default())
            .await
            .expect("session");
        assert_eq!(session.user.id, id);
        assert_ne!(session.refresh_token.expose_secret(), "old");
    }

    #[tokio::test]
    async fn only_a_never_issued_token_counts_against_the_ip() {
        // (what rotate says, whether the token was issued, counted?)
        let cases = [
            (RotateError::Invalid, false, true),
            (RotateError::Invalid, true, false),
            (RotateError::Reused, true, false),
        ];
        for (outcome, issued, counted) in cases {
            let reused = matches!(outcome, RotateError::Reused);
            let mut fx = AuthFixture::new();
            fx.no_failures_recorded();
            fx.limiter
                .expect_take_attempt()
                .withf(|key, policy, _, _| {
                    key == "auth-fail:refresh:ip:10.0.0.7" && policy.max == 50
                })
                .times(usize::from(counted))
                .returning(|_, _, _, now| Ok(AttemptDecision::Taken(first_attempt(now))));
            let mut outcome = Some(outcome);
            fx.refresh_tokens
                .expect_rotate()
                .returning(move |_, _, _, _| Err(outcome.take().expect("one call")));
            let record = fx.refresh_record();
            fx.refresh_tokens
                .expect_find()
                .returning(move |_| Ok(issued.then(|| record.clone())));
            let err = fx
                .service()
                .refresh(
                    &secret("tok"),
                    &ClientInfo::new(Some([10, 0, 0, 7].into()), None),
                )
                .await
                .err();
            if reused {
                assert!(
                    matches!(err, Some(AuthError::RefreshTokenReused)),
                    "{err:?}"
                );
            } else {
                assert!(
                    matches!(err, Some(AuthError::InvalidRefreshToken)),
                    "{err:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_locked_ip_is_refused_before_the_store_is_asked() {
        let mut fx = AuthFixture::new();
        let now = fx.now;
        // The per-IP threshold (`max_failed_logins_per_ip`, 50 here).
        fx.limiter.expect_failures().returning(move |_, _| {
            Ok(FailureCount {
                count: 50,
                last_failure_at: Some(now),
            })
        });
        fx.refresh_tokens.expect_rotate().never();
        let answer = fx
            .service()
            .refresh(
                &secret("tok"),
                &ClientInfo::new(Some([10, 0, 0, 7].into()), None),
            )
            .await;
        assert_eq!(wait_of(answer), 30);
    }

    #[tokio::test]
    async fn a_never_issued_token_meeting_a_lock_reached_meanwhile_is_refused_uncounted() {
        let mut fx = AuthFixture::new();
        fx.no_failures_recorded();
        fx.refresh_tokens
            .expect_rotate()
            .returning(|_, _, _, _| Err(RotateError::Invalid));
        fx.refresh_tokens.expect_find().returning(|_| Ok(None));
        fx.limiter
            .expect_take_attempt()
            .times(1)
            .returning(|_, _, _, _| {
                Ok(AttemptDecision::Locked {
                    retry_after_secs: 30,
                })
            });
        let answer = fx
            .service()
            .refresh(
                &secret("tok"),
                &ClientInfo::new(Some([10, 0, 0, 7].into()), None),
            )
            .await;
        assert_eq!(wait_of(answer), 30);
    }
}
