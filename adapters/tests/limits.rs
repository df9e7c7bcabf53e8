//! One conformance suite for every `RateLimiter` adapter: memory always,
//! Redis when `NEXTARGET_TEST_REDIS_URL` is set (required when `CI=true`).

use std::{sync::Arc, time::Duration};

use chrono::{TimeZone, Utc};
use futures::future::join_all;
use nextarget_adapters::limits::{FallbackLimiter, MemoryLimiter, RedisLimiter};
use nextarget_ports::{RateDecision, RateLimit, RateLimiter};
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
    failures_count_up_expire_and_clear,
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

async fn failures_count_up_expire_and_clear(kind: Kind) {
    let Some(l) = limiter(kind) else { return };
    let ttl = Duration::from_secs(600);
    assert_eq!(l.failures("acct", at(0)).await.expect("failures").count, 0);
    l.record_failure("acct", ttl, at(0)).await.expect("record");
    let second = l
        .record_failure("acct", ttl, at(1_000))
        .await
        .expect("record");
    assert_eq!(second.count, 2);
    let seen = l.failures("acct", at(2_000)).await.expect("failures");
    assert_eq!(seen.count, 2);
    assert_eq!(seen.last_failure_at, Some(at(1_000)));
    // Forgotten `ttl` after the last failure, on the caller's clock.
    assert_eq!(
        l.failures("acct", at(601_000))
            .await
            .expect("failures")
            .count,
        0
    );
    assert_eq!(
        l.record_failure("acct", ttl, at(601_000))
            .await
            .expect("record")
            .count,
        1
    );
    l.clear_failures("acct").await.expect("clear");
    assert_eq!(
        l.failures("acct", at(601_001))
            .await
            .expect("failures")
            .count,
        0
    );
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
