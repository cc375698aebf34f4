//! The database layer: one [`Db`] over SQLite (the default, a WAL-mode file created and migrated on
//! first start) or Postgres, with the same SQL for both.
//!
//! The schema uses portable column types only (ids `TEXT`, timestamps unix millis and amounts as
//! 64-bit integers), and sqlx's SQLite driver accepts Postgres-style `$1` placeholders, so each query
//! is written once and run on whichever pool is configured by [`on_pool!`]. Migrations are per
//! backend (`migrations/sqlite`, `migrations/postgres`), embedded in the binary.

mod errors;
mod keys;
mod resources;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use errors::{DbErrorSink, ErrorRecordRow};
pub use keys::{ApiKeyRow, NewKey, Partner, PartnerStatus};
pub use resources::{
    Business, Customer, Insert, Invoice, LineItem, NewBusiness, NewCustomer, NewInvoice, Page,
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

/// Like [`on_pool!`] for statements that write: on SQLite they go through the single-connection
/// writer pool, so concurrent writers queue in-process instead of spinning in SQLite's busy handler.
macro_rules! on_write_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite { write: $p, .. } => $body,
            $crate::db::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_write_pool;

/// A database failure. Answered with 500 `DATABASE_ERROR`; the sqlx error is kept as the source for
/// the log and never reaches a client.
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
}

impl From<DbError> for backstop::ApiError {
    fn from(e: DbError) -> Self {
        backstop::ApiError::new(backstop::Code::DATABASE_ERROR).with_source(e)
    }
}

impl From<DbError> for backstop_axum::Error {
    fn from(e: DbError) -> Self {
        backstop_axum::Error(e.into())
    }
}

/// The concrete pool behind a [`Db`].
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    /// SQLite allows one writer at a time: writes use a one-connection pool, reads the other.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A connection pool to the app's database (cheap to clone).
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: Pool,
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
    /// Connects to `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://...`) and runs the embedded
    /// migrations. A SQLite file is created if missing and put in WAL mode. Fails fast (5 s) when the
    /// database is unreachable.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        let db = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(DbError::Connect)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
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
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options.read_only(true))
                    .await
                    .map_err(DbError::Connect)?
            };
            Db {
                pool: Pool::Sqlite { read, write },
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(DbError::Connect)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(DbError::Connect)?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .map_err(DbError::Migrate)?;
            Db {
                pool: Pool::Postgres(pool),
            }
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
        on_pool!(self, |p| p.close().await);
        on_write_pool!(self, |p| p.close().await);
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        on_pool!(self, |p| {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    /// The stored setting `name`, creating it with `make()` if absent (first writer wins).
    pub async fn setting_or_insert(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, DbError> {
        let value = make();
        on_write_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&value)
            .execute(p)
            .await?;
            let (v,): (String,) = sqlx::query_as("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_one(p)
                .await?;
            Ok(v)
        })
    }
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
