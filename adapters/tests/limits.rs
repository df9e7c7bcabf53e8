//! One conformance suite for every `RateLimiter` adapter: memory always,
//! Redis when `NEXTARGET_TEST_REDIS_URL` is set (required when `CI=true`).

use std::{sync::Arc, time::Duration};

use chrono::{TimeZone, Utc};
use futures::future::join_all;
use nextarget_adapters::limits::{FallbackLimiter, MemoryLimiter, RedisLimiter};
use nextarget_ports::{
    Attempt, AttemptDecision, BudgetDecision, DayUsage, FailureCount, LockPolicy, RateDecision,
    RateLimit, RateLimiter,
};
use uuid::Uuid;

#[path = "common/db.rs"]
mod db;
#[path = "common/refusing.rs"]
mod refusing;

use refusing::Refusing;

#[derive(Clone, Copy)]
enum Kind {
    Memory,
    Redis,
}

/// A limiter with a key space of its own.
fn limiter(kind: Kind) -> Option<Arc<dyn RateLimiter>> {
    match kind {
        Kind::Memory => Some(Arc::new(MemoryLimiter::new())),
        Kind::Redis => {
            let url = db::redis_url()?;
            let prefix = format!("nextarget-test:{}:", Uuid::new_v4().simple());
            Some(Arc::new(
                RedisLimiter::new(&url, &prefix).expect("redis url"),
            ))
        }
    }
}

const FIVE_PER_MINUTE: RateLimit = RateLimit {
    max: 5,
    per: Duration::from_secs(60),
};

fn at(ms: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_millis_opt(1_800_000_000_000 + ms)
        .single()
        .expect("time")
}

macro_rules! on_every_limiter {
    ($($name:ident),+ $(,)?) => {
        mod memory {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::Memory).await })+
        }
        mod redis {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::Redis).await })+
        }
    };
}

on_every_limiter!(
    a_burst_of_max_passes_then_the_caller_must_wait,
    keys_are_independent,
    concurrent_checks_never_let_more_than_max_through,
    twenty_concurrent_attempts_let_exactly_max_through,
    the_lock_ends_at_the_last_failure_plus_the_backoff,
    give_back_lowers_the_count_never_below_zero,
    a_given_back_attempt_neither_extends_the_lock_nor_the_memory,
    a_later_attempt_keeps_its_last_failure_when_an_earlier_one_is_given_back,
    attempt_counts_of_keys_are_independent,
    attempt_counts_expire_ttl_after_the_last_failure,
    clear_failures_forgets_the_count_and_the_lock,
    a_budget_reserves_until_its_tokens_reach_the_limit_then_refuses,
    settling_puts_the_real_usage_in_place_of_the_reservation,
    concurrent_reservations_stop_at_the_limit,
    budgets_of_days_and_keys_are_independent,
    a_limit_of_zero_never_refuses,
);

async fn a_burst_of_max_passes_then_the_caller_must_wait(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for remaining in (0..5).rev() {
        assert_eq!(
            l.check("u1", FIVE_PER_MINUTE, at(0)).await,
            Ok(RateDecision::Allowed { remaining })
        );
    }
    assert_eq!(
        l.check("u1", FIVE_PER_MINUTE, at(0)).await,
        Ok(RateDecision::Limited {
            retry_after_secs: 12
        })
    );
    assert_eq!(
        l.check("u1", FIVE_PER_MINUTE, at(11_000)).await,
        Ok(RateDecision::Limited {
            retry_after_secs: 1
        })
    );
    assert!(matches!(
        l.check("u1", FIVE_PER_MINUTE, at(12_000)).await,
        Ok(RateDecision::Allowed { .. })
    ));
}

async fn keys_are_independent(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for _ in 0..5 {
        l.check("a", FIVE_PER_MINUTE, at(0)).await.expect("check");
    }
    assert!(matches!(
        l.check("a", FIVE_PER_MINUTE, at(0)).await,
        Ok(RateDecision::Limited { .. })
    ));
    assert!(matches!(
        l.check("b", FIVE_PER_MINUTE, at(0)).await,
        Ok(RateDecision::Allowed { .. })
    ));
}

async fn concurrent_checks_never_let_more_than_max_through(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let results = join_all((0..40).map(|_| l.check("hot", FIVE_PER_MINUTE, at(0)))).await;
    let allowed = results
        .iter()
        .filter(|r| matches!(r, Ok(RateDecision::Allowed { .. })))
        .count();
    assert_eq!(allowed, 5);
}

/// 5 failures lock for 30 s, then 60 s, ... (the auth defaults).
const LOCK: LockPolicy = LockPolicy {
    max: 5,
    base_secs: 30,
    cap_secs: 900,
};

const TEN_MINUTES: Duration = Duration::from_secs(600);

async fn take(l: &dyn RateLimiter, key: &str, ms: i64) -> AttemptDecision {
    l.take_attempt(key, LOCK, TEN_MINUTES, at(ms))
        .await
        .expect("take_attempt")
}

/// Takes an attempt that must be taken, and returns it.
async fn taken(l: &dyn RateLimiter, key: &str, ms: i64) -> Attempt {
    match take(l, key, ms).await {
        AttemptDecision::Taken(attempt) => attempt,
        locked => panic!("{key} at {ms} ms: {locked:?}"),
    }
}

fn locked(retry_after_secs: u64) -> AttemptDecision {
    AttemptDecision::Locked { retry_after_secs }
}

/// `count` failures, the last at `ms`.
fn counted(count: u32, ms: i64) -> FailureCount {
    FailureCount {
        count,
        last_failure_at: Some(at(ms)),
    }
}

async fn failures(l: &dyn RateLimiter, key: &str, ms: i64) -> FailureCount {
    l.failures(key, at(ms)).await.expect("failures")
}

async fn twenty_concurrent_attempts_let_exactly_max_through(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let answers = join_all((0..20).map(|_| take(l.as_ref(), "acct", 0))).await;
    let mut counts: Vec<u32> = answers
        .iter()
        .filter_map(|a| match a {
            AttemptDecision::Taken(attempt) => Some(attempt.count),
            AttemptDecision::Locked { .. } => None,
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2, 3, 4, 5], "{answers:?}");
    let refused = answers.iter().filter(|a| **a == locked(30)).count();
    assert_eq!(refused, 15, "{answers:?}");
    // Refused attempts were not counted.
    assert_eq!(failures(l.as_ref(), "acct", 0).await.count, 5);
}

async fn the_lock_ends_at_the_last_failure_plus_the_backoff(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for (i, ms) in [0, 1_000, 2_000, 3_000, 4_000].into_iter().enumerate() {
        let attempt = taken(l.as_ref(), "acct", ms).await;
        assert_eq!(attempt.count, u32::try_from(i + 1).expect("small"));
        assert_eq!(attempt.taken_at, at(ms));
        assert_eq!(attempt.previous_failure_at, (i > 0).then(|| at(ms - 1_000)));
    }
    // The 5th failure (at 4 s) locks for 30 s: until 34 s.
    assert_eq!(take(l.as_ref(), "acct", 4_000).await, locked(30));
    assert_eq!(take(l.as_ref(), "acct", 33_001).await, locked(1));
    assert_eq!(
        failures(l.as_ref(), "acct", 33_001).await,
        counted(5, 4_000)
    );
    // The 6th is taken at the end of the lock, and locks for 60 s.
    assert_eq!(taken(l.as_ref(), "acct", 34_000).await.count, 6);
    assert_eq!(take(l.as_ref(), "acct", 34_000).await, locked(60));
    assert_eq!(take(l.as_ref(), "acct", 93_999).await, locked(1));
    assert_eq!(taken(l.as_ref(), "acct", 94_000).await.count, 7);
}

async fn give_back_lowers_the_count_never_below_zero(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let first = taken(l.as_ref(), "acct", 0).await;
    let second = taken(l.as_ref(), "acct", 1_000).await;
    assert_eq!(second.count, 2);
    l.give_back("acct", second, TEN_MINUTES)
        .await
        .expect("give back");
    assert_eq!(failures(l.as_ref(), "acct", 1_000).await.count, 1);
    l.give_back("acct", first, TEN_MINUTES)
        .await
        .expect("give back");
    assert_eq!(failures(l.as_ref(), "acct", 1_000).await.count, 0);
    // Once more: the count stays at zero, the next attempt is the first.
    l.give_back("acct", first, TEN_MINUTES)
        .await
        .expect("give back");
    assert_eq!(failures(l.as_ref(), "acct", 1_000).await.count, 0);
    assert_eq!(taken(l.as_ref(), "acct", 2_000).await.count, 1);
}

async fn a_given_back_attempt_neither_extends_the_lock_nor_the_memory(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for _ in 0..5 {
        taken(l.as_ref(), "acct", 0).await;
    }
    // Past the lock of 30 s, an attempt is taken (and would lock for 60 s
    // from 40 s), then turns out good and is given back.
    let good = taken(l.as_ref(), "acct", 40_000).await;
    assert_eq!(take(l.as_ref(), "acct", 40_000).await, locked(60));
    l.give_back("acct", good, TEN_MINUTES)
        .await
        .expect("give back");
    assert_eq!(failures(l.as_ref(), "acct", 40_000).await, counted(5, 0));
    assert_eq!(taken(l.as_ref(), "acct", 40_001).await.count, 6);
    // Forgotten ten minutes after the last failure (0 s), not after the
    // given-back attempt: the count of 6 above went with its own attempt.
    let other = taken(l.as_ref(), "other", 0).await;
    let good = taken(l.as_ref(), "other", 300_000).await;
    l.give_back("other", good, TEN_MINUTES)
        .await
        .expect("give back");
    assert_eq!(other.count, 1);
    assert_eq!(failures(l.as_ref(), "other", 599_999).await.count, 1);
    assert_eq!(failures(l.as_ref(), "other", 600_000).await.count, 0);
}

async fn a_later_attempt_keeps_its_last_failure_when_an_earlier_one_is_given_back(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let earlier = taken(l.as_ref(), "acct", 0).await;
    taken(l.as_ref(), "acct", 1_000).await;
    l.give_back("acct", earlier, TEN_MINUTES)
        .await
        .expect("give back");
    assert_eq!(failures(l.as_ref(), "acct", 1_000).await, counted(1, 1_000));
}

async fn attempt_counts_of_keys_are_independent(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for _ in 0..5 {
        taken(l.as_ref(), "a", 0).await;
    }
    assert_eq!(take(l.as_ref(), "a", 0).await, locked(30));
    assert_eq!(taken(l.as_ref(), "b", 0).await.count, 1);
    assert_eq!(failures(l.as_ref(), "b", 0).await.count, 1);
}

async fn attempt_counts_expire_ttl_after_the_last_failure(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    taken(l.as_ref(), "acct", 0).await;
    taken(l.as_ref(), "acct", 1_000).await;
    assert_eq!(failures(l.as_ref(), "acct", 600_999).await.count, 2);
    assert_eq!(failures(l.as_ref(), "acct", 601_000).await.count, 0);
    let fresh = taken(l.as_ref(), "acct", 601_000).await;
    assert_eq!((fresh.count, fresh.previous_failure_at), (1, None));
    // A lock is forgotten with its count.
    for _ in 0..5 {
        taken(l.as_ref(), "locked", 0).await;
    }
    assert_eq!(take(l.as_ref(), "locked", 0).await, locked(30));
    assert_eq!(taken(l.as_ref(), "locked", 600_000).await.count, 1);
}

async fn clear_failures_forgets_the_count_and_the_lock(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for _ in 0..5 {
        taken(l.as_ref(), "acct", 0).await;
    }
    l.clear_failures("acct").await.expect("clear");
    assert_eq!(
        failures(l.as_ref(), "acct", 0).await,
        FailureCount::default()
    );
    assert_eq!(taken(l.as_ref(), "acct", 0).await.count, 1);
}

fn day(offset: u64) -> chrono::NaiveDate {
    at(0).date_naive() + chrono::Days::new(offset)
}

fn usage(tokens: u64, requests: u64) -> DayUsage {
    DayUsage { tokens, requests }
}

async fn reserve(l: &dyn RateLimiter, key: &str, tokens: u64, limit: u64) -> BudgetDecision {
    l.reserve_tokens(key, day(0), tokens, limit, at(0))
        .await
        .expect("reserve_tokens")
}

async fn settle(l: &dyn RateLimiter, key: &str, reserved: u64, used: u64) -> DayUsage {
    l.settle_tokens(key, day(0), reserved, used, at(0))
        .await
        .expect("settle_tokens")
}

async fn a_budget_reserves_until_its_tokens_reach_the_limit_then_refuses(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let l = l.as_ref();
    assert_eq!(
        reserve(l, "u", 60, 100).await,
        BudgetDecision::Reserved(usage(60, 0))
    );
    // Below the limit, a call starts whatever it may cost.
    assert_eq!(
        reserve(l, "u", 60, 100).await,
        BudgetDecision::Reserved(usage(120, 0))
    );
    assert_eq!(
        reserve(l, "u", 1, 100).await,
        BudgetDecision::Exhausted(usage(120, 0))
    );
    // A refusal counts nothing.
    assert_eq!(l.day_usage("u", day(0)).await, Ok(usage(120, 0)));
}

async fn settling_puts_the_real_usage_in_place_of_the_reservation(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let l = l.as_ref();
    assert_eq!(l.day_usage("u", day(0)).await, Ok(usage(0, 0)));
    reserve(l, "u", 50, 100).await;
    assert_eq!(settle(l, "u", 50, 30).await, usage(30, 1));
    assert_eq!(settle(l, "u", 0, 20).await, usage(50, 2));
    // Never below zero.
    assert_eq!(settle(l, "u", 500, 0).await, usage(0, 3));
    assert_eq!(l.day_usage("u", day(0)).await, Ok(usage(0, 3)));
    // Settled usage counts against the limit.
    settle(l, "u", 0, 100).await;
    assert!(matches!(
        reserve(l, "u", 1, 100).await,
        BudgetDecision::Exhausted(_)
    ));
}

async fn concurrent_reservations_stop_at_the_limit(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let answers = join_all((0..30).map(|_| reserve(l.as_ref(), "hot", 10, 100))).await;
    let reserved = answers
        .iter()
        .filter(|a| matches!(a, BudgetDecision::Reserved(_)))
        .count();
    assert_eq!(reserved, 10, "{answers:?}");
    assert_eq!(l.day_usage("hot", day(0)).await, Ok(usage(100, 0)));
}

async fn budgets_of_days_and_keys_are_independent(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let l = l.as_ref();
    reserve(l, "a", 100, 100).await;
    assert!(matches!(
        reserve(l, "a", 1, 100).await,
        BudgetDecision::Exhausted(_)
    ));
    assert_eq!(
        reserve(l, "b", 1, 100).await,
        BudgetDecision::Reserved(usage(1, 0))
    );
    // The next UTC day starts from zero; the spent one keeps its count.
    let next = l
        .reserve_tokens("a", day(1), 1, 100, at(86_400_000))
        .await
        .expect("reserve");
    assert_eq!(next, BudgetDecision::Reserved(usage(1, 0)));
    assert_eq!(l.day_usage("a", day(0)).await, Ok(usage(100, 0)));
}

async fn a_limit_of_zero_never_refuses(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    for n in 1..=3 {
        assert_eq!(
            reserve(l.as_ref(), "u", 1_000_000, 0).await,
            BudgetDecision::Reserved(usage(n * 1_000_000, 0))
        );
    }
}

// `ping` (readiness) is not in the suite above: `MemoryLimiter::ping`
// always answers, its counters live in this process and there is nothing to
// reach. A ping can only tell whether Redis answers: the tests below hold
// Redis's ping, and the fallback's, to that.

/// A limiter on a Redis that is not there (connections refused).
fn redis_down(refusing: &Refusing) -> RedisLimiter {
    RedisLimiter::new(&refusing.url("redis"), "x:").expect("url")
}

#[tokio::test]
async fn redis_ping_answers_only_while_a_redis_server_does() {
    let Some(url) = db::redis_url() else { return };
    let up = RedisLimiter::new(&url, "x:").expect("url");
    up.ping().await.expect("ping a live Redis");
    let refusing = Refusing::new();
    assert!(redis_down(&refusing).ping().await.is_err(), "refused");
    // Something listens, but it is not Redis: it hangs up at once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mute = format!("redis://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { while listener.accept().await.is_ok() {} });
    let not_redis = RedisLimiter::new(&mute, "x:").expect("url");
    assert!(not_redis.ping().await.is_err(), "no PONG");
}

#[tokio::test]
async fn the_fallback_pings_redis_not_its_memory() {
    if let Some(url) = db::redis_url() {
        let up = RedisLimiter::new(&url, "x:").expect("url");
        let l = FallbackLimiter::new(up, MemoryLimiter::new());
        l.ping().await.expect("Redis up: ready");
    }
    let refusing = Refusing::new();
    let l = FallbackLimiter::new(redis_down(&refusing), MemoryLimiter::new());
    assert!(l.ping().await.is_err(), "Redis down: not ready");
}

#[tokio::test]
async fn with_redis_down_limits_fall_back_to_memory() {
    let refusing = Refusing::new();
    let l = FallbackLimiter::new(redis_down(&refusing), MemoryLimiter::new());
    for _ in 0..5 {
        assert!(matches!(
            l.check("u", FIVE_PER_MINUTE, at(0)).await,
            Ok(RateDecision::Allowed { .. })
        ));
    }
    assert!(matches!(
        l.check("u", FIVE_PER_MINUTE, at(0)).await,
        Ok(RateDecision::Limited { .. })
    ));
    assert!(l.ping().await.is_err(), "readiness still sees the outage");
}
