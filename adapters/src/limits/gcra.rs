//! The generic cell rate algorithm, shared by the memory adapter and
//! mirrored by the Redis Lua script.
//!
//! State is one instant per key, the "theoretical arrival time" (TAT). With
//! an emission interval `T = per / max`, a request at `now` passes when
//! `max(TAT, now) + T - per <= now`, and moves TAT forward by `T`.

use nextarget_ports::{RateDecision, RateLimit};

/// Milliseconds between two requests at the sustained rate (at least 1).
pub(crate) fn interval_ms(limit: RateLimit) -> i64 {
    let per = i64::try_from(limit.per.as_millis()).unwrap_or(i64::MAX);
    (per / i64::from(limit.max.max(1))).max(1)
}

pub(crate) fn period_ms(limit: RateLimit) -> i64 {
    i64::try_from(limit.per.as_millis()).unwrap_or(i64::MAX)
}

/// Applies one request at `now_ms` to a stored TAT; returns the decision and
/// the TAT to store when allowed.
pub(crate) fn step(
    stored_tat: Option<i64>,
    now_ms: i64,
    limit: RateLimit,
) -> (RateDecision, Option<i64>) {
    let interval = interval_ms(limit);
    let period = period_ms(limit);
    let tat = stored_tat.unwrap_or(now_ms).max(now_ms);
    let new_tat = tat.saturating_add(interval);
    let allow_at = new_tat.saturating_sub(period);
    if now_ms < allow_at {
        return (decision_limited(allow_at - now_ms), None);
    }
    let remaining = (period - (new_tat - now_ms)) / interval;
    (
        RateDecision::Allowed {
            remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
        },
        Some(new_tat),
    )
}

/// Whole seconds, rounded up, at least 1.
pub(crate) fn decision_limited(wait_ms: i64) -> RateDecision {
    let secs = (wait_ms.max(1) + 999) / 1000;
    RateDecision::Limited {
        retry_after_secs: u64::try_from(secs).unwrap_or(1).max(1),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMIT: RateLimit = RateLimit {
        max: 3,
        per: Duration::from_secs(60),
    };

    #[test]
    fn a_burst_of_max_passes_then_the_next_waits_one_interval() {
        let mut tat = None;
        for expected_remaining in [2, 1, 0] {
            let (decision, next) = step(tat, 0, LIMIT);
            assert_eq!(
                decision,
                RateDecision::Allowed {
                    remaining: expected_remaining
                }
            );
            tat = next;
        }
        let (decision, next) = step(tat, 0, LIMIT);
        assert_eq!(
            decision,
            RateDecision::Limited {
                retry_after_secs: 20
            }
        );
        assert_eq!(next, None);
        let (decision, _) = step(tat, 20_000, LIMIT);
        assert!(matches!(decision, RateDecision::Allowed { .. }));
    }
}
