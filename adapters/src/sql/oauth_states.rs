use chrono::{DateTime, Utc};
use nextarget_ports::{OAuthStateRecord, StoreError};

/// The columns of `oauth_states`, in the order both adapters select them.
pub(crate) const OAUTH_STATE_COLUMNS: &str =
    "state, provider, nonce, pkce_verifier, redirect_uri, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OAuthStateRow {
    pub state: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl OAuthStateRow {
    /// The record, unless it expired at `now`.
    pub(crate) fn into_live(
        self,
        now: DateTime<Utc>,
    ) -> Result<Option<OAuthStateRecord>, StoreError> {
        if self.expires_at <= now {
            return Ok(None);
        }
        Ok(Some(OAuthStateRecord {
            state: self.state,
            provider: self
                .provider
                .parse()
                .map_err(|e: String| StoreError::Unknown(anyhow::anyhow!(e)))?,
            nonce: self.nonce,
            pkce_verifier: self.pkce_verifier,
            redirect_uri: self.redirect_uri,
            expires_at: self.expires_at,
        }))
    }
}
