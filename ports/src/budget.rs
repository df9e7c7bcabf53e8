//! Daily token budgets: what one user spent on the LLM in one UTC day, and
//! the day arithmetic the core and every limiter adapter share.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};

/// What a key (a user) used in one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayUsage {
    /// Tokens charged: the provider's `total_tokens` of every settled call,
    /// plus the reservations of calls still under way.
    pub tokens: u64,
    /// LLM calls settled (each call that reached the provider, whatever
    /// its outcome).
    pub requests: u64,
}

/// The answer of [`crate::RateLimiter::reserve_tokens`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetDecision {
    /// The reservation is counted in the day's tokens (shown with it).
    Reserved(DayUsage),
    /// The day's tokens had already reached the limit: nothing was counted.
    Exhausted(DayUsage),
}

/// The UTC day `now` falls in.
pub fn utc_day(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive()
}

/// The instant `day` ends (the next UTC midnight).
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    day.checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

/// Whole seconds from `now` to the next UTC midnight, rounded up, at least
/// 1: the `Retry-After` of a spent budget.
pub fn secs_to_next_utc_midnight(now: DateTime<Utc>) -> u64 {
    let left_ms = (end_of(utc_day(now)) - now).num_milliseconds();
    crate::rate_limiter::wait_secs(left_ms).max(1)
}

/// How long, from `now`, a store keeps `day`'s counters: until a day after
/// `day` ends (a call settled just after midnight still finds its
/// reservation), and at least one day.
pub fn day_ttl(day: NaiveDate, now: DateTime<Utc>) -> Duration {
    let keep_until = end_of(day) + chrono::Duration::days(1);
    let left = (keep_until - now).to_std().unwrap_or_default();
    left.max(Duration::from_secs(86_400))
}

/// A rough token count of `text`, for a call the provider reported no
/// usage for (a cancelled stream): one token per 4 characters, rounded up,
/// the usual rule of thumb for English and French with Mistral's and
/// OpenAI's tokenizers.
pub fn estimate_tokens(text: &str) -> u64 {
    let chars = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
    chars.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, s)
            .single()
            .expect("time")
    }

    #[test]
    fn the_wait_runs_to_the_next_utc_midnight() {
        assert_eq!(secs_to_next_utc_midnight(at(0, 0, 0)), 86_400);
        assert_eq!(secs_to_next_utc_midnight(at(23, 0, 0)), 3_600);
        assert_eq!(secs_to_next_utc_midnight(at(23, 59, 59)), 1);
        let almost = at(23, 59, 59) + chrono::Duration::milliseconds(999);
        assert_eq!(secs_to_next_utc_midnight(almost), 1);
    }

    #[test]
    fn a_day_is_kept_a_day_past_its_end() {
        let day = utc_day(at(12, 0, 0));
        assert_eq!(day_ttl(day, at(12, 0, 0)), Duration::from_secs(36 * 3_600));
        assert_eq!(day_ttl(day, at(0, 0, 0)), Duration::from_secs(48 * 3_600));
        // A day long past is still kept a day (a late settle).
        let old = utc_day(at(0, 0, 0) - chrono::Duration::days(10));
        assert_eq!(day_ttl(old, at(12, 0, 0)), Duration::from_secs(86_400));
    }

    #[test]
    fn estimates_are_a_token_per_four_characters_rounded_up() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abc"), 1);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("éééé"), 1, "characters, not bytes");
    }
}
