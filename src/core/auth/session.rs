//! Opening a session: an access token and the first refresh token of a new
//! family.

use chrono::{DateTime, Duration, Utc};
use nextarget_ports::{ClientInfo, NewRefreshToken, StoreContext, User};
use secrecy::SecretString;
use uuid::Uuid;

use super::{refresh_token, AuthError, AuthService};

/// Who an authenticated request comes from: the user and the session its
/// access token was issued for (both checked live on this request).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub session_id: Uuid,
}

/// What a successful sign-in hands the client.
pub struct Session {
    pub user: User,
    /// The refresh-token family this session is.
    pub session_id: Uuid,
    pub access_token: SecretString,
    pub expires_in_secs: u64,
    pub refresh_token: SecretString,
}

impl AuthService {
    /// When a refresh token issued at `now` expires.
    pub(super) fn refresh_expiry(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let ttl = Duration::seconds(
            i64::try_from(self.policy.refresh_token_ttl_secs).unwrap_or(i64::MAX / 1000),
        );
        now + ttl
    }

    /// Signs an access token for `user` and pairs it with `refresh_token`.
    pub(super) fn session(
        &self,
        user: User,
        session_id: Uuid,
        now: DateTime<Utc>,
        refresh_token: String,
    ) -> Result<Session, AuthError> {
        let access = self.ports.access_tokens.issue(user.id, session_id, now)?;
        Ok(Session {
            user,
            session_id,
            access_token: SecretString::from(access.token),
            expires_in_secs: access.expires_in_secs,
            refresh_token: SecretString::from(refresh_token),
        })
    }

    /// Issues an access token and a new refresh-token family (a session,
    /// recording `client`) for `user`.
    pub(crate) async fn open_session(
        &self,
        user: User,
        client: &ClientInfo,
    ) -> Result<Session, AuthError> {
        let now = self.ports.clock.now();
        let token = refresh_token::generate();
        let record = NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: user.id,
            family_id: Uuid::now_v7(),
            token_hash: refresh_token::hash(&token),
            created_at: now,
            expires_at: self.refresh_expiry(now),
            client: client.clone(),
        };
        let session = self.session(user, record.family_id, now, token)?;
        self.ports
            .refresh_tokens
            .insert(&record)
            .await
            .context("Failed to store the new refresh token")?;
        Ok(session)
    }
}
