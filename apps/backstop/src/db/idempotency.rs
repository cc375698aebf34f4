//! [`DbIdempotencyStore`]: idempotency keys in the application's own database.
//!
//! The claim is a row committed before the handler runs; a create completes it **in the same
//! transaction** as the rows it writes ([`complete_claim!`]), conditionally on still holding it. So
//! (docs/CONTRACT.md §9.4):
//! - a crash before that commit leaves neither the write nor the completion: the claim is orphaned
//!   and a re-send gets 409 `IDEMPOTENCY_KEY_IN_USE` with `Retry-After` until its lease ends, then
//!   takes it over and runs (nothing was written, so nothing runs twice);
//! - a crash after it leaves both: the re-send is replayed;
//! - a request whose lease ran out and was taken over finds its claim gone at commit time and rolls
//!   its write back (409, retryable): of two holders, only one can ever commit.
//!
//! Records are kept for the retention (24 h by default) and purged every few minutes; beyond
//! [`DbIdempotencyStore::DEFAULT_MAX_KEYS`] records, the oldest completed ones are purged first.

use std::sync::Arc;
use std::time::Duration;

use backstop_axum::idempotency::{
    Begin, ClaimToken, Fingerprint, IdempotencyStore, StoreError, StoredResponse,
};
use futures_util::future::BoxFuture;

use super::write::Durability;
use super::{Backend, Db, DbError, now_millis, write_tx};

/// Completes `$claim` (an [`IdempotencyClaim`](backstop_axum::idempotency::IdempotencyClaim)) with
/// `$stored` (a [`StoredResponse`]) on the connection `$c` of a [`write_tx!`] body, or returns
/// [`DbError::ClaimLost`] from that body (rolling its transaction back) when the claim is no longer
/// held.
macro_rules! complete_claim {
    ($c:ident, $claim:expr, $stored:expr) => {{
        let claim: &backstop_axum::idempotency::IdempotencyClaim = $claim;
        let expires_at = $crate::db::now_millis()
            .saturating_add(i64::try_from(claim.retention().as_millis()).unwrap_or(i64::MAX));
        let done = sqlx::query(
            "UPDATE idempotency_keys SET state = 'completed', response = $1, expires_at = $2, \
             claim = NULL, lease_until = NULL \
             WHERE idem_key = $3 AND claim = $4 AND state = 'in_flight'",
        )
        .bind($stored.encode().to_vec())
        .bind(expires_at)
        .bind(claim.key())
        .bind(hex::encode(claim.token().0))
        .execute(&mut *$c)
        .await?
        .rows_affected();
        if done != 1 {
            return Err($crate::db::DbError::ClaimLost);
        }
    }};
}
pub(crate) use complete_claim;

/// Idempotency keys in the application's own database: a claim row committed before the handler
/// runs, completed in the same transaction as the rows a create writes (docs/CONTRACT.md §9.4).
#[derive(Clone, Debug)]
pub struct DbIdempotencyStore {
    db: Db,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    fingerprint: String,
    state: String,
    claim: Option<String>,
    lease_until: Option<i64>,
    response: Option<Vec<u8>>,
    expires_at: i64,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn store_error(e: DbError) -> StoreError {
    StoreError(Box::new(e))
}

impl DbIdempotencyStore {
    /// The most records kept before the oldest completed ones are purged early.
    pub const DEFAULT_MAX_KEYS: u64 = 1_000_000;
    /// How often expired records are purged.
    pub const PURGE_EVERY: Duration = Duration::from_secs(300);

    /// A store over `db`'s `idempotency_keys` table.
    pub fn new(db: Db) -> Self {
        DbIdempotencyStore { db }
    }

    /// Starts the purge task (needs a Tokio runtime): every [`PURGE_EVERY`](Self::PURGE_EVERY),
    /// records past their time go, then the oldest completed ones beyond `max_keys`.
    pub fn start_purge(self: &Arc<Self>, max_keys: u64) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Self::PURGE_EVERY);
            loop {
                tick.tick().await;
                match store.db.purge_idempotency_keys(max_keys).await {
                    Ok((0, 0)) => {}
                    Ok((expired, over_cap)) => {
                        tracing::info!(expired, over_cap, "idempotency keys purged");
                        if over_cap > 0 {
                            tracing::warn!(
                                over_cap,
                                max_keys,
                                "idempotency keys over the cap: oldest completed ones purged early"
                            );
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "idempotency key purge failed"),
                }
            }
        });
    }
}

impl Db {
    /// Claims `key` unless a live claim or a completed record holds it (see
    /// [`IdempotencyStore::begin`]): one round trip on the writer for a free key, then, if it is
    /// held, a read of who holds it.
    async fn begin_key(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<Begin, DbError> {
        let fingerprint = hex::encode(fingerprint.0);
        // Bounded: a record released or expiring between the two steps is claimed again.
        for _ in 0..3 {
            let token = ClaimToken::random();
            let now = now_millis();
            let lease_until = now.saturating_add(millis(lease));
            self.claim_key(key, &fingerprint, token, now, lease_until)
                .await?;
            // Who holds it now, read off the writer: this request, or the one before it.
            let Some(row) = self.key_row(key).await? else {
                continue;
            };
            if row.state == "in_flight"
                && row.claim.as_deref() == Some(hex::encode(token.0).as_str())
            {
                return Ok(Begin::Claimed(token));
            }
            let now = now_millis();
            let live = match row.state.as_str() {
                "in_flight" => row.lease_until.is_some_and(|l| l > now),
                _ => row.expires_at > now,
            };
            if !live {
                continue;
            }
            if row.fingerprint != fingerprint {
                return Ok(Begin::Mismatch);
            }
            if row.state == "in_flight" {
                let left = row.lease_until.unwrap_or(now).saturating_sub(now);
                return Ok(Begin::InFlight {
                    lease_left: Duration::from_millis(u64::try_from(left).unwrap_or(0)),
                });
            }
            return match row
                .response
                .and_then(|r| StoredResponse::decode(bytes::Bytes::from(r)))
            {
                Some(stored) => Ok(Begin::Completed(stored)),
                // Unreadable (written by a newer release?): refuse rather than run twice.
                None => Err(DbError::Query(sqlx::Error::Decode(
                    "unreadable stored idempotent response".into(),
                ))),
            };
        }
        // The key changed hands three times in a row: let the client come back.
        Ok(Begin::InFlight {
            lease_left: Duration::from_secs(1),
        })
    }

    /// Claims `key` if it is free, or held by a claim whose lease ran out (orphaned by a crash, or
    /// still running: that one can no longer complete), or by a record past its retention: one
    /// upsert, committed with relaxed durability (a claim lost to a power cut is no claim). Whether
    /// it took is read afterwards (the script's row count also counts its other statements).
    ///
    /// One round trip: the upsert and the durability setting go as one script (sqlx binds
    /// parameters only in single statements), so every value is written into the text; each is hex
    /// or an integer, checked here, so nothing can change the statement.
    async fn claim_key(
        &self,
        key: &str,
        fingerprint: &str,
        token: ClaimToken,
        now: i64,
        lease_until: i64,
    ) -> Result<(), DbError> {
        let claim = hex::encode(token.0);
        let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !(hex(key) && hex(fingerprint) && hex(&claim)) {
            return Err(DbError::Query(sqlx::Error::Protocol(
                "idempotency key, fingerprint and claim must be hex".into(),
            )));
        }
        let upsert = format!(
            "INSERT INTO idempotency_keys \
             (idem_key, fingerprint, state, claim, lease_until, response, expires_at, created_at) \
             VALUES ('{key}', '{fingerprint}', 'in_flight', '{claim}', {lease_until}, NULL, {lease_until}, {now}) \
             ON CONFLICT (idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', \
             claim = excluded.claim, lease_until = excluded.lease_until, response = NULL, \
             expires_at = excluded.expires_at, created_at = excluded.created_at \
             WHERE (idempotency_keys.state = 'in_flight' AND idempotency_keys.lease_until <= {now}) \
             OR (idempotency_keys.state = 'completed' AND idempotency_keys.expires_at <= {now})"
        );
        let script = match self.backend() {
            Backend::Sqlite => {
                format!("PRAGMA synchronous = NORMAL; {upsert}; PRAGMA synchronous = FULL")
            }
            Backend::Postgres => {
                format!("BEGIN; SET LOCAL synchronous_commit TO OFF; {upsert}; COMMIT")
            }
        };
        self.write_script(script).await?;
        Ok(())
    }

    /// The record of `key`, read off the writer.
    async fn key_row(&self, key: &str) -> Result<Option<KeyRow>, DbError> {
        Ok(super::on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT fingerprint, state, claim, lease_until, response, expires_at \
                 FROM idempotency_keys WHERE idem_key = $1",
            )
            .bind(key)
            .fetch_optional(p)
            .await?
        }))
    }

    async fn complete_key(
        &self,
        key: &str,
        token: ClaimToken,
        stored: &StoredResponse,
        retention: Duration,
    ) -> Result<bool, DbError> {
        let encoded = stored.encode().to_vec();
        let claim = hex::encode(token.0);
        // Relaxed: what the layer completes itself had no side effect to protect (a 4xx, a token).
        write_tx!(self, Durability::Relaxed, |c| {
            let expires_at = now_millis().saturating_add(millis(retention));
            Ok(sqlx::query(
                "UPDATE idempotency_keys SET state = 'completed', response = $1, expires_at = $2, \
                 claim = NULL, lease_until = NULL \
                 WHERE idem_key = $3 AND claim = $4 AND state = 'in_flight'",
            )
            .bind(&encoded)
            .bind(expires_at)
            .bind(key)
            .bind(&claim)
            .execute(&mut *c)
            .await?
            .rows_affected()
                == 1)
        })
    }

    async fn release_key(&self, key: &str, token: ClaimToken) -> Result<(), DbError> {
        let claim = hex::encode(token.0);
        write_tx!(self, Durability::Relaxed, |c| {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE idem_key = $1 AND claim = $2 AND state = 'in_flight'",
            )
            .bind(key)
            .bind(&claim)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }

    /// Deletes records past their time, then the oldest completed ones beyond `max_keys`;
    /// returns both counts.
    pub async fn purge_idempotency_keys(&self, max_keys: u64) -> Result<(u64, u64), DbError> {
        let now = now_millis();
        let expired = write_tx!(self, |c| {
            Ok(sqlx::query(
                "DELETE FROM idempotency_keys WHERE \
                 (state = 'completed' AND expires_at < $1) OR (state = 'in_flight' AND lease_until < $1)",
            )
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected())
        })?;
        let (count,): (i64,) = super::on_pool!(self, |p| {
            sqlx::query_as("SELECT COUNT(*) FROM idempotency_keys")
                .fetch_one(p)
                .await?
        });
        let over = u64::try_from(count).unwrap_or(0).saturating_sub(max_keys);
        if over == 0 {
            return Ok((expired, 0));
        }
        let over_cap = write_tx!(self, |c| {
            Ok(sqlx::query(
                "DELETE FROM idempotency_keys WHERE idem_key IN \
                 (SELECT idem_key FROM idempotency_keys WHERE state = 'completed' \
                  ORDER BY expires_at LIMIT $1)",
            )
            .bind(i64::try_from(over).unwrap_or(i64::MAX))
            .execute(&mut *c)
            .await?
            .rows_affected())
        })?;
        Ok((expired, over_cap))
    }
}

impl IdempotencyStore for DbIdempotencyStore {
    fn begin<'a>(
        &'a self,
        key: &'a str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Begin, StoreError>> {
        Box::pin(async move {
            self.db
                .begin_key(key, fingerprint, lease)
                .await
                .map_err(store_error)
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
            self.db
                .complete_key(key, claim, response, retention)
                .await
                .map_err(store_error)
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.db.release_key(key, claim).await.map_err(store_error) })
    }
}
