//! [`DbError`]: what a database failure means to a client.
//!
//! A failure that waiting can cure (the disk is full, an I/O error, the pool is exhausted, the
//! server is shutting down, a lock or serialization conflict) is answered with 503
//! `SERVICE_UNAVAILABLE` and `Retry-After` (docs/CONTRACT.md §10.2); anything else with 500
//! `DATABASE_ERROR`. The sqlx error stays the source, for the log only.

use std::sync::Arc;
use std::time::Duration;

use backstop::{ApiError, Code};

/// How long a client is asked to wait after a storage failure that waiting can cure.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(2);

/// A database failure. Answered with 503 (+ `Retry-After`) or 500 (see the module docs); the sqlx
/// error is kept as the source for the log and never reaches a client.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is not `sqlite:` or `postgres:`/`postgresql:`.
    #[error("unsupported database URL scheme (use sqlite://PATH or postgres://...)")]
    UnsupportedUrl,
    /// Connecting failed.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// Migrating failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// Another request with the same idempotency key committed its outcome first (on another
    /// instance, or after this request's lease ran out); this request's write was rolled back.
    #[error("another request with the idempotency key committed first; the write was rolled back")]
    ClaimLost,
    /// This process holds as many idempotency claims as it may; the request did not run.
    #[error("too many keyed requests in flight")]
    TooManyClaims,
    /// A failure shared by every write of a SQLite group commit (its `COMMIT` failed, or one of its
    /// writes left the transaction in an unknown state); it means what the failure inside means.
    #[error(transparent)]
    Shared(Arc<DbError>),
}

impl DbError {
    /// Whether waiting can cure it: storage full or failing, pool exhausted or closed, the server
    /// going away, a lock or serialization conflict.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Connect(e) | DbError::Query(e) => sqlx_is_unavailable(e),
            DbError::ClaimLost | DbError::TooManyClaims => true,
            DbError::Shared(e) => e.is_unavailable(),
            DbError::UnsupportedUrl | DbError::Migrate(_) => false,
        }
    }

    /// Whether it is a failure of the storage itself (disk full, I/O, the server gone) rather than
    /// of one statement: these mark the store unhealthy until a write succeeds again.
    pub fn is_storage_failure(&self) -> bool {
        match self {
            DbError::Connect(_) => true,
            DbError::Shared(e) => e.is_storage_failure(),
            DbError::Query(e) => match e {
                sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(d) => match d.code() {
                    Some(code) => storage_code(&code),
                    None => false,
                },
                _ => false,
            },
            _ => false,
        }
    }
}

fn sqlx_is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => match d.code() {
            Some(code) => storage_code(&code) || conflict_code(&code),
            None => false,
        },
        _ => false,
    }
}

/// SQLite result codes (numeric, primary code in the low byte) and Postgres SQLSTATEs that mean the
/// storage cannot take writes now: SQLite `FULL` (13), `IOERR` (10), `NOMEM` (7), `READONLY` (8),
/// `CANTOPEN` (14), `PROTOCOL` (15); Postgres classes 08 (connection), 53 (insufficient resources:
/// disk full, out of memory, too many connections), 57P01..57P03 (shutting down), 58030 (I/O).
fn storage_code(code: &str) -> bool {
    if let Some(n) = sqlite_code(code) {
        return matches!(n & 0xff, 7 | 8 | 10 | 13 | 14 | 15);
    }
    code.starts_with("08")
        || code.starts_with("53")
        || matches!(code, "57P01" | "57P02" | "57P03" | "58030")
}

/// A SQLite (extended) result code: a number of at most four digits. A Postgres SQLSTATE is always
/// five characters, some of them all digits (`08006`, `53100`).
fn sqlite_code(code: &str) -> Option<u32> {
    if code.len() < 5 {
        code.parse().ok()
    } else {
        None
    }
}

/// Conflicts that a retry resolves: SQLite `BUSY` (5) and `LOCKED` (6); Postgres serialization
/// failure, deadlock, lock not available.
fn conflict_code(code: &str) -> bool {
    if let Some(n) = sqlite_code(code) {
        return matches!(n & 0xff, 5 | 6);
    }
    matches!(code, "40001" | "40P01" | "55P03")
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if matches!(e, DbError::ClaimLost) {
            // The other request's outcome is committed: a retry replays it (docs/CONTRACT.md §9.4).
            return ApiError::new(Code::IDEMPOTENCY_KEY_IN_USE)
                .with_retry_after(Duration::from_secs(1))
                .with_source(e);
        }
        if e.is_unavailable() {
            ApiError::unavailable(UNAVAILABLE_RETRY_AFTER)
                .with_message("The service cannot store data right now; retry later")
                .with_source(e)
        } else {
            ApiError::new(Code::DATABASE_ERROR).with_source(e)
        }
    }
}

impl From<DbError> for backstop_axum::Error {
    fn from(e: DbError) -> Self {
        backstop_axum::Error(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_and_conflict_codes_are_recognised() {
        for code in [
            "13", "10", "778", "3338", "7", "8", "14", "08006", "53100", "57P01",
        ] {
            assert!(storage_code(code), "{code}");
        }
        for code in ["5", "517", "6", "40001", "40P01"] {
            assert!(conflict_code(code) && !storage_code(code), "{code}");
        }
        for code in ["19", "2067", "787", "23505", "42P01", "1"] {
            assert!(!storage_code(code) && !conflict_code(code), "{code}");
        }
    }
}
