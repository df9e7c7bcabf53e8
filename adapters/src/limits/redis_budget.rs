//! The daily token budgets of [`RedisLimiter`]: one hash per key and day,
//! each change one atomic Lua script.

use chrono::{DateTime, NaiveDate, Utc};
use nextarget_ports::{budget::day_ttl, BudgetDecision, DayUsage, RateLimitError};

use super::{millis, unavailable, RedisLimiter, MAX_SCRIPT_MS};

// A key's budget of one day is one hash: `tokens` and `requests`.
// ARGV: tokens, limit (0: none), ttl in ms. Returns {1 reserved or 0
// exhausted, tokens, requests}.
pub(super) const RESERVE_TOKENS: &str = r"
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or 0)
local requests = tonumber(redis.call('HGET', KEYS[1], 'requests') or 0)
local limit = tonumber(ARGV[2])
if limit > 0 and tokens >= limit then
  return {0, tokens, requests}
end
tokens = redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, tokens, requests}
";

// ARGV: reserved, used, ttl in ms. Returns {tokens, requests} after.
pub(super) const SETTLE_TOKENS: &str = r"
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or 0)
tokens = math.max(0, tokens + tonumber(ARGV[2]) - tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'tokens', tokens)
local requests = redis.call('HINCRBY', KEYS[1], 'requests', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {tokens, requests}
";

/// Token counts as the scripts send them (Lua numbers are doubles: exact to
/// 2^53, far beyond any day's tokens).
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn script_tokens(tokens: u64) -> u64 {
    tokens.min(MAX_SCRIPT_MS)
}

impl RedisLimiter {
    fn budget_key(&self, key: &str, day: NaiveDate) -> String {
        self.key("tokens", &format!("{key}:{day}"))
    }

    pub(super) async fn reserve(
        &self,
        key: &str,
        day: NaiveDate,
        tokens: u64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<BudgetDecision, RateLimitError> {
        let key = self.budget_key(key, day);
        let answer: Vec<i64> = self
            .run(async |mut conn| {
                self.reserve_tokens
                    .key(&key)
                    .arg(script_tokens(tokens))
                    .arg(script_tokens(limit))
                    .arg(millis(day_ttl(day, now)))
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        match answer[..] {
            [reserved, tokens, requests] => {
                let usage = DayUsage {
                    tokens: count(tokens),
                    requests: count(requests),
                };
                Ok(if reserved == 1 {
                    BudgetDecision::Reserved(usage)
                } else {
                    BudgetDecision::Exhausted(usage)
                })
            }
            _ => Err(unavailable(format!(
                "unexpected answer of the reserve_tokens script: {answer:?}"
            ))),
        }
    }

    pub(super) async fn settle(
        &self,
        key: &str,
        day: NaiveDate,
        reserved: u64,
        used: u64,
        now: DateTime<Utc>,
    ) -> Result<DayUsage, RateLimitError> {
        let key = self.budget_key(key, day);
        let (tokens, requests): (i64, i64) = self
            .run(async |mut conn| {
                self.settle_tokens
                    .key(&key)
                    .arg(script_tokens(reserved))
                    .arg(script_tokens(used))
                    .arg(millis(day_ttl(day, now)))
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(DayUsage {
            tokens: count(tokens),
            requests: count(requests),
        })
    }

    pub(super) async fn usage_of(
        &self,
        key: &str,
        day: NaiveDate,
    ) -> Result<DayUsage, RateLimitError> {
        let key = self.budget_key(key, day);
        let (tokens, requests): (Option<i64>, Option<i64>) = self
            .run(async |mut conn| {
                redis::cmd("HMGET")
                    .arg(&key)
                    .arg("tokens")
                    .arg("requests")
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        Ok(DayUsage {
            tokens: tokens.map_or(0, count),
            requests: requests.map_or(0, count),
        })
    }
}
