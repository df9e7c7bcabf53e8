//! The caller's sessions: listing them and ending one
//! (`GET /auth/sessions`, `DELETE /auth/sessions/{id}`).

use nextarget_ports::{AuthEvent, SessionRecord, StoreContext};
use uuid::Uuid;

use super::{audit::Subject, AuthError, AuthService, Caller};

/// A live session as its user sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub record: SessionRecord,
    /// The session of the request's own access token.
    pub current: bool,
}

impl AuthService {
    /// The caller's live sessions, newest first.
    ///
    /// # Errors
    /// `Unavailable`/`Unknown` from the store.
    #[tracing::instrument(name = "sessions", skip_all)]
    pub async fn sessions(&self, caller: &Caller) -> Result<Vec<SessionView>, AuthError> {
        let now = self.ports.clock.now();
        let records = self
            .ports
            .refresh_tokens
            .live_sessions(caller.user.id, now)
            .await
            .context("Failed to list the sessions")?;
        Ok(records
            .into_iter()
            .map(|record| SessionView {
                current: record.id == caller.session_id,
                record,
            })
            .collect())
    }

    /// Ends one of the caller's live sessions (the current one too: its
    /// access token then stops working).
    ///
    /// # Errors
    /// `NotFound` when `session_id` is not one of the caller's live
    /// sessions; `Unavailable`/`Unknown` from the store.
    #[tracing::instrument(name = "end_session", skip_all)]
    pub async fn end_session(&self, caller: &Caller, session_id: Uuid) -> Result<(), AuthError> {
        let now = self.ports.clock.now();
        let ended = self
            .ports
            .refresh_tokens
            .end_session(caller.user.id, session_id, now)
            .await
            .context("Failed to end the session")?;
        if !ended {
            return Err(AuthError::NotFound);
        }
        self.audit(
            AuthEvent::SessionEnded,
            Subject {
                user_id: Some(caller.user.id),
                session_id: Some(session_id),
                client_ip: None,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{local_user, AuthFixture};

    fn caller() -> Caller {
        Caller {
            user: local_user("alice@example.com"),
            session_id: Uuid::now_v7(),
        }
    }

    fn record(id: Uuid, fx: &AuthFixture) -> SessionRecord {
        SessionRecord {
            id,
            created_at: fx.now,
            last_used_at: fx.now,
            ip: Some("203.0.113.7".into()),
            user_agent: Some("App/1.0".into()),
        }
    }

    #[tokio::test]
    async fn the_list_marks_the_current_session() {
        let mut fx = AuthFixture::new();
        let me = caller();
        let other = Uuid::now_v7();
        let records = vec![record(other, &fx), record(me.session_id, &fx)];
        let user = me.user.id;
        fx.refresh_tokens
            .expect_live_sessions()
            .withf(move |u, _| *u == user)
            .returning(move |_, _| Ok(records.clone()));
        let views = fx.service().sessions(&me).await.expect("sessions");
        let flags: Vec<(Uuid, bool)> = views.iter().map(|v| (v.record.id, v.current)).collect();
        assert_eq!(flags, [(other, false), (me.session_id, true)]);
    }

    #[tokio::test]
    async fn ending_a_session_that_is_not_the_callers_live_one_is_not_found() {
        let mut fx = AuthFixture::new();
        let me = caller();
        let user = me.user.id;
        let target = Uuid::now_v7();
        fx.refresh_tokens
            .expect_end_session()
            .withf(move |u, s, _| (*u, *s) == (user, target))
            .times(1)
            .returning(|_, _, _| Ok(false));
        let err = fx.service().end_session(&me, target).await.err();
        assert!(matches!(err, Some(AuthError::NotFound)), "{err:?}");
    }
}
