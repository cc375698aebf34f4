//! Writes: one transaction on a writer connection, and a connection that failed is discarded.
//!
//! SQLite may roll a transaction back by itself when a statement fails with `SQLITE_FULL` or an I/O
//! error, or keep it open after a failed `COMMIT`; sqlx's own idea of the transaction depth then no
//! longer matches the connection's, and the next "transaction" can run as a savepoint inside one that
//! never commits: answered 201, never stored (the full-disk bug of issue 12). So after any failure
//! other than a constraint violation that rolled back cleanly, the connection is closed instead of
//! going back to the pool; the pool opens a fresh one. (Closing a SQLite connection rolls back
//! whatever it had open.) SQLite's writes are grouped into shared commits by `group.rs`, which keeps
//! the same rule; this file runs Postgres's, one transaction per write.
//!
//! Bookkeeping writes whose loss a crash could not turn into a duplicate or a lost write (the
//! stored outcome of a request that wrote nothing else, a 4xx) commit with [`Durability::Relaxed`]:
//! Postgres `synchronous_commit = off` for that transaction. They reach the disk with the next fully
//! durable commit (the log is written in order, and a full commit flushes everything before it);
//! such an outcome lost to a power cut only lets the request run again, which writes nothing. A
//! create's own write, which carries its key's outcome, is always fully durable. On SQLite every
//! group commit is fully durable (`group.rs` says why).

use sqlx::{Connection, PgConnection, PgPool};

use super::DbError;
use super::health::WriteHealth;

/// Runs `body` in one transaction on a connection of `pool`, commits, and notes the outcome in
/// `health`. The write is acknowledged (`Ok`) only after `COMMIT` succeeded.
pub(crate) async fn in_tx<T>(
    health: &WriteHealth,
    pool: &PgPool,
    durability: Durability,
    body: impl AsyncFnOnce(&mut PgConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let result = run(pool, durability, body).await;
    health.note(&result);
    result
}

/// How durable a commit must be (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Flushed to disk before the commit returns: every write a client is answered about.
    Full,
    /// Bookkeeping: on disk with the next full commit.
    Relaxed,
}

async fn run<T>(
    pool: &PgPool,
    durability: Durability,
    body: impl AsyncFnOnce(&mut PgConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let mut conn = pool.acquire().await?;
    let relaxed = durability == Durability::Relaxed;
    let (result, clean) = attempt(&mut conn, relaxed, body).await;
    if !clean {
        // Closed instead of returned to the pool, whatever state it is in.
        conn.close_on_drop();
    }
    result
}

/// Runs the transaction (relaxing its commit inside it when `relax_inside`); the flag says whether
/// the connection is known to be clean afterwards.
async fn attempt<T>(
    conn: &mut PgConnection,
    relax_inside: bool,
    body: impl AsyncFnOnce(&mut PgConnection) -> Result<T, DbError>,
) -> (Result<T, DbError>, bool) {
    let mut tx = match conn.begin().await {
        Ok(tx) => tx,
        Err(e) => return (Err(e.into()), false),
    };
    if relax_inside
        && let Err(e) = sqlx::raw_sql("SET LOCAL synchronous_commit TO OFF")
            .execute(&mut *tx)
            .await
    {
        return (Err(e.into()), false);
    }
    match body(&mut tx).await {
        Ok(value) => match tx.commit().await {
            Ok(()) => (Ok(value), true),
            Err(e) => (Err(e.into()), false),
        },
        Err(e) => {
            // A constraint violation, or a lost idempotency claim the body noticed itself: the
            // statement failed cleanly and the rollback leaves the connection reusable.
            let clean = rolls_back_cleanly(&e) && tx.rollback().await.is_ok();
            (Err(e), clean)
        }
    }
}

/// Whether `e` failed one statement and left its transaction usable after a rollback: a
/// constraint violation, or a lost idempotency claim the body noticed itself.
pub(crate) fn rolls_back_cleanly(e: &DbError) -> bool {
    is_constraint_violation(e) || matches!(e, DbError::ClaimLost)
}

fn is_constraint_violation(e: &DbError) -> bool {
    match e {
        DbError::Query(sqlx::Error::Database(d)) => {
            !matches!(d.kind(), sqlx::error::ErrorKind::Other)
        }
        _ => false,
    }
}
