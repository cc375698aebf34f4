//! Where error records go (docs/CONTRACT.md §12: "error records are kept and can be looked up by
//! request_id"): the [`ErrorSink`] trait and its bounded in-memory default, [`MemoryErrorSink`].

use std::sync::Mutex;
use std::time::Duration;

use backstop::{ApiError, Details};
use time::OffsetDateTime;

pub use crate::store::BoxFuture;

/// One error as it was answered: what the client saw plus who and where. Never holds the source error
/// (which may contain internals) nor any secret.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorRecord {
    /// The request id (also in the response).
    pub request_id: String,
    /// The trace id of the request's valid W3C `traceparent`, if it had one (32 lowercase hex
    /// digits, as OpenTelemetry prints it).
    pub trace_id: Option<String>,
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
    /// The language the message was sent in (the response's `Content-Language`), when known.
    pub language: Option<String>,
    /// The client-visible details.
    pub details: Option<Details>,
    /// When the error occurred.
    pub timestamp: OffsetDateTime,
}

impl ErrorRecord {
    /// A record of `error` answered with `status` (with no trace id: see
    /// [`with_trace_id`](Self::with_trace_id)).
    pub fn new(
        error: &ApiError,
        status: u16,
        method: &str,
        route: &str,
        principal: Option<&str>,
    ) -> Self {
        ErrorRecord {
            request_id: error.request_id().unwrap_or_default().to_owned(),
            trace_id: None,
            principal: principal.map(str::to_owned),
            method: method.to_owned(),
            route: route.to_owned(),
            status,
            code: error.code().name().to_owned(),
            message: error.message().to_owned(),
            language: error.language().map(str::to_owned),
            details: error.details().cloned(),
            timestamp: error.timestamp().unwrap_or_else(OffsetDateTime::now_utc),
        }
    }

    /// The record with the request's trace id.
    pub fn with_trace_id(mut self, trace_id: Option<&str>) -> Self {
        self.trace_id = trace_id.map(str::to_owned);
        self
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

    /// Stores the record of `error` answered with `status` to a request with `trace_id` (what the
    /// [`Contract`](crate::Contract) layer calls on every error response). The default builds an
    /// [`ErrorRecord`] and calls
    /// [`record`](Self::record); a sink may override it to skip building one, as
    /// [`MemoryErrorSink`] does by rewriting its oldest record in place.
    fn record_error(
        &self,
        error: &ApiError,
        status: u16,
        method: &str,
        route: &str,
        principal: Option<&str>,
        trace_id: Option<&str>,
    ) {
        self.record(
            ErrorRecord::new(error, status, method, route, principal).with_trace_id(trace_id),
        );
    }

    /// The record of the error answered to `request_id`, if still kept.
    fn lookup<'a>(&'a self, request_id: &'a str) -> BoxFuture<'a, Option<ErrorRecord>>;

    /// The record of `request_id`, only if it was made by `principal` (docs/CONTRACT.md §12: records are
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
    slots: Vec<Slot>,
    /// The slot the next record overwrites once the ring is full.
    next: usize,
}

/// One kept record, compact: its eight strings in one buffer, so that overwriting the oldest slot
/// (every error response, once the ring is full) writes into one reused allocation and touches a
/// few cache lines rather than eight scattered strings. A lookup (rare) rebuilds the [`ErrorRecord`].
struct Slot {
    /// request_id, principal, method, route, code, language, trace_id and message, one after the
    /// other.
    text: String,
    /// Where each of the first seven ends in `text` (the message runs to the end).
    ends: [usize; 7],
    has_principal: bool,
    has_language: bool,
    has_trace_id: bool,
    status: u16,
    details: Option<Details>,
    timestamp: OffsetDateTime,
}

/// The strings of a record, in `Slot::text` order.
struct Texts<'a> {
    request_id: &'a str,
    principal: Option<&'a str>,
    method: &'a str,
    route: &'a str,
    code: &'a str,
    language: Option<&'a str>,
    trace_id: Option<&'a str>,
    message: &'a str,
}

impl Slot {
    fn new(texts: Texts<'_>, status: u16, details: Option<Details>, at: OffsetDateTime) -> Self {
        let mut slot = Slot {
            text: String::new(),
            ends: [0; 7],
            has_principal: false,
            has_language: false,
            has_trace_id: false,
            status,
            details: None,
            timestamp: at,
        };
        slot.overwrite(texts, status, details, at);
        slot
    }

    fn from_record(mut r: ErrorRecord) -> Self {
        let details = r.details.take();
        let texts = Texts {
            request_id: &r.request_id,
            principal: r.principal.as_deref(),
            method: &r.method,
            route: &r.route,
            code: &r.code,
            language: r.language.as_deref(),
            trace_id: r.trace_id.as_deref(),
            message: &r.message,
        };
        Slot::new(texts, r.status, details, r.timestamp)
    }

    /// The texts of `error` answered to `method route` by `principal`, in trace `trace_id`.
    fn texts<'a>(
        error: &'a ApiError,
        method: &'a str,
        route: &'a str,
        principal: Option<&'a str>,
        trace_id: Option<&'a str>,
    ) -> Texts<'a> {
        Texts {
            request_id: error.request_id().unwrap_or_default(),
            principal,
            method,
            route,
            code: error.code().name(),
            language: error.language(),
            trace_id,
            message: error.message(),
        }
    }

    /// Rewrites the slot in place, reusing its buffer.
    fn overwrite(
        &mut self,
        texts: Texts<'_>,
        status: u16,
        details: Option<Details>,
        at: OffsetDateTime,
    ) {
        self.text.clear();
        let firsts = [
            texts.request_id,
            texts.principal.unwrap_or_default(),
            texts.method,
            texts.route,
            texts.code,
            texts.language.unwrap_or_default(),
            texts.trace_id.unwrap_or_default(),
        ];
        for (end, part) in self.ends.iter_mut().zip(firsts) {
            self.text.push_str(part);
            *end = self.text.len();
        }
        self.text.push_str(texts.message);
        self.has_principal = texts.principal.is_some();
        self.has_language = texts.language.is_some();
        self.has_trace_id = texts.trace_id.is_some();
        self.status = status;
        self.details = details;
        self.timestamp = at;
    }

    /// The `i`-th string (0: request_id ... 5: language, 6: trace_id, 7: message).
    fn part(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).copied().unwrap_or(self.text.len()),
        };
        let end = self.ends.get(i).copied().unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or_default()
    }

    fn request_id(&self) -> &str {
        self.part(0)
    }

    fn to_record(&self) -> ErrorRecord {
        ErrorRecord {
            request_id: self.part(0).to_owned(),
            trace_id: self.has_trace_id.then(|| self.part(6).to_owned()),
            principal: self.has_principal.then(|| self.part(1).to_owned()),
            method: self.part(2).to_owned(),
            route: self.part(3).to_owned(),
            status: self.status,
            code: self.part(4).to_owned(),
            language: self.has_language.then(|| self.part(5).to_owned()),
            message: self.part(7).to_owned(),
            details: self.details.clone(),
            timestamp: self.timestamp,
        }
    }
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
        let slot = Slot::from_record(record);
        let old = {
            let mut ring = self.lock();
            if ring.slots.len() < self.capacity {
                ring.slots.push(slot);
                None
            } else {
                let at = ring.next;
                ring.next = (at + 1) % self.capacity;
                ring.slots
                    .get_mut(at)
                    .map(|old| std::mem::replace(old, slot))
            }
        };
        // The evicted record is freed outside the lock.
        drop(old);
    }

    fn record_error(
        &self,
        error: &ApiError,
        status: u16,
        method: &str,
        route: &str,
        principal: Option<&str>,
        trace_id: Option<&str>,
    ) {
        let texts = Slot::texts(error, method, route, principal, trace_id);
        let details = error.details().cloned();
        let at = error.timestamp().unwrap_or_else(OffsetDateTime::now_utc);
        let mut ring = self.lock();
        if ring.slots.len() < self.capacity {
            ring.slots.push(Slot::new(texts, status, details, at));
        } else {
            // Full (the steady state): rewrite the oldest slot in place, no allocation and
            // nothing to free. Copying a few short strings under the lock costs less than the
            // allocations and frees it saves.
            let at_slot = ring.next;
            ring.next = (at_slot + 1) % self.capacity;
            if let Some(slot) = ring.slots.get_mut(at_slot) {
                slot.overwrite(texts, status, details, at);
            }
        }
    }

    fn lookup<'a>(&'a self, request_id: &'a str) -> BoxFuture<'a, Option<ErrorRecord>> {
        // The latest record under this id (a client may repeat an id).
        let found = {
            let ring = self.lock();
            ring.slots
                .iter()
                .filter(|s| s.request_id() == request_id)
                .max_by_key(|s| s.timestamp)
                .map(Slot::to_record)
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

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

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
    async fn record_error_in_a_full_ring_matches_a_fresh_record() {
        let sink = MemoryErrorSink::new(2);
        let first = ApiError::new(Code::VALIDATION_ERROR)
            .with_field("email", "Enter a valid email address.")
            .with_request_id("a-much-longer-request-id-than-the-next");
        sink.record_error(&first, 422, "POST", "/users", Some("p1"), Some(TRACE));
        sink.record_error(&first, 422, "POST", "/users", Some("p1"), Some(TRACE));
        // Full now: this one overwrites the oldest slot in place.
        let e = ApiError::new(Code::NOT_FOUND).with_request_id("b");
        sink.record_error(&e, 404, "GET", "/x", Some("p2"), None);
        assert_eq!(sink.len(), 2);
        let got = sink.lookup("b").await.unwrap();
        assert_eq!(got, ErrorRecord::new(&e, 404, "GET", "/x", Some("p2")));
        assert!(got.details.is_none());
        // The next overwrites the second slot, dropping its principal and details.
        let e = ApiError::new(Code::NOT_FOUND).with_request_id("c");
        sink.record_error(&e, 404, "GET", "/y", None, Some(TRACE));
        let got = sink.lookup("c").await.unwrap();
        assert_eq!(
            got,
            ErrorRecord::new(&e, 404, "GET", "/y", None).with_trace_id(Some(TRACE))
        );
    }

    #[tokio::test]
    async fn a_record_comes_back_as_it_was_kept() {
        let sink = MemoryErrorSink::new(4);
        let e = ApiError::validation()
            .with_field("email", "Enter a valid email address.")
            .with_request_id("v-1");
        let kept =
            ErrorRecord::new(&e, 422, "POST", "/users/{id}", Some("")).with_trace_id(Some(TRACE));
        sink.record(kept.clone());
        assert_eq!(sink.lookup("v-1").await, Some(kept));
        assert!(sink.lookup_for("v-1", "").await.is_some());
        // The same id again: the latest record wins (equal timestamps: the last one kept).
        sink.record_error(&e, 400, "PUT", "/users", None, None);
        let latest = ErrorRecord::new(&e, 400, "PUT", "/users", None);
        assert_eq!(sink.lookup("v-1").await, Some(latest));
        assert!(sink.lookup_for("v-1", "").await.is_none());
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
