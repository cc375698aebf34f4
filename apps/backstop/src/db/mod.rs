//! The database layer: one [`Db`] over SQLite (the default, a WAL-mode file created and migrated on
//! first start) or Postgres, with the same SQL for both.
//!
//! The schema uses portable column types only (ids `TEXT`, timestamps unix millis and amounts as
//! 64-bit integers), and sqlx's SQLite driver accepts Postgres-style `$1` placeholders, so each query
//! is written once and run on whichever pool is configured by `on_pool!`. Migrations are per
//! backend (`migrations/sqlite`, `migrations/postgres`), embedded in the binary.

mod claims;
mod error;
mod group;
mod health;
mod idempotency;
mod keys;
mod records;
mod resources;
mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use error::{DbError, UNAVAILABLE_RETRY_AFTER};
pub use idempotency::DbIdempotencyStore;
pub use keys::{ApiKeyRow, NewKey, Partner, PartnerStatus};
pub use records::{DbErrorSink, ErrorRecordRow};
pub use resources::{
    Business, Completion, Created, Customer, Insert, Invoice, LineItem, NewBusiness, NewCustomer,
    NewInvoice, Page,
};

/// Runs `$body` with `$p` bound to the concrete pool (`&SqlitePool` or `&PgPool`) for reads.
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite { read: $p, .. } => $body,
            $crate::db::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` (an expression using `$c: &mut` the backend's connection, returning
/// `Result<T, DbError>`) in a write transaction: on SQLite in a savepoint of a group commit on the
/// single writer connection ([`group`]), so concurrent writers queue in-process instead of spinning
/// in SQLite's busy handler and share one `COMMIT`; on Postgres in a transaction of its own
/// ([`write::in_tx`]). `Ok` only after `COMMIT` succeeded. With a [`write::Durability`] first,
/// that durability (default: full).
macro_rules! write_tx {
    ($db:expr, |$c:ident| $body:expr) => {
        $crate::db::write_tx!($db, $crate::db::write::Durability::Full, |$c| $body)
    };
    ($db:expr, $durability:expr, |$c:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite { write, .. } => {
                write
                    .in_tx(
                        &$db.health,
                        $durability,
                        async |$c: &mut sqlx::SqliteConnection| $body,
                    )
                    .await
            }
            $crate::db::Pool::Postgres(p) => {
                $crate::db::write::in_tx(
                    &$db.health,
                    p,
                    $durability,
                    async |$c: &mut sqlx::PgConnection| $body,
                )
                .await
            }
        }
    };
}
pub(crate) use write_tx;

/// The SQLite writer's page cache, in KiB (SQLite's default is 2,000): a cap, filled only as pages
/// are read. A keyed create inserts its key at a random place of the key index (the key is a
/// hash); once that index outgrows the cache, most creates read a page back first. With the
/// default, the create benchmark's second and third 8 s rounds (past ~20,000 keys) ran at half
/// the first one's rate (apps/backstop/bench/README.md).
const WRITER_CACHE_KIB: u32 = 65_536;

/// The concrete pool behind a [`Db`].
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    /// SQLite allows one writer at a time: writes go through the group writer over a
    /// one-connection pool, reads use the other pool.
    Sqlite {
        read: SqlitePool,
        write: Arc<group::GroupWriter>,
    },
    Postgres(PgPool),
}

/// A connection pool to the app's database (cheap to clone).
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: Pool,
    pub(crate) health: Arc<health::WriteHealth>,
}

/// Which backend a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, WAL journal).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Db {
    fn new(pool: Pool) -> Db {
        Db {
            pool,
            health: Arc::default(),
        }
    }

    /// Connects to `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://...`) and runs the embedded
    /// migrations. A SQLite file is created if missing and put in WAL mode. Fails fast (5 s) when the
    /// database is unreachable.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        Self::connect_with(url, Duration::from_secs(5)).await
    }

    /// Like [`connect`](Self::connect), waiting at most `acquire_timeout` for a pooled connection
    /// (a request that waits longer gets 503 with `Retry-After`).
    pub async fn connect_with(url: &str, acquire_timeout: Duration) -> Result<Db, DbError> {
        let db = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(DbError::Connect)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            // Set by the group writer just before it drops a connection in an unknown state.
            let discard = Arc::new(AtomicBool::new(false));
            let discard_on_release = Arc::clone(&discard);
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(acquire_timeout)
                .after_release(move |conn, _| {
                    let discard = discard_on_release.swap(false, Ordering::AcqRel);
                    Box::pin(async move { Ok(!discard && clean(conn)) })
                })
                .connect_with(
                    options
                        .clone()
                        .pragma("cache_size", format!("-{WRITER_CACHE_KIB}")),
                )
                .await
                .map_err(DbError::Connect)?;
            sqlx::migrate!("migrations/sqlite")
                .run(&write)
                .await
                .map_err(DbError::Migrate)?;
            // An in-memory database exists once per connection: share the writer.
            let read = if url.contains(":memory:") {
                write.clone()
            } else {
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(acquire_timeout)
                    .connect_with(options.read_only(true))
                    .await
                    .map_err(DbError::Connect)?
            };
            let write = group::GroupWriter::new(write, discard, acquire_timeout);
            Db::new(Pool::Sqlite { read, write })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(DbError::Connect)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(acquire_timeout)
                .after_release(|conn, _| Box::pin(async move { Ok(clean(conn)) }))
                .connect_with(options)
                .await
                .map_err(DbError::Connect)?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .map_err(DbError::Migrate)?;
            Db::new(Pool::Postgres(pool))
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        Ok(db)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection (waits for checked-out ones to come back).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { read, write } => {
                read.close().await;
                write.pool().close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Checks the database answers reads, and that it takes writes: when the last write failed
    /// for a storage reason (disk full, I/O), a tiny write of its own must commit before the store
    /// counts as healthy again.
    pub async fn ping(&self) -> Result<(), DbError> {
        on_pool!(self, |p| {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        if self.health.is_failing() {
            let now = now_millis().to_string();
            write_tx!(self, |c| {
                sqlx::query(
                    "INSERT INTO settings (name, value) VALUES ('health_probe', $1) \
                     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                )
                .bind(&now)
                .execute(&mut *c)
                .await?;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Whether the last write failed for a storage reason (and none has committed since).
    pub fn writes_failing(&self) -> bool {
        self.health.is_failing()
    }

    /// The stored setting `name`, creating it with `make()` if absent (first writer wins).
    pub async fn setting_or_insert(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, DbError> {
        let value = make();
        write_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&value)
            .execute(&mut *c)
            .await?;
            let (v,): (String,) = sqlx::query_as("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *c)
                .await?;
            Ok(v)
        })
    }
}

/// Whether a connection going back to the pool is outside any transaction (as sqlx sees it); one
/// that is not is closed instead (see `write.rs`).
fn clean(conn: &mut impl sqlx::Connection) -> bool {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("database connection left inside a transaction: discarded");
    }
    clean
}

/// Now, in unix milliseconds.
pub fn now_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds as RFC 3339 (UTC, milliseconds).
pub fn millis_to_rfc3339(millis: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    backstop::format_timestamp(t)
}

/// A new id `<prefix>_<uuid v7, simple form>` (time-ordered, so lists sort by creation).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
