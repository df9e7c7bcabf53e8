//! The `RefreshTokenStore` port. Tokens are stored only as a SHA-256 hash and
//! grouped in families, one per sign-in: a family is a *session*
//! (`crate::sessions`), kept by the same store so that ending a session and
//! revoking its tokens are one step.
//!
//! # Rotation and the grace rule
//!
//! Presenting a token to [`RefreshTokenStore::rotate`] does exactly one of:
//!
//! 1. **unknown, revoked or expired** (`expires_at <= now`): nothing changes;
//!    [`RotateError::Invalid`].
//! 2. **live** (never spent): it is spent at `now` and `next` joins its family
//!    as its successor; [`RotationKind::Rotated`]. Spending it also closes the
//!    grace of its own predecessor (see 3).
//! 3. **spent, within grace**: the token is the immediately previous one of
//!    its family — spent less than `grace` ago (`now < spent_at + grace`), its
//!    grace not yet used, and no successor of it spent since (spending a
//!    successor closes it). Then `next` joins the family as a sibling of that
//!    successor, and the grace is used up: [`RotationKind::GraceReplay`].
//!    A `grace` of zero disables this case.
//! 4. **spent otherwise**: reuse. Every token of the family is revoked at
//!    `now` (the legitimate holder's newest one too); [`RotateError::Reused`].
//!
//! The decision is the pure function [`RefreshTokenRecord::rotation_step`];
//! a store reads the presented record under its lock, asks it, and applies
//! the [`RotationStep`]: the whole is one atomic step per family, so two
//! concurrent rotations of the same token never both take case 2.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    error::StoreError,
    sessions::{ClientInfo, SessionRecord},
    user::UserId,
};

/// The first refresh token of a new session. `token_hash` is the hex
/// SHA-256 of the opaque token the client holds; the token itself is never
/// stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRefreshToken {
    pub id: Uuid,
    pub user_id: UserId,
    /// The new session's id.
    pub family_id: Uuid,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Who signed in: recorded on the session.
    pub client: ClientInfo,
}

/// The token a rotation issues; its user and family are those of the token
/// presented.
#[derive(Debug, Clone, PartialEq)]
pub struct NextRefreshToken {
    pub id: Uuid,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Who refreshed: the session's client and `last_used_at` (=
    /// `created_at`) become these.
    pub client: ClientInfo,
}

/// A stored token, as [`RefreshTokenStore::find`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshTokenRecord {
    pub id: Uuid,
    pub user_id: UserId,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub spent_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The token this one succeeded; `None` for the first of a family.
    pub parent_id: Option<Uuid>,
    /// When this token's grace was used up (a replay) or closed (its
    /// successor was spent).
    pub grace_closed_at: Option<DateTime<Utc>>,
}

/// What a rotation does with the presented token (cases 1 to 4 above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationStep {
    /// Unknown, revoked or expired: change nothing (case 1).
    Invalid,
    /// Live: spend it, close its parent's grace, insert the successor (case 2).
    Spend,
    /// The immediately previous token within its grace: close its grace and
    /// insert a sibling of its successor (case 3).
    GraceReplay,
    /// Reuse: revoke the whole family (case 4).
    RevokeFamily,
}

impl RefreshTokenRecord {
    /// The rule of this module's documentation, for this token presented
    /// at `now`: every store applies this one decision.
    pub fn rotation_step(&self, now: DateTime<Utc>, grace: Duration) -> RotationStep {
        if self.revoked_at.is_some() || self.expires_at <= now {
            return RotationStep::Invalid;
        }
        let Some(spent_at) = self.spent_at else {
            return RotationStep::Spend;
        };
        let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
        // No representable end (an absurd grace) means "still within".
        let within = match spent_at.checked_add_signed(grace) {
            Some(end) => now < end,
            None => true,
        };
        if !grace.is_zero() && self.grace_closed_at.is_none() && within {
            RotationStep::GraceReplay
        } else {
            RotationStep::RevokeFamily
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationKind {
    /// A live token was spent (case 2).
    Rotated,
    /// The immediately previous token came back within its grace (case 3).
    GraceReplay,
}

/// A successful rotation: `next` is stored in this user's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    pub user_id: UserId,
    pub family_id: Uuid,
    pub kind: RotationKind,
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// Unknown, expired or revoked.
    #[error("unknown, expired or revoked refresh token")]
    Invalid,
    /// A spent token came back outside its grace: its family is now revoked.
    #[error("a spent refresh token was presented again; its family is revoked")]
    Reused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Opens a session: stores its first token and the session itself
    /// (created and last used at `created_at`, live until `expires_at`).
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] when `token_hash` already exists.
    async fn insert(&self, token: &NewRefreshToken) -> Result<(), StoreError>;

    /// Rotates the token whose hash is `presented_hash`, as of `now`, by the
    /// rules of this module's documentation.
    ///
    /// # Errors
    /// [`RotateError::Invalid`] and [`RotateError::Reused`] as documented
    /// above; [`RotateError::Store`] (`Duplicate` when `next.token_hash`
    /// exists) otherwise. MUST be atomic: of concurrent calls with the same
    /// live token exactly one is [`RotationKind::Rotated`]. A rotation
    /// records `next`'s time and client as the session's last use and
    /// extends it to `next.expires_at`; a reuse ends the session.
    async fn rotate(
        &self,
        presented_hash: &str,
        next: &NextRefreshToken,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, RotateError>;

    /// The token with this hash, whatever its state.
    async fn find(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError>;

    /// The live sessions of `user_id` at `now` (not ended, not expired),
    /// newest first; a store may list only the newest hundreds.
    async fn live_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionRecord>, StoreError>;

    /// Ends the session `session_id` of `user_id` at `now` and revokes its
    /// tokens, in one step. `false` when it is not a live session of that
    /// user (unknown, another user's, ended or expired): nothing changes.
    async fn end_session(
        &self,
        user_id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Ends every session of `user_id` but `except` (all when `None`) at
    /// `now` and revokes their tokens, in one step; returns how many
    /// sessions it ended.
    async fn end_sessions(
        &self,
        user_id: UserId,
        except: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn live(now: DateTime<Utc>) -> RefreshTokenRecord {
        RefreshTokenRecord {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            family_id: Uuid::now_v7(),
            expires_at: now + chrono::Duration::days(1),
            spent_at: None,
            revoked_at: None,
            parent_id: None,
            grace_closed_at: None,
        }
    }

    #[test]
    fn each_state_leads_to_its_step() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("time");
        let five = Duration::from_secs(5);
        let live = live(now);
        assert_eq!(live.rotation_step(now, five), RotationStep::Spend);
        let expired = RefreshTokenRecord {
            expires_at: now,
            ..live.clone()
        };
        assert_eq!(expired.rotation_step(now, five), RotationStep::Invalid);
        let revoked = RefreshTokenRecord {
            revoked_at: Some(now),
            ..live.clone()
        };
        assert_eq!(revoked.rotation_step(now, five), RotationStep::Invalid);
        let just_spent = RefreshTokenRecord {
            spent_at: Some(now - chrono::Duration::seconds(4)),
            ..live.clone()
        };
        assert_eq!(
            just_spent.rotation_step(now, five),
            RotationStep::GraceReplay
        );
        assert_eq!(
            just_spent.rotation_step(now, Duration::ZERO),
            RotationStep::RevokeFamily
        );
        let closed = RefreshTokenRecord {
            grace_closed_at: Some(now),
            ..just_spent.clone()
        };
        assert_eq!(closed.rotation_step(now, five), RotationStep::RevokeFamily);
        let long_ago = RefreshTokenRecord {
            spent_at: Some(now - chrono::Duration::seconds(5)),
            ..live
        };
        assert_eq!(
            long_ago.rotation_step(now, five),
            RotationStep::RevokeFamily
        );
    }
}
