//! Opening a session: an access token and the first refresh token of a new
//! family.

use chrono::Duration;
use nextarget_ports::{NewRefreshToken, StoreError, User};
use secrecy::SecretString;
use uuid::Uuid;

use super::{refresh_token, AuthError, AuthService};

/// What a successful sign-in hands the client.
pub struct Session {
    pub user: User,
    pub access_token: SecretString,
    pub expires_in_secs: u64,
    pub refresh_token: SecretString,
}

impl AuthService {
    /// Issues an access token and a new refresh-token family for `user`.
    pub(crate) async fn open_session(&self, user: User) -> Result<Session, AuthError> {
        let now = self.ports.clock.now();
        let access = self.ports.access_tokens.issue(user.id, now)?;
        let token = refresh_token::generate();
        let ttl = Duration::seconds(
            i64::try_from(self.policy.refresh_token_ttl_secs).unwrap_or(i64::MAX / 1000),
        );
        let record = NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: user.id,
            family_id: Uuid::now_v7(),
            token_hash: refresh_token::hash(&token),
            created_at: now,
            expires_at: now + ttl,
        };
        self.ports
            .refresh_tokens
            .insert(&record)
            .await
            .map_err(|err| match err {
                StoreError::Duplicate(rule) => {
                    AuthError::Unknown(anyhow::anyhow!("refresh token collision on {rule}"))
                }
                other => other.into(),
            })?;
        Ok(Session {
            user,
            access_token: SecretString::from(access.token),
            expires_in_secs: access.expires_in_secs,
            refresh_token: SecretString::from(token),
        })
    }
}
