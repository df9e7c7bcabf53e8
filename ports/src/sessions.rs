//! Sessions: a session is one sign-in, the family of refresh tokens it
//! started (its id is the family id). The `RefreshTokenStore` keeps them
//! beside their tokens, so that ending one revokes its tokens in the same
//! step; the bearer check asks `UserRepository::find_by_session` whether an
//! access token's session is still live.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The longest User-Agent a session keeps, in characters; a longer one is
/// cut there (it is shown to the user, never parsed).
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// Who is signing in or refreshing: what a session records of its client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    /// At most [`MAX_USER_AGENT_CHARS`] characters (see [`ClientInfo::new`]).
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// A client with this IP and User-Agent header, the header cut to
    /// [`MAX_USER_AGENT_CHARS`] and dropped when blank.
    pub fn new(ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(str::trim)
            .filter(|ua| !ua.is_empty())
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        Self { ip, user_agent }
    }
}

/// What the bearer check learns of a live session: its user, and until
/// when the session lasts (an instance may trust it that long, unless it
/// hears that the session ended).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSession {
    pub user: crate::user::User,
    pub expires_at: DateTime<Utc>,
}

/// A live session, as `GET /auth/sessions` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The sign-in, then each refresh.
    pub last_used_at: DateTime<Utc>,
    /// The client of the sign-in, then of the latest refresh.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_agent_is_trimmed_cut_and_blank_means_none() {
        let long = "x".repeat(MAX_USER_AGENT_CHARS + 10);
        let client = ClientInfo::new(None, Some(&long));
        assert_eq!(
            client.user_agent.map(|ua| ua.chars().count()),
            Some(MAX_USER_AGENT_CHARS)
        );
        assert_eq!(ClientInfo::new(None, Some("  ")).user_agent, None);
        assert_eq!(
            ClientInfo::new(None, Some(" App/1.0 "))
                .user_agent
                .as_deref(),
            Some("App/1.0")
        );
    }
}
