//! [`RedisRateLimitStore`]: GCRA state in Redis, shared by every instance, one round trip per check.

use std::fmt;
use std::time::Duration;

use crate::store::BoxFuture;
use redis::aio::ConnectionManager;

use super::policy::Quota;
use super::store::{Decision, LimitKey, RateLimitStore, StoreError};

/// GCRA in one atomic script. Time comes from the Redis server (`TIME`), so instances with skewed
/// clocks still share one budget. KEYS[1] = state key; ARGV[1] = emission interval (µs);
/// ARGV[2] = burst. Stores the theoretical arrival time (µs) with a TTL of the time it takes to
/// fully replenish, so idle keys vanish by themselves.
/// Returns {allowed, remaining, reset_us, retry_after_us}.
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if now < allow_at then
  return {0, 0, tat - now, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
local remaining = math.floor((now + tolerance - new_tat) / interval)
return {1, remaining, new_tat - now, 0}
"#;

/// GCRA state in Redis. One `EVALSHA` per check (the script is loaded once and re-loaded by
/// itself after a Redis restart); the connection is a `redis` `ConnectionManager`, which
/// reconnects in the background, so an outage ends without restarting the application.
///
/// Keys are `<prefix>rl:<limit>:<window_ms>:<key>`.
#[derive(Clone)]
pub struct RedisRateLimitStore {
    conn: ConnectionManager,
    script: redis::Script,
    prefix: String,
    timeout: Duration,
}

impl fmt::Debug for RedisRateLimitStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimitStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimitStore {
    /// A store on the Redis at `url` (`redis://host:port/db`), with keys under `prefix` and a
    /// 250 ms per-check timeout. Does not need Redis to be up yet: the connection is made on the
    /// first check. Must be called inside a Tokio runtime (an error otherwise).
    pub fn new(url: &str, prefix: impl Into<String>) -> Result<Self, StoreError> {
        Self::with_timeout(url, prefix, Duration::from_millis(250))
    }

    /// Like [`new`](Self::new) with another per-check timeout.
    pub fn with_timeout(
        url: &str,
        prefix: impl Into<String>,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError("must be created inside a Tokio runtime".into()));
        }
        let client = redis::Client::open(url).map_err(|e| StoreError(e.into()))?;
        let conn = ConnectionManager::new_lazy_with_config(
            client,
            crate::store::redis_manager_config(timeout),
        )
        .map_err(|e| StoreError(e.into()))?;
        Ok(RedisRateLimitStore {
            conn,
            script: redis::Script::new(GCRA),
            prefix: prefix.into(),
            timeout,
        })
    }

    /// The Redis key for `key` under `quota`.
    fn redis_key(&self, key: &LimitKey, quota: Quota) -> String {
        format!(
            "{}rl:{}:{}:{}",
            self.prefix,
            quota.limit(),
            quota.window().as_millis(),
            key
        )
    }
}

impl RateLimitStore for RedisRateLimitStore {
    fn check<'a>(
        &'a self,
        key: &'a LimitKey,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Decision, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let interval = quota.emission_interval().as_micros().max(1) as u64;
            let mut invocation = self.script.key(self.redis_key(key, quota));
            invocation.arg(interval).arg(quota.limit());
            let result: Result<(i64, i64, i64, i64), _> =
                tokio::time::timeout(self.timeout * 2, invocation.invoke_async(&mut conn))
                    .await
                    .map_err(|_| StoreError("redis check timed out".into()))?;
            let (allowed, remaining, reset_us, retry_us) =
                result.map_err(|e| StoreError(e.into()))?;
            Ok(Decision {
                allowed: allowed == 1,
                remaining: remaining.clamp(0, i64::from(quota.limit())) as u32,
                reset: Duration::from_micros(reset_us.max(0) as u64),
                retry_after: Duration::from_micros(retry_us.max(0) as u64),
            })
        })
    }
}
