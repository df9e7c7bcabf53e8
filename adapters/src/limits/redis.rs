//! Redis limiter: every instance shares the same counters. Each operation
//! is one round trip, atomic through a Lua script.
//!
//! The connection is made lazily and re-made after a failure, so the server
//! starts and keeps serving while Redis is down (see `FallbackLimiter`);
//! every call is bounded by a short timeout.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use nextarget_ports::{FailureCount, RateDecision, RateLimit, RateLimitError, RateLimiter};
use redis::{aio::ConnectionManager, aio::ConnectionManagerConfig, Client, Script};
use tokio::sync::Mutex;

use super::gcra;

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

// Counts expire at `forget` on the caller's clock (so tests can move time);
// PEXPIRE only garbage-collects.
const RECORD_FAILURE: &str = r"
local now = tonumber(ARGV[1])
local forget = tonumber(redis.call('HGET', KEYS[1], 'forget') or 0)
if forget <= now then redis.call('DEL', KEYS[1]) end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'last', now, 'forget', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return count
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
    record_failure: Script,
}

#[derive(Default)]
struct Connection {
    manager: Option<ConnectionManager>,
    failed_at: Option<Instant>,
}

fn unavailable(err: impl std::fmt::Display) -> RateLimitError {
    RateLimitError::Unavailable(err.to_string())
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
            record_failure: Script::new(RECORD_FAILURE),
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

    async fn record_failure(
        &self,
        key: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, RateLimitError> {
        let key = self.key("fail", key);
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let count: u32 = self
            .run(async |mut conn| {
                self.record_failure
                    .key(&key)
                    .arg(now.timestamp_millis())
                    .arg(ttl_ms)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(FailureCount {
            count,
            last_failure_at: Some(now),
        })
    }

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
            last_failure_at: last.and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
        })
    }

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

    async fn ping(&self) -> Result<(), RateLimitError> {
        self.run(async |mut conn| redis::cmd("PING").query_async::<()>(&mut conn).await)
            .await
    }
}
