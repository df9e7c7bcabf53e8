//! The rotation decision both SQL adapters share (the rules are documented
//! on `nextarget_ports::refresh_tokens`). Each adapter reads the presented
//! row under its own lock, asks [`decide`], then applies the step.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nextarget_ports::RefreshTokenRecord;
use uuid::Uuid;

pub(crate) const REFRESH_COLUMNS: &str =
    "id, user_id, family_id, expires_at, spent_at, revoked_at, parent_id, grace_closed_at";

#[derive(sqlx::FromRow, Debug, Clone)]
pub(crate) struct RefreshRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub spent_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub parent_id: Option<Uuid>,
    pub grace_closed_at: Option<DateTime<Utc>>,
}

impl From<RefreshRow> for RefreshTokenRecord {
    fn from(row: RefreshRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            family_id: row.family_id,
            expires_at: row.expires_at,
            spent_at: row.spent_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// What a rotation does with the presented row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Unknown, revoked or expired: change nothing.
    Invalid,
    /// Live: spend it, close its parent's grace, insert the successor.
    Spend,
    /// The immediately previous token within its grace: close its grace and
    /// insert a sibling of its successor.
    GraceReplay,
    /// Reuse: revoke the whole family.
    RevokeFamily,
}

pub(crate) fn decide(row: &RefreshRow, now: DateTime<Utc>, grace: Duration) -> Step {
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Step::Invalid;
    }
    let Some(spent_at) = row.spent_at else {
        return Step::Spend;
    };
    let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    // No representable end (an absurd grace) means "still within".
    let within = match spent_at.checked_add_signed(grace) {
        Some(end) => now < end,
        None => true,
    };
    if !grace.is_zero() && row.grace_closed_at.is_none() && within {
        Step::GraceReplay
    } else {
        Step::RevokeFamily
    }
}

/// A stable 64-bit key for a family, for PostgreSQL's advisory locks.
pub(crate) fn family_lock_key(family_id: Uuid) -> i64 {
    let (high, _) = family_id.as_u64_pair();
    i64::from_ne_bytes(high.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(now: DateTime<Utc>) -> RefreshRow {
        RefreshRow {
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
        let live = row(now);
        assert_eq!(decide(&live, now, five), Step::Spend);
        let expired = RefreshRow {
            expires_at: now,
            ..live.clone()
        };
        assert_eq!(decide(&expired, now, five), Step::Invalid);
        let revoked = RefreshRow {
            revoked_at: Some(now),
            ..live.clone()
        };
        assert_eq!(decide(&revoked, now, five), Step::Invalid);
        let just_spent = RefreshRow {
            spent_at: Some(now - chrono::Duration::seconds(4)),
            ..live.clone()
        };
        assert_eq!(decide(&just_spent, now, five), Step::GraceReplay);
        assert_eq!(decide(&just_spent, now, Duration::ZERO), Step::RevokeFamily);
        let closed = RefreshRow {
            grace_closed_at: Some(now),
            ..just_spent.clone()
        };
        assert_eq!(decide(&closed, now, five), Step::RevokeFamily);
        let long_ago = RefreshRow {
            spent_at: Some(now - chrono::Duration::seconds(5)),
            ..live
        };
        assert_eq!(decide(&long_ago, now, five), Step::RevokeFamily);
    }
}
