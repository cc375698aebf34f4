//! [`DbIdempotencyStore`]: idempotency keys in the application's own database.
//!
//! A key's record is written once, with its outcome: a create writes it **in the same
//! transaction** as the rows it creates ([`complete_claim!`]), and that insert succeeds only if no
//! live record holds the key. While a request runs, its claim is held in the process
//! ([`LocalClaims`]), not in the database: a claim costs no write, and a keyed create is one
//! write transaction, like an unkeyed one. So (docs/CONTRACT.md §9.4):
//! - a crash before the commit leaves neither the write nor the record, and no claim: a re-send
//!   runs, once (nothing was written);
//! - a crash after it leaves both: the re-send is replayed;
//! - two requests with one key that both run (on two instances sharing the database, or after a
//!   lease ran out) cannot both commit: the database's unique key on the record lets the first
//!   commit and rolls the other's write back.
//!
//! A new key is claimed without reading its record ([`IdempotencyStore::claim_unchecked`], with
//! the layer's `check_at_commit`): the create's insert of its outcome is the check. A repeat whose
//! write or outcome finds the key taken is answered from the record then
//! ([`IdempotencyStore::lookup`]): the first answer replayed, a mismatch, or 409 while it runs.
//!
//! Records left `in_flight` by earlier releases (which committed the claim first) are honoured
//! until their lease ends, then taken over. Records are kept for the retention (24 h by default)
//! and purged every few minutes; beyond [`DbIdempotencyStore::DEFAULT_MAX_KEYS`] records, the
//! oldest completed ones are purged first.

use std::sync::Arc;
use std::time::Duration;

use backstop_axum::idempotency::{
    Begin, ClaimToken, Fingerprint, IdempotencyStore, StoreError, StoredResponse,
};
use futures_util::future::BoxFuture;

use super::claims::{Local, LocalClaims};
use super::write::Durability;
use super::{Db, DbError, now_millis, write_tx};

/// Writes the outcome `$stored` (a [`StoredResponse`]) of the request holding `$claim` (an
/// [`IdempotencyClaim`](backstop_axum::idempotency::IdempotencyClaim)) on the connection `$c` of a
/// [`write_tx!`] body, or returns [`DbError::ClaimLost`] from that body (rolling its transaction
/// back) when a live record already holds the key.
macro_rules! complete_claim {
    ($c:ident, $claim:expr, $stored:expr) => {{
        let claim: &backstop_axum::idempotency::IdempotencyClaim = $claim;
        let done = $crate::db::idempotency::outcome_inserted!(
            $c,
            claim.key(),
            claim.fingerprint(),
            $stored,
            claim.retention()
        );
        if !done {
            return Err($crate::db::DbError::ClaimLost);
        }
    }};
}
pub(crate) use complete_claim;

/// The insert of a key's completed outcome, over a record whose time ran out (an `in_flight` claim
/// of an earlier release past its lease, an outcome past its retention), never over a live one.
/// Parameters: `$1` key, `$2` fingerprint (hex), `$3` stored response, `$4` expires at, `$5` now.
macro_rules! outcome_insert_sql {
    () => {
        "INSERT INTO idempotency_keys \
         (idem_key, fingerprint, state, claim, lease_until, response, expires_at, created_at) \
         VALUES ($1, $2, 'completed', NULL, NULL, $3, $4, $5) \
         ON CONFLICT (idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, \
         state = 'completed', claim = NULL, lease_until = NULL, response = excluded.response, \
         expires_at = excluded.expires_at, created_at = excluded.created_at \
         WHERE (idempotency_keys.state = 'in_flight' AND idempotency_keys.lease_until <= $5) \
         OR (idempotency_keys.state = 'completed' AND idempotency_keys.expires_at <= $5)"
    };
}
pub(crate) use outcome_insert_sql;

/// `sqlx::query($sql)` with the five parameters of [`outcome_insert_sql!`] bound first: the key
/// `$key`, its `$fingerprint`, the outcome `$stored` (a [`StoredResponse`]) and its `$retention`.
macro_rules! query_with_outcome {
    ($sql:expr, $key:expr, $fingerprint:expr, $stored:expr, $retention:expr) => {{
        let fingerprint: backstop_axum::idempotency::Fingerprint = $fingerprint;
        let retention: std::time::Duration = $retention;
        let now = $crate::db::now_millis();
        let expires_at =
            now.saturating_add(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
        sqlx::query($sql)
            .bind($key)
            .bind(hex::encode(fingerprint.0))
            .bind($stored.encode().to_vec())
            .bind(expires_at)
            .bind(now)
    }};
}
pub(crate) use query_with_outcome;

/// Inserts the completed outcome of a key on the connection `$c` of a [`write_tx!`] body (see
/// [`outcome_insert_sql!`]): `true` if it was written.
macro_rules! outcome_inserted {
    ($c:ident, $key:expr, $fingerprint:expr, $stored:expr, $retention:expr) => {{
        $crate::db::idempotency::query_with_outcome!(
            $crate::db::idempotency::outcome_insert_sql!(),
            $key,
            $fingerprint,
            $stored,
            $retention
        )
        .execute(&mut *$c)
        .await?
        .rows_affected()
            == 1
    }};
}
pub(crate) use outcome_inserted;

/// Inserts a resource and the outcome `$stored` of the request holding `$claim` in **one**
/// statement on the connection `$c` of a [`write_tx!`] body: the resource is inserted only if the
/// outcome was, and when a live record already holds the key, neither is and the body returns
/// [`DbError::ClaimLost`] (rolling its transaction back), as [`complete_claim!`] does.
///
/// `$insert` is the resource's `INSERT INTO table (columns) SELECT $6, $7, ...` (its parameters
/// start at `$6`, after those of [`outcome_insert_sql!`]); `|$q| $bind` binds them on `$q`.
///
/// Why one statement: on SQLite the single writer's transaction is the server's bottleneck, and
/// each statement costs it a hand-off to sqlx's connection thread and back; a second statement
/// for the key made a keyed create hold the writer for two more hand-offs than an unkeyed one.
/// SQLite runs both inserts in one call (`changes()` tells the second whether the first wrote);
/// Postgres, which takes one statement per call, as a data-modifying `WITH`.
macro_rules! insert_completing_claim {
    ($c:ident, $claim:expr, $stored:expr, $insert:expr, |$q:ident| $bind:expr) => {{
        let claim: &backstop_axum::idempotency::IdempotencyClaim = $claim;
        let sqlite = $crate::db::idempotency::on_sqlite(&*$c);
        let sql = if sqlite {
            concat!(
                $crate::db::idempotency::outcome_insert_sql!(),
                "; ",
                $insert,
                " WHERE changes() = 1"
            )
        } else {
            concat!(
                "WITH outcome AS (",
                $crate::db::idempotency::outcome_insert_sql!(),
                " RETURNING 1) ",
                $insert,
                " WHERE EXISTS (SELECT 1 FROM outcome)"
            )
        };
        let $q = $crate::db::idempotency::query_with_outcome!(
            sql,
            claim.key(),
            claim.fingerprint(),
            $stored,
            claim.retention()
        );
        // SQLite counts the rows of both inserts, Postgres those of the resource's.
        match ($bind).execute(&mut *$c).await?.rows_affected() {
            2 if sqlite => {}
            1 if !sqlite => {}
            0 => return Err($crate::db::DbError::ClaimLost),
            n => {
                return Err($crate::db::DbError::Query(sqlx::Error::Protocol(format!(
                    "a create with its idempotency outcome changed {n} rows"
                ))));
            }
        }
    }};
}
pub(crate) use insert_completing_claim;

/// Whether the connection `_c` is SQLite's (the dialect of [`insert_completing_claim!`]).
pub(crate) fn on_sqlite<C: sqlx::Connection>(_c: &C) -> bool {
    <C::Database as sqlx::Database>::NAME == "SQLite"
}

/// Idempotency keys in the application's own database: claims held in the process, each outcome
/// written in the same transaction as the rows a create writes (docs/CONTRACT.md §9.4).
#[derive(Clone)]
pub struct DbIdempotencyStore {
    db: Db,
    claims: Arc<LocalClaims>,
}

impl std::fmt::Debug for DbIdempotencyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbIdempotencyStore").finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    fingerprint: String,
    state: String,
    lease_until: Option<i64>,
    response: Option<Vec<u8>>,
    expires_at: i64,
}

fn store_error(e: DbError) -> StoreError {
    StoreError(Box::new(e))
}

impl DbIdempotencyStore {
    /// The most records kept before the oldest completed ones are purged early.
    pub const DEFAULT_MAX_KEYS: u64 = 1_000_000;
    /// How often expired records are purged.
    pub const PURGE_EVERY: Duration = Duration::from_secs(300);
    /// The most claims this process holds at once (far above its requests in flight); beyond, a
    /// keyed request gets 503 with `Retry-After`.
    pub const MAX_CLAIMS: usize = 65_536;

    /// A store over `db`'s `idempotency_keys` table.
    pub fn new(db: Db) -> Self {
        DbIdempotencyStore {
            db,
            claims: Arc::new(LocalClaims::new(Self::MAX_CLAIMS)),
        }
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

    /// Replays or refuses `key` if a live record holds it; otherwise claims it in the process
    /// (see the module docs): one read, no write.
    async fn begin_key(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<Begin, DbError> {
        match self.lookup_key(key, fingerprint).await? {
            Some(answer) => Ok(answer),
            None => self.claim_here(key, fingerprint, lease),
        }
    }

    /// What the live record of `key` answers (a replay, a mismatch, an `in_flight` claim of an
    /// earlier release), or `None` when none holds it.
    async fn lookup_key(
        &self,
        key: &str,
        fingerprint: Fingerprint,
    ) -> Result<Option<Begin>, DbError> {
        let Some(row) = self.db.key_row(key).await? else {
            return Ok(None);
        };
        let now = now_millis();
        let live = match row.state.as_str() {
            "in_flight" => row.lease_until.is_some_and(|l| l > now),
            _ => row.expires_at > now,
        };
        if !live {
            return Ok(None);
        }
        if row.fingerprint != hex::encode(fingerprint.0) {
            return Ok(Some(Begin::Mismatch));
        }
        if row.state == "in_flight" {
            let left = row.lease_until.unwrap_or(now).saturating_sub(now);
            return Ok(Some(Begin::InFlight {
                lease_left: Duration::from_millis(u64::try_from(left).unwrap_or(0)),
            }));
        }
        match row
            .response
            .and_then(|r| StoredResponse::decode(bytes::Bytes::from(r)))
        {
            Some(stored) => Ok(Some(Begin::Completed(stored))),
            // Unreadable (written by a newer release?): refuse rather than run twice.
            None => Err(DbError::Query(sqlx::Error::Decode(
                "unreadable stored idempotent response".into(),
            ))),
        }
    }

    /// Claims `key` in the process, without reading its record.
    fn claim_here(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<Begin, DbError> {
        Ok(match self.claims.claim(key, fingerprint, lease) {
            Local::Claimed(token) => Begin::Claimed(token),
            Local::InFlight { lease_left } => Begin::InFlight { lease_left },
            Local::Mismatch => Begin::Mismatch,
            Local::Full => return Err(DbError::TooManyClaims),
        })
    }

    /// Writes the outcome the layer completes itself (a 4xx, a response without a write of its
    /// own), with relaxed durability: it had no side effect to protect.
    async fn complete_key(
        &self,
        key: &str,
        token: ClaimToken,
        stored: &StoredResponse,
        retention: Duration,
    ) -> Result<bool, DbError> {
        let Some(fingerprint) = self.claims.fingerprint(key, token) else {
            return Ok(false);
        };
        let done = write_tx!(self.db, Durability::Relaxed, |c| {
            Ok(outcome_inserted!(c, key, fingerprint, stored, retention))
        });
        self.claims.forget(key, token);
        done
    }
}

impl Db {
    /// The record of `key`, read off the writer.
    async fn key_row(&self, key: &str) -> Result<Option<KeyRow>, DbError> {
        Ok(super::on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT fingerprint, state, lease_until, response, expires_at \
                 FROM idempotency_keys WHERE idem_key = $1",
            )
            .bind(key)
            .fetch_optional(p)
            .await?
        }))
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
            self.begin_key(key, fingerprint, lease)
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
            self.complete_key(key, claim, response, retention)
                .await
                .map_err(store_error)
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.claims.forget(key, claim);
        Box::pin(std::future::ready(Ok(())))
    }

    fn completed_by_application(&self, key: &str, claim: ClaimToken) {
        self.claims.forget(key, claim);
    }

    /// Every write of the reference API's keyed routes carries its key's outcome, inserted only
    /// if no live record holds the key: the read moves there (docs/CONTRACT.md §9.4).
    fn claim_unchecked(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Option<Result<Begin, StoreError>> {
        Some(
            self.claim_here(key, fingerprint, lease)
                .map_err(store_error),
        )
    }

    fn lookup<'a>(
        &'a self,
        key: &'a str,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Option<Begin>, StoreError>> {
        Box::pin(async move { self.lookup_key(key, fingerprint).await.map_err(store_error) })
    }
}
