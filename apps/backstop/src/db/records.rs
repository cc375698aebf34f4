//! `error_records`: every error answered, kept 30 days, looked up by request id by the partner that
//! made the request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use backstop_axum::{BoxFuture, ErrorRecord, ErrorSink, MemoryErrorSink};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::{Db, DbError, now_millis, on_pool, write_tx};

/// How long error records are kept.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// How often expired records are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);
/// Records waiting to be written; beyond it new records are dropped (and counted in the log).
const QUEUE: usize = 4096;
/// The most records written per second: a flood of failing requests cannot fill the disk.
const WRITE_BUDGET_PER_SECOND: u32 = 200;
/// The most records written in one transaction.
const BATCH: usize = 256;
/// How often dropped records are reported in the log.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// A stored error record as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ErrorRecordRow {
    /// The request id.
    pub request_id: String,
    /// The partner that made the request, when authenticated.
    pub partner_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Matched route template or raw path.
    pub route: String,
    /// HTTP status sent.
    pub status: i64,
    /// Error code.
    pub code: String,
    /// Client-visible message.
    pub message: String,
    /// The language the message was sent in.
    pub language: Option<String>,
    /// The trace id of the request's W3C `traceparent`, when it had one.
    pub trace_id: Option<String>,
    /// Client-visible details, JSON text.
    pub details: Option<String>,
    /// When, unix millis.
    pub created_at: i64,
}

impl ErrorRecordRow {
    fn into_record(self) -> ErrorRecord {
        ErrorRecord {
            request_id: self.request_id,
            trace_id: self.trace_id,
            principal: self.partner_id,
            method: self.method,
            route: self.route,
            status: u16::try_from(self.status).unwrap_or(500),
            code: self.code,
            message: self.message,
            language: self.language,
            details: self
                .details
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok()),
            timestamp: OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(self.created_at) * 1_000_000,
            )
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }
}

/// An [`ErrorSink`] backed by the `error_records` table.
///
/// `record` never blocks the response: the record goes into a recent-records memory cache (so a
/// lookup right after the error finds it) and onto a bounded queue that a background task writes to
/// the database in batches. Another task purges records older than 30 days every hour.
///
/// Records are for the principal that made the request to look up (docs/CONTRACT.md §12), so an
/// error without a principal (bad credentials, say) is logged but not stored: nobody could ever
/// read it back, and a flood of them would cost a write each. At most
/// `WRITE_BUDGET_PER_SECOND` (200) records a second are stored; records beyond the budget or the queue
/// are dropped and counted, and the count is logged every 10 s.
pub struct DbErrorSink {
    db: Db,
    recent: MemoryErrorSink,
    queue: mpsc::Sender<ErrorRecord>,
    budget: WriteBudget,
    dropped: Arc<AtomicU64>,
}

/// A per-second allowance of records.
#[derive(Debug, Default)]
struct WriteBudget {
    second: AtomicU64,
    used: AtomicU32,
}

impl WriteBudget {
    fn take(&self, now_second: u64) -> bool {
        let second = self.second.load(Ordering::Relaxed);
        if second != now_second
            && self
                .second
                .compare_exchange(second, now_second, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.used.store(0, Ordering::Relaxed);
        }
        self.used.fetch_add(1, Ordering::Relaxed) < WRITE_BUDGET_PER_SECOND
    }
}

impl std::fmt::Debug for DbErrorSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbErrorSink").finish_non_exhaustive()
    }
}

impl DbErrorSink {
    /// Starts the writer and purge tasks (needs a Tokio runtime).
    pub fn start(db: Db) -> Arc<Self> {
        let (queue, mut rx) = mpsc::channel::<ErrorRecord>(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let writer_db = db.clone();
        let writer_dropped = dropped.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut batch, BATCH).await > 0 {
                if let Err(e) = writer_db.insert_error_records(&batch).await {
                    writer_dropped.fetch_add(batch.len() as u64, Ordering::Relaxed);
                    tracing::debug!(error = %e, records = batch.len(), "error records not stored");
                }
                batch.clear();
            }
        });
        let report_dropped = dropped.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REPORT_EVERY);
            loop {
                tick.tick().await;
                let n = report_dropped.swap(0, Ordering::Relaxed);
                if n > 0 {
                    tracing::warn!(
                        dropped = n,
                        "error records not stored in the last 10 s (write budget, full queue or a failing database)"
                    );
                }
            }
        });
        let purge_db = db.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PURGE_EVERY);
            loop {
                tick.tick().await;
                match purge_db.purge_error_records(RETENTION).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired error records purged"),
                    Err(e) => tracing::warn!(error = %e, "error record purge failed"),
                }
            }
        });
        Arc::new(DbErrorSink {
            db,
            recent: MemoryErrorSink::new(1024).with_retention(RETENTION),
            queue,
            budget: WriteBudget::default(),
            dropped,
        })
    }
}

impl DbErrorSink {
    fn db_epoch_second(&self) -> u64 {
        static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        EPOCH
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs()
    }
}

impl ErrorSink for DbErrorSink {
    fn record(&self, record: ErrorRecord) {
        if record.principal.is_none() {
            // Nobody could look it up (see the type's docs); the log has it.
            return;
        }
        self.recent.record(record.clone());
        let second = self.db_epoch_second();
        if !self.budget.take(second) || self.queue.try_send(record).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn lookup<'a>(&'a self, request_id: &'a str) -> BoxFuture<'a, Option<ErrorRecord>> {
        Box::pin(async move {
            if let Some(r) = self.recent.lookup(request_id).await {
                return Some(r);
            }
            match self.db.error_record(request_id, RETENTION).await {
                Ok(r) => r.map(ErrorRecordRow::into_record),
                Err(e) => {
                    tracing::warn!(error = %e, "error record lookup failed");
                    None
                }
            }
        })
    }
}

impl Db {
    /// Stores (or replaces, for a repeated request id) error records, in one transaction.
    pub async fn insert_error_records(&self, records: &[ErrorRecord]) -> Result<(), DbError> {
        write_tx!(self, |c| {
            for r in records {
                let details = r
                    .details
                    .as_ref()
                    .and_then(|d| serde_json::to_string(d).ok());
                let created_at = (r.timestamp.unix_timestamp_nanos() / 1_000_000) as i64;
                sqlx::query(
                    "INSERT INTO error_records (request_id, partner_id, method, route, status, code, message, details, created_at, language, trace_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (request_id) DO UPDATE SET partner_id = EXCLUDED.partner_id, method = EXCLUDED.method, \
                     route = EXCLUDED.route, status = EXCLUDED.status, code = EXCLUDED.code, message = EXCLUDED.message, \
                     details = EXCLUDED.details, created_at = EXCLUDED.created_at, language = EXCLUDED.language, \
                     trace_id = EXCLUDED.trace_id",
                )
                .bind(&r.request_id)
                .bind(&r.principal)
                .bind(&r.method)
                .bind(&r.route)
                .bind(i64::from(r.status))
                .bind(&r.code)
                .bind(&r.message)
                .bind(details)
                .bind(created_at)
                .bind(&r.language)
                .bind(&r.trace_id)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })
    }

    /// The record of `request_id`, if younger than `retention`.
    pub async fn error_record(
        &self,
        request_id: &str,
        retention: Duration,
    ) -> Result<Option<ErrorRecordRow>, DbError> {
        let since = now_millis() - retention.as_millis() as i64;
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT request_id, partner_id, method, route, status, code, message, language, trace_id, details, created_at \
                 FROM error_records WHERE request_id = $1 AND created_at >= $2",
            )
            .bind(request_id)
            .bind(since)
            .fetch_optional(p)
            .await?
        }))
    }

    /// How many records are stored.
    pub async fn count_error_records(&self) -> Result<i64, DbError> {
        let (n,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as("SELECT COUNT(*) FROM error_records")
                .fetch_one(p)
                .await?
        });
        Ok(n)
    }

    /// Deletes records older than `retention`; returns how many.
    pub async fn purge_error_records(&self, retention: Duration) -> Result<u64, DbError> {
        let before = now_millis() - retention.as_millis() as i64;
        write_tx!(self, |c| {
            Ok(
                sqlx::query("DELETE FROM error_records WHERE created_at < $1")
                    .bind(before)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            )
        })
    }
}
