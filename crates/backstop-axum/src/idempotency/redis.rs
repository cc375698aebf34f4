//! [`RedisIdempotencyStore`]: claims and responses in Redis, shared by every instance.

use std::fmt;
use std::time::Duration;

use crate::store::BoxFuture;
use bytes::Bytes;
use redis::aio::ConnectionManager;

use super::store::{Begin, ClaimToken, Fingerprint, IdempotencyStore, StoreError, StoredResponse};

/// Value layout: `P` + fingerprint (32) + token (16) while in flight (set with `PX lease`);
/// `D` + fingerprint (32) + encoded response when done (`PX retention`).
/// Begin: claim with a lease if absent, else report mismatch / in flight (with PTTL) / done.
const BEGIN: &str = r#"
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {0, 0, ''}
end
if string.sub(v, 2, 33) ~= ARGV[3] then return {2, 0, ''} end
if string.sub(v, 1, 1) == 'P' then return {1, redis.call('PTTL', KEYS[1]), ''} end
return {3, 0, string.sub(v, 34)}
"#;

/// Compare-and-set: if our claim (ARGV[1] = token) is still there, replace it with
/// `D` + its fingerprint + the encoded response (ARGV[2]) for ARGV[3] ms.
const COMPLETE: &str = r#"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 1) == 'P' and string.sub(v, 34) == ARGV[1] then
  redis.call('SET', KEYS[1], 'D' .. string.sub(v, 2, 33) .. ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"#;

/// Compare-and-delete: drop our claim (ARGV[1] = token) only.
const RELEASE: &str = r#"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 1) == 'P' and string.sub(v, 34) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// Claims and responses in Redis: every operation is one atomic script (`EVALSHA`, loaded once and
/// re-loaded by itself after a Redis restart) on a reconnecting `ConnectionManager`. Keys are
/// `<prefix>idem:<scoped key hash>`.
#[derive(Clone)]
pub struct RedisIdempotencyStore {
    conn: ConnectionManager,
    begin: redis::Script,
    complete: redis::Script,
    release: redis::Script,
    prefix: String,
    timeout: Duration,
}

impl fmt::Debug for RedisIdempotencyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisIdempotencyStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn err(e: impl Into<backstop::BoxError>) -> StoreError {
    StoreError(e.into())
}

impl RedisIdempotencyStore {
    /// A store on the Redis at `url`, keys under `prefix`, 1 s per-operation timeout. Connects on
    /// first use. Must be called inside a Tokio runtime (an error otherwise).
    pub fn new(url: &str, prefix: impl Into<String>) -> Result<Self, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(err("must be created inside a Tokio runtime"));
        }
        let timeout = Duration::from_secs(1);
        let client = redis::Client::open(url).map_err(err)?;
        let conn = ConnectionManager::new_lazy_with_config(
            client,
            crate::store::redis_manager_config(timeout),
        )
        .map_err(err)?;
        Ok(RedisIdempotencyStore {
            conn,
            begin: redis::Script::new(BEGIN),
            complete: redis::Script::new(COMPLETE),
            release: redis::Script::new(RELEASE),
            prefix: prefix.into(),
            timeout,
        })
    }

    /// Inserts a claim as a (crashed) worker would have: for tests and tools.
    pub async fn insert_claim(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<ClaimToken, StoreError> {
        let token = ClaimToken::random();
        let mut conn = self.conn.clone();
        let _: () = redis::cmd("SET")
            .arg(self.key(key))
            .arg(claim_value(fingerprint, token))
            .arg("PX")
            .arg(lease.as_millis().max(1) as u64)
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        Ok(token)
    }

    fn key(&self, key: &str) -> String {
        format!("{}idem:{key}", self.prefix)
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout * 2, invocation.invoke_async(&mut conn))
            .await
            .map_err(|_| err("redis operation timed out"))?
            .map_err(err)
    }
}

fn claim_value(fingerprint: Fingerprint, token: ClaimToken) -> Vec<u8> {
    let mut v = Vec::with_capacity(49);
    v.push(b'P');
    v.extend_from_slice(&fingerprint.0);
    v.extend_from_slice(&token.0);
    v
}

impl IdempotencyStore for RedisIdempotencyStore {
    fn begin<'a>(
        &'a self,
        key: &'a str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Begin, StoreError>> {
        Box::pin(async move {
            let token = ClaimToken::random();
            let mut inv = self.begin.key(self.key(key));
            inv.arg(claim_value(fingerprint, token))
                .arg(lease.as_millis().max(1) as u64)
                .arg(&fingerprint.0[..]);
            let (state, pttl, payload): (i64, i64, Vec<u8>) = self.run(inv).await?;
            Ok(match state {
                0 => Begin::Claimed(token),
                1 => Begin::InFlight {
                    lease_left: Duration::from_millis(pttl.max(0) as u64),
                },
                2 => Begin::Mismatch,
                _ => Begin::Completed(
                    StoredResponse::decode(Bytes::from(payload))
                        .ok_or_else(|| err("corrupt stored response"))?,
                ),
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut inv = self.complete.key(self.key(key));
            inv.arg(&claim.0[..])
                .arg(&response.encode()[..])
                .arg(retention.as_millis().max(1) as u64);
            let stored: i64 = self.run(inv).await?;
            Ok(stored == 1)
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut inv = self.release.key(self.key(key));
            inv.arg(&claim.0[..]);
            let _: i64 = self.run(inv).await?;
            Ok(())
        })
    }
}
