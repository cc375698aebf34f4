//! Writes: one transaction on a writer connection, and a connection that failed is discarded.
//!
//! SQLite may roll a transaction back by itself when a statement fails with `SQLITE_FULL` or an I/O
//! error, or keep it open after a failed `COMMIT`; sqlx's own idea of the transaction depth then no
//! longer matches the connection's, and the next "transaction" can run as a savepoint inside one that
//! never commits: answered 201, never stored (the full-disk bug of issue 12). So after any failure
//! other than a constraint violation that rolled back cleanly, the connection is closed instead of
//! going back to the pool; the pool opens a fresh one. (Closing a SQLite connection rolls back
//! whatever it had open.)

use sqlx::{Connection, Database, Pool};

use super::DbError;
use super::health::WriteHealth;

/// Runs `body` in one transaction on a connection of `pool` (the writer pool on SQLite), commits,
/// and notes the outcome in `health`. The write is acknowledged (`Ok`) only after `COMMIT`
/// succeeded.
pub(crate) async fn in_tx<DB, T>(
    health: &WriteHealth,
    pool: &Pool<DB>,
    body: impl AsyncFnOnce(&mut DB::Connection) -> Result<T, DbError>,
) -> Result<T, DbError>
where
    DB: Database,
{
    let result = run(pool, body).await;
    health.note(&result);
    result
}

async fn run<DB, T>(
    pool: &Pool<DB>,
    body: impl AsyncFnOnce(&mut DB::Connection) -> Result<T, DbError>,
) -> Result<T, DbError>
where
    DB: Database,
{
    let mut conn = pool.acquire().await?;
    let (result, clean) = attempt::<DB, T>(&mut conn, body).await;
    if !clean {
        // Closed instead of returned to the pool, whatever state it is in.
        conn.close_on_drop();
    }
    result
}

/// Runs the transaction; the flag says whether the connection is known to be clean afterwards.
async fn attempt<DB, T>(
    conn: &mut DB::Connection,
    body: impl AsyncFnOnce(&mut DB::Connection) -> Result<T, DbError>,
) -> (Result<T, DbError>, bool)
where
    DB: Database,
{
    let mut tx = match conn.begin().await {
        Ok(tx) => tx,
        Err(e) => return (Err(e.into()), false),
    };
    match body(&mut tx).await {
        Ok(value) => match tx.commit().await {
            Ok(()) => (Ok(value), true),
            Err(e) => (Err(e.into()), false),
        },
        Err(e) => {
            let clean = is_constraint_violation(&e) && tx.rollback().await.is_ok();
            (Err(e), clean)
        }
    }
}

fn is_constraint_violation(e: &DbError) -> bool {
    match e {
        DbError::Query(sqlx::Error::Database(d)) => {
            !matches!(d.kind(), sqlx::error::ErrorKind::Other)
        }
        _ => false,
    }
}
