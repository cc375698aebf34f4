//! Where error records go (CONTRACT.md §4: "error records are kept and can be looked up by
//! request_id"): the [`ErrorSink`] trait and its bounded in-memory default, [`MemoryErrorSink`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use backstop::{ApiError, Details};
use time::OffsetDateTime;

/// A boxed future, as returned by [`ErrorSink::lookup`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One error as it was answered: what the client saw plus who and where. Never holds the source error
/// (which may contain internals) nor any secret.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorRecord {
    /// The request id (also in the response).
    pub request_id: String,
    /// The principal's id, when an auth policy provided one ([`PrincipalId`](crate::PrincipalId)).
    pub principal: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The matched route template (`/invoices/{id}`), or the raw path when no route matched.
    pub route: String,
    /// The HTTP status sent.
    pub status: u16,
    /// The error code.
    pub code: String,
    /// The client-visible message.
    pub message: String,
    /// The client-visible details.
    pub details: Option<Details>,
    /// When the error occurred.
    pub timestamp: OffsetDateTime,
}

impl ErrorRecord {
    /// A record of `error` answered with `status`.
    pub fn new(
        error: &ApiError,
        status: u16,
        method: &str,
        route: &str,
        principal: Option<&str>,
    ) -> Self {
        ErrorRecord {
            request_id: error.request_id().unwrap_or_default().to_owned(),
            principal: principal.map(str::to_owned),
            method: method.to_owned(),
            route: route.to_owned(),
            status,
            code: error.code().name().to_owned(),
            message: error.message().to_owned(),
            details: error.details().cloned(),
            timestamp: error.timestamp().unwrap_or_else(OffsetDateTime::now_utc),
        }
    }
}

/// A store of [`ErrorRecord`]s.
///
/// `record` is called on the response path of every error, so it must be cheap and must not block:
/// an implementation backed by a database should hand the record to a channel or `tokio::spawn` the
/// write. `lookup` is async (a boxed future) so that it can query that database.
pub trait ErrorSink: Send + Sync + 'static {
    /// Stores one record. Must not block.
    fn record(&self, record: ErrorRecord);

    /// The record of the error answered to `request_id`, if still kept.
    fn lookup<'a>(&'a self, request_id: &'a str) -> BoxFuture<'a, Option<ErrorRecord>>;

    /// The record of `request_id`, only if it was made by `principal` (CONTRACT.md §4: records are
    /// looked up by the principal that made the request).
    fn lookup_for<'a>(
        &'a self,
        request_id: &'a str,
        principal: &'a str,
    ) -> BoxFuture<'a, Option<ErrorRecord>> {
        Box::pin(async move {
            self.lookup(request_id)
                .await
                .filter(|r| r.principal.as_deref() == Some(principal))
        })
    }
}

/// The default sink: the most recent `capacity` records in memory (oldest overwritten first), each
/// kept at most `retention` (30 days by default).
///
/// A ring buffer without an index: recording (on every error response) is one slot overwrite under a
/// mutex, with no hashing and no key copies; a lookup (rare: a support request) scans the ring.
pub struct MemoryErrorSink {
    capacity: usize,
    retention: Duration,
    state: Mutex<Ring>,
}

#[derive(Default)]
struct Ring {
    slots: Vec<ErrorRecord>,
    /// The slot the next record overwrites once the ring is full.
    next: usize,
}

impl MemoryErrorSink {
    /// The default capacity: 10 000 records.
    pub const DEFAULT_CAPACITY: usize = 10_000;
    /// The default retention: 30 days.
    pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

    /// A sink keeping at most `capacity` records (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryErrorSink {
            capacity: capacity.max(1),
            retention: Self::DEFAULT_RETENTION,
            state: Mutex::new(Ring::default()),
        }
    }

    /// Sets how long a record is kept.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How many records are kept now.
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// Whether no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        // A panic while holding the lock cannot leave the ring inconsistent in a harmful way.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for MemoryErrorSink {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for MemoryErrorSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryErrorSink")
            .field("capacity", &self.capacity)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl ErrorSink for MemoryErrorSink {
    fn record(&self, record: ErrorRecord) {
        let old = {
            let mut ring = self.lock();
            if ring.slots.len() < self.capacity {
                ring.slots.push(record);
                None
            } else {
                let at = ring.next;
                ring.next = (at + 1) % self.capacity;
                Some(std::mem::replace(&mut ring.slots[at], record))
            }
        };
        // The evicted record is freed outside the lock.
        drop(old);
    }

    fn lookup<'a>(&'a self, request_id: &'a str) -> BoxFuture<'a, Option<ErrorRecord>> {
        // The latest record under this id (a client may repeat an id).
        let found = {
            let ring = self.lock();
            ring.slots
                .iter()
                .filter(|r| r.request_id == request_id)
                .max_by_key(|r| r.timestamp)
                .cloned()
        };
        let retention = self.retention;
        Box::pin(async move {
            found.filter(|r| {
                let age = OffsetDateTime::now_utc() - r.timestamp;
                age <= retention
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop::Code;

    fn record(id: &str) -> ErrorRecord {
        let e = ApiError::new(Code::NOT_FOUND).with_request_id(id);
        ErrorRecord::new(&e, 404, "GET", "/x", Some("p1"))
    }

    #[tokio::test]
    async fn evicts_oldest_beyond_capacity_and_filters_by_principal() {
        let sink = MemoryErrorSink::new(2);
        sink.record(record("a"));
        sink.record(record("b"));
        sink.record(record("c"));
        assert_eq!(sink.len(), 2);
        assert!(sink.lookup("a").await.is_none());
        assert_eq!(sink.lookup("c").await.unwrap().code, "NOT_FOUND");
        assert!(sink.lookup_for("c", "p1").await.is_some());
        assert!(sink.lookup_for("c", "p2").await.is_none());
    }

    #[tokio::test]
    async fn expired_records_are_not_returned() {
        let sink = MemoryErrorSink::new(4).with_retention(Duration::ZERO);
        let mut r = record("old");
        r.timestamp -= time::Duration::seconds(5);
        sink.record(r);
        assert!(sink.lookup("old").await.is_none());
    }
}
