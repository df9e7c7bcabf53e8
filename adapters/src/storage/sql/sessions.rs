//! The `sessions` table (one row per refresh-token family, see
//! `nextarget_ports::sessions`): its row and the statements the
//! `RefreshTokenStore` implementation runs inside its own transactions, so
//! that a session and its tokens always change together.
//!
//! Concurrency: a rotation updates its session row with `ended_at IS NULL`
//! before it touches a token, and ending a session updates that row before
//! it revokes the tokens; the row lock orders the two, so a rotation never
//! issues a token into a session that has just ended. Every writer takes
//! its session rows before any token row, and bulk ends take the user's
//! rows by the same scan, so no two wait on each other in a cycle
//! (`concurrent_ends_and_rotations_of_one_user_all_succeed` in the storage
//! suite runs them all at once on PostgreSQL).

use chrono::{DateTime, Utc};
use nextarget_ports::SessionRecord;
use uuid::Uuid;

/// The most sessions `live_sessions` lists (the newest).
pub(crate) const MAX_LISTED_SESSIONS: i64 = 200;

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<SessionRow> for SessionRecord {
    fn from(row: SessionRow) -> Self {
        Self {
            id: row.id,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            ip: row.ip,
            user_agent: row.user_agent,
        }
    }
}

/// Portable statements (`$N` placeholders, plain SQL) on `sessions`.
pub(crate) mod statements {
    pub const OPEN: &str = "INSERT INTO sessions \
         (id, user_id, created_at, last_used_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)";

    /// `$1` now, `$2` new expiry, `$3` ip, `$4` user agent, `$5` id: 0 rows
    /// when the session has ended.
    pub const TOUCH: &str = "UPDATE sessions \
         SET last_used_at = $1, expires_at = $2, ip = $3, user_agent = $4 \
         WHERE id = $5 AND ended_at IS NULL";

    /// `$1` now, `$2` id (a reuse: ends it whatever its state).
    pub const END_BY_ID: &str =
        "UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL";

    /// `$1` now, `$2` id, `$3` user: only a live session of that user.
    pub const END_LIVE: &str = "UPDATE sessions SET ended_at = $1 \
         WHERE id = $2 AND user_id = $3 AND ended_at IS NULL AND expires_at > $1";

    /// `$1` now, `$2` user.
    pub const END_ALL: &str =
        "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL";

    /// `$1` now, `$2` user, `$3` the session kept.
    pub const END_ALL_BUT: &str = "UPDATE sessions SET ended_at = $1 \
         WHERE user_id = $2 AND ended_at IS NULL AND id <> $3";

    /// `$1` user, `$2` now, `$3` limit.
    pub const LIVE: &str = "SELECT id, created_at, last_used_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 \
         ORDER BY created_at DESC, id DESC LIMIT $3";
}
