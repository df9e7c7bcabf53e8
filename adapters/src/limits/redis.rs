//! Redis limiter: every instance shares the same counters. Each operation
//! is one round trip, atomic through a Lua script.
//!
//! The connection is made lazily and re-made after a failure, so the server
//! starts and keeps serving while Redis is down (see `FallbackLimiter`);
//! every call is bounded by a short timeout.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use nextarget_ports::{
    rate_limiter::wait_secs, Attempt, AttemptDecision, BudgetDecision, DayUsage, FailureCount,
    LockPolicy, RateDecision, RateLimit, RateLimitError, RateLimiter,
};
use redis::{aio::ConnectionManager, aio::ConnectionManagerConfig, Client, Script};
use tokio::sync::Mutex;

use super::gcra;

#[path = "redis_budget.rs"]
mod budget;

const GCRA: &str = r"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return {1, math.floor((period - (new_tat - now)) / interval)}
";

// A key's failures are one hash: `count`, `last` (the last failure) and
// `forget` (when the count is forgotten), in integer milliseconds. Counts
// expire at `forget` on the caller's clock (so tests can move time);
// PEXPIRE only garbage-collects.

// ARGV: now, ttl, max, then `LockPolicy::backoff_steps_secs` in ms (the
// backoff of count max, max + 1, ...; the last one holds from there on).
// Returns {0, ms still locked} (nothing counted) or {1, count, previous
// last failure or -1}.
const TAKE_ATTEMPT: &str = r"
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local steps = #ARGV - 3
local f = redis.call('HMGET', KEYS[1], 'count', 'last', 'forget')
local count, last = 0, -1
if f[3] and tonumber(f[3]) > now then
  count = tonumber(f[1]) or 0
  last = tonumber(f[2]) or -1
end
if count >= max and last >= 0 then
  local until_ms = last + tonumber(ARGV[3 + math.min(count - max + 1, steps)])
  if now < until_ms then return {0, until_ms - now} end
end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now, 'forget', now + ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, count + 1, last}
";

// ARGV: taken at, the previous last failure (or -1), ttl.
const GIVE_BACK: &str = r"
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or 0)
if count <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'count', count - 1)
local previous = tonumber(ARGV[2])
if previous >= 0 and tonumber(redis.call('HGET', KEYS[1], 'last')) == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'last', previous, 'forget', previous + tonumber(ARGV[3]))
end
return count - 1
";

const TIMEOUT: Duration = Duration::from_millis(500);
/// After a failed connect, calls fail fast for this long instead of each
/// waiting on a new attempt.
const RECONNECT_BACKOFF: Duration = Duration::from_secs(1);

pub struct RedisLimiter {
    client: Client,
    prefix: String,
    connection: Mutex<Connection>,
    gcra: Script,
    take_attempt: Script,
    give_back: Script,
    reserve_tokens: Script,
    settle_tokens: Script,
}

#[derive(Default)]
struct Connection {
    manager: Option<ConnectionManager>,
    failed_at: Option<Instant>,
}

fn unavailable(err: impl std::fmt::Display) -> RateLimitError {
    RateLimitError::Unavailable(err.to_string())
}

/// The largest integer a Lua number (a double) holds exactly: the
/// milliseconds sent to the failure scripts are capped there (2^53 ms is
/// some 285,000 years), so their sums stay exact.
const MAX_SCRIPT_MS: u64 = (1 << 53) - 1;

/// Milliseconds of a duration, at least 1 (a PEXPIRE of 0 is refused), at
/// most [`MAX_SCRIPT_MS`].
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, MAX_SCRIPT_MS)
}

/// An instant the scripts stored in milliseconds; none for -1 (or any
/// value no `DateTime` holds).
fn instant(ms: i64) -> Option<DateTime<Utc>> {
    (ms >= 0)
        .then(|| Utc.timestamp_millis_opt(ms).single())
        .flatten()
}

impl RedisLimiter {
    /// A limiter on `url`; keys are namespaced by `prefix` (e.g. `nextarget:`).
    /// Does not connect yet.
    ///
    /// # Errors
    /// When the URL is malformed.
    pub fn new(url: &str, prefix: &str) -> Result<Self, RateLimitError> {
        Ok(Self {
            client: Client::open(url).map_err(unavailable)?,
            prefix: prefix.to_owned(),
            connection: Mutex::new(Connection::default()),
            gcra: Script::new(GCRA),
            take_attempt: Script::new(TAKE_ATTEMPT),
            give_back: Script::new(GIVE_BACK),
            reserve_tokens: Script::new(budget::RESERVE_TOKENS),
            settle_tokens: Script::new(budget::SETTLE_TOKENS),
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, RateLimitError> {
        let mut slot = self.connection.lock().await;
        if let Some(conn) = slot.manager.as_ref() {
            return Ok(conn.clone());
        }
        if slot
            .failed_at
            .is_some_and(|at| at.elapsed() < RECONNECT_BACKOFF)
        {
            return Err(unavailable("redis unreachable (retrying shortly)"));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(0);
        let attempt = tokio::time::timeout(
            TIMEOUT,
            self.client.get_connection_manager_with_config(config),
        )
        .await;
        match attempt {
            Ok(Ok(conn)) => {
                slot.manager = Some(conn.clone());
                slot.failed_at = None;
                Ok(conn)
            }
            Ok(Err(err)) => {
                slot.failed_at = Some(Instant::now());
                Err(unavailable(err))
            }
            Err(_) => {
                slot.failed_at = Some(Instant::now());
                Err(unavailable("connect timed out"))
            }
        }
    }

    async fn run<T>(
        &self,
        op: impl AsyncFnOnce(ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, RateLimitError> {
        let conn = self.connection().await?;
        match tokio::time::timeout(TIMEOUT, op(conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(unavailable(err)),
            Err(_) => Err(unavailable("redis call timed out")),
        }
    }

    fn key(&self, kind: &str, key: &str) -> String {
        format!("{}{kind}:{key}", self.prefix)
    }
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn check(
        &self,
        key: &str,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, RateLimitError> {
        let key = self.key("rate", key);
        let (allowed, value): (i64, i64) = self
            .run(async |mut conn| {
                self.gcra
                    .key(&key)
                    .arg(now.timestamp_millis())
                    .arg(gcra::interval_ms(limit))
                    .arg(gcra::period_ms(limit))
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(if allowed == 1 {
            RateDecision::Allowed {
                remaining: u32::try_from(value.max(0)).unwrap_or(u32::MAX),
            }
        } else {
            gcra::decision_limited(value)
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn take_attempt(
        &self,
        key: &str,
        policy: LockPolicy,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<AttemptDecision, RateLimitError> {
        let key = self.key("fail", key);
        let steps_ms: Vec<u64> = policy
            .backoff_steps_secs()
            .into_iter()
            .map(|secs| secs.saturating_mul(1000).min(MAX_SCRIPT_MS))
            .collect();
        let answer: Vec<i64> = self
            .run(async |mut conn| {
                self.take_attempt
                    .key(&key)
                    .arg(now.timestamp_millis())
                    .arg(millis(ttl))
                    .arg(policy.max.max(1))
                    .arg(&steps_ms)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        match answer[..] {
            [0, left_ms] => Ok(AttemptDecision::Locked {
                retry_after_secs: wait_secs(left_ms).max(1),
            }),
            [1, count, previous] => Ok(AttemptDecision::Taken(Attempt {
                count: u32::try_from(count).unwrap_or(u32::MAX),
                taken_at: now,
                previous_failure_at: instant(previous),
            })),
            _ => Err(unavailable(format!(
                "unexpected answer of the take_attempt script: {answer:?}"
            ))),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn give_back(
        &self,
        key: &str,
        attempt: Attempt,
        ttl: Duration,
    ) -> Result<(), RateLimitError> {
        let key = self.key("fail", key);
        let previous = attempt
            .previous_failure_at
            .map_or(-1, |at| at.timestamp_millis());
        self.run(async |mut conn| {
            self.give_back
                .key(&key)
                .arg(attempt.taken_at.timestamp_millis())
                .arg(previous)
                .arg(millis(ttl))
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn failures(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, RateLimitError> {
        let key = self.key("fail", key);
        let (count, last, forget): (Option<u32>, Option<i64>, Option<i64>) = self
            .run(async |mut conn| {
                redis::cmd("HMGET")
                    .arg(&key)
                    .arg("count")
                    .arg("last")
                    .arg("forget")
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        if forget.is_none_or(|forget| forget <= now.timestamp_millis()) {
            return Ok(FailureCount::default());
        }
        Ok(FailureCount {
            count: count.unwrap_or(0),
            last_failure_at: last.and_then(instant),
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn clear_failures(&self, key: &str) -> Result<(), RateLimitError> {
        let key = self.key("fail", key);
        self.run(async |mut conn| {
            redis::cmd("DEL")
                .arg(&key)
                .query_async::<()>(&mut conn)
                .await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn reserve_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        tokens: u64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<BudgetDecision, RateLimitError> {
        self.reserve(key, day, tokens, limit, now).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn settle_tokens(
        &self,
        key: &str,
        day: NaiveDate,
        reserved: u64,
        used: u64,
        now: DateTime<Utc>,
    ) -> Result<DayUsage, RateLimitError> {
        self.settle(key, day, reserved, used, now).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(limiter = "redis"))]
    async fn day_usage(&self, key: &str, day: NaiveDate) -> Result<DayUsage, RateLimitError> {
        self.usage_of(key, day).await
    }

    async fn ping(&self) -> Result<(), RateLimitError> {
        self.run(async |mut conn| redis::cmd("PING").query_async::<()>(&mut conn).await)
            .await
    }
}
