//! [`Contract`]: the one layer that makes every failure path of an axum app answer with the envelope.

mod finish;
mod foreign;
mod language;
mod log;
mod panic;
mod service;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use backstop::Profile;
use backstop::i18n::Catalog;
use tokio::sync::Semaphore;
use tower::Layer;

use crate::sink::{ErrorSink, MemoryErrorSink};

use language::Languages;
use log::LogBudget;
pub use panic::PanicToEnvelope;
pub use service::{ContractService, ResponseFuture};

/// The inner stack the contract installs around each route: the route itself. (axum's extractor
/// body limit is set by [`ContractService`] in the request extensions when the contract's
/// [`body_limit`](Contract::body_limit) differs from axum's default, rather than by one more
/// `DefaultBodyLimit` service around every route.)
pub type InnerStack<S> = S;

/// The error contract as one tower [`Layer`].
///
/// Outermost first, it installs:
/// 1. **request id** (docs/CONTRACT.md §4): an incoming `X-Request-Id` is kept when valid and replaced by
///    a fresh UUID v7 otherwise; the request's `X-Request-Id` header then holds it for everything
///    inside the layer (read it with the [`RequestId`](crate::RequestId) extractor), and every
///    response carries it in its own;
/// 2. a **tracing span** `request{request_id, method, route}` around everything the request does;
/// 3. **load shedding** ([`concurrency_limit`](Self::concurrency_limit)): beyond the limit, 503
///    `SERVICE_UNAVAILABLE` with `Retry-After` at once, without queueing;
/// 4. the **timeout** ([`timeout`](Self::timeout)): 504 `TIMEOUT`;
/// 5. **panics**: 500 `INTERNAL_ERROR`; the panic text goes to the log only (caught in the
///    contract's own future: tower-http's `CatchPanicLayer` boxes every response body, which the
///    hot path cannot afford; [`PanicToEnvelope`] is its handler for apps that use that layer);
/// 6. the **body limit** ([`body_limit`](Self::body_limit), default 2 MiB): 413 `PAYLOAD_TOO_LARGE`
///    at once for a larger `Content-Length`; a chunked body is wrapped in `http_body_util::Limited`
///    (what tower-http's `RequestBodyLimitLayer` does, minus its boxing of every request and response
///    body, which showed in the load benchmark), and axum's `DefaultBodyLimit` is set to the same value
///    so `Json`/`Form`/`Bytes` agree:
///    chunked bodies included;
/// 7. on the way out, the **envelope**: an error built from [`Error`](crate::Error) is re-encoded in the
///    configured [`Profile`] with the request id stamped in; any other response with status >= 400
///    (axum's empty 404 and 405, plain-text rejections of other layers) is rewritten into the envelope
///    with its status and headers (`Allow`, `Retry-After`, `WWW-Authenticate`, `RateLimit*`, ...) kept;
/// 8. **language** (docs/CONTRACT.md §13): the message and field-violation messages of every
///    error it writes, its own and the app's, rejections, 404/405 and auth errors included, are
///    localized into the language the request's `Accept-Language` prefers among the
///    [`catalog`](Self::catalog)'s (English, Spanish, French and German by default; the catalog's
///    default language when none is acceptable), with `Content-Language` and
///    `Vary: Accept-Language`. Negotiation happens only for failed requests;
/// 9. **logging**: each error once, structured, and recorded in the [`ErrorSink`] (except 404s
///    for paths no route matched: see [`record_unmatched`](Self::record_unmatched)), with the
///    language its message was sent in.
///
/// Install it with [`apply`](Self::apply) (or `router.layer(contract)`, the same thing) after adding
/// every route: like any `Router::layer`, it wraps the routes and the fallback present at that point.
/// The router's default fallback then answers 404 `NOT_FOUND` and a known route with a wrong method
/// 405 `METHOD_NOT_ALLOWED` with its `Allow` header.
#[derive(Clone)]
pub struct Contract {
    shared: Arc<Shared>,
    body_limit: usize,
}

/// The settings every [`ContractService`] shares.
pub(crate) struct Shared {
    pub(crate) profile: Profile,
    pub(crate) timeout: Option<Duration>,
    pub(crate) semaphore: Option<Arc<Semaphore>>,
    pub(crate) overload_retry_after: Duration,
    pub(crate) sink: Option<Arc<dyn ErrorSink>>,
    pub(crate) body_limit: usize,
    /// axum's extractor limit (`Json`, `Form`, `Bytes`, ...) set to `body_limit`, applied to each
    /// request only when `body_limit` differs from axum's default: with the default, axum's
    /// extractors already use the same limit and inserting it would cost an extension per request.
    /// Either way the contract itself enforces `body_limit` (announced and chunked bodies).
    pub(crate) extractor_limit: Option<DefaultBodyLimit>,
    /// Whether error responses leave with their [`ErrorExtension`](crate::ErrorExtension).
    pub(crate) error_extension: bool,
    /// Whether 404s for paths no route matched are recorded in the sink.
    pub(crate) record_unmatched: bool,
    /// How many error lines a second may be logged (`None`: all).
    pub(crate) log_budget: Option<LogBudget>,
    /// Whether errors are answered in RFC 6749 form (an OAuth2 token endpoint).
    pub(crate) oauth2: bool,
    /// The languages of error messages (`None`: as written, no `Content-Language`).
    pub(crate) languages: Option<Arc<Languages>>,
}

/// axum's default extractor body limit (`axum_core::extract::DefaultBodyLimit`'s 2 MB).
const AXUM_DEFAULT_BODY_LIMIT: usize = 2_097_152;

fn extractor_limit(body_limit: usize) -> Option<DefaultBodyLimit> {
    (body_limit != AXUM_DEFAULT_BODY_LIMIT).then(|| DefaultBodyLimit::max(body_limit))
}

impl Contract {
    /// The default body limit: 2 MiB (axum's own default).
    // Kept equal to `AXUM_DEFAULT_BODY_LIMIT` so that the default needs no per-request extension.
    pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;
    /// The default `Retry-After` sent when shedding load: 1 second.
    pub const DEFAULT_OVERLOAD_RETRY_AFTER: Duration = Duration::from_secs(1);

    /// The canonical profile, a 2 MiB body limit, no timeout, no concurrency limit, and an in-memory
    /// error sink of [`MemoryErrorSink::DEFAULT_CAPACITY`] records.
    pub fn new() -> Self {
        Contract {
            shared: Arc::new(Shared {
                profile: Profile::Backstop,
                timeout: None,
                semaphore: None,
                overload_retry_after: Self::DEFAULT_OVERLOAD_RETRY_AFTER,
                sink: Some(Arc::new(MemoryErrorSink::default())),
                body_limit: Self::DEFAULT_BODY_LIMIT,
                extractor_limit: extractor_limit(Self::DEFAULT_BODY_LIMIT),
                error_extension: false,
                record_unmatched: false,
                log_budget: Some(LogBudget::new(LogBudget::DEFAULT_PER_SECOND)),
                oauth2: false,
                languages: Some(Languages::builtin()),
            }),
            body_limit: Self::DEFAULT_BODY_LIMIT,
        }
    }

    fn shared_mut(&mut self) -> &mut Shared {
        // Settings are built before the layer is cloned into services; copy on write otherwise.
        if Arc::get_mut(&mut self.shared).is_none() {
            let s = &self.shared;
            self.shared = Arc::new(Shared {
                profile: s.profile,
                timeout: s.timeout,
                semaphore: s.semaphore.clone(),
                overload_retry_after: s.overload_retry_after,
                sink: s.sink.clone(),
                body_limit: s.body_limit,
                extractor_limit: s.extractor_limit,
                error_extension: s.error_extension,
                record_unmatched: s.record_unmatched,
                log_budget: s
                    .log_budget
                    .as_ref()
                    .map(|b| LogBudget::new(b.per_second())),
                oauth2: s.oauth2,
                languages: s.languages.clone(),
            });
        }
        Arc::get_mut(&mut self.shared).expect("just made unique")
    }

    /// The wire profile of every error body.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.shared_mut().profile = profile;
        self
    }

    /// Answers 504 `TIMEOUT` when a request takes longer than `timeout` (measured to the response
    /// head, not the body stream).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.shared_mut().timeout = Some(timeout);
        self
    }

    /// The largest request body accepted, in bytes (413 `PAYLOAD_TOO_LARGE` beyond it), whether
    /// announced by `Content-Length` or streamed chunked. Default 2 MiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        let shared = self.shared_mut();
        shared.body_limit = bytes;
        shared.extractor_limit = extractor_limit(bytes);
        self
    }

    /// At most `max` requests in flight across every route this layer wraps; beyond it, requests are
    /// shed at once with 503 `SERVICE_UNAVAILABLE` and `Retry-After`.
    pub fn concurrency_limit(mut self, max: usize) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        self.shared_mut().semaphore = Some(Arc::new(Semaphore::new(max)));
        self
    }

    /// The `Retry-After` sent with a shed request (default 1 s).
    pub fn overload_retry_after(mut self, wait: Duration) -> Self {
        self.shared_mut().overload_retry_after = wait;
        self
    }

    /// Where error records go (default: an in-memory [`MemoryErrorSink`]).
    pub fn error_sink(mut self, sink: Arc<dyn ErrorSink>) -> Self {
        self.shared_mut().sink = Some(sink);
        self
    }

    /// Keeps no error records (errors are still logged).
    pub fn without_error_sink(mut self) -> Self {
        self.shared_mut().sink = None;
        self
    }

    /// Whether error responses leaving the layer carry the error they were built from as an
    /// [`ErrorExtension`](crate::ErrorExtension), for layers *outside* the contract (metrics by
    /// error code, say). Default: off.
    ///
    /// Off by default because no client sees it and it costs every error response four allocations
    /// (the extension map, its table, the boxed value and the `Arc`) and a hash insert: a quarter of
    /// what the layer adds to a 404 (`benches/load.sh`). Layers *inside* the contract, and the
    /// contract's own log and records, see the error either way.
    pub fn error_extension(mut self, on: bool) -> Self {
        self.shared_mut().error_extension = on;
        self
    }

    /// Whether a 404 `NOT_FOUND` for a path that no route matched (the router's fallback) is
    /// recorded in the [`ErrorSink`]. Default: off; such 404s are still logged (at `INFO`).
    ///
    /// docs/CONTRACT.md §12 keeps records so that the principal who made a request can look its error up.
    /// Requests for unknown paths are mostly scanners and typos, usually without credentials (so no
    /// principal could ever look them up), and with a bounded sink any anonymous client sending
    /// them fast would evict the records of real failures. Turn this on to keep them anyway.
    pub fn record_unmatched(mut self, on: bool) -> Self {
        self.shared_mut().record_unmatched = on;
        self
    }

    /// At most `lines` error log lines a second for 4xx, and as many for 5xx (default 200); lines
    /// beyond are counted and the next line logged carries the count as `suppressed`. `None` logs
    /// every error. A flood of failing requests (bad credentials, a scanner, an outage) then costs
    /// a bounded amount of log, and of time writing it.
    pub fn log_budget(mut self, lines: Option<u32>) -> Self {
        self.shared_mut().log_budget = lines.map(LogBudget::new);
        self
    }

    /// Answers errors in RFC 6749 §5.2 form, for the routes of an OAuth2 token endpoint
    /// (docs/CONTRACT.md §7.4): `{"error": "invalid_client", "error_description": …}` with the
    /// contract's `code`, `request_id`, `timestamp` and `retryable` as extra members, RFC 6749's
    /// statuses (401 for `invalid_client`, 400 for the other client errors, 429/503 for
    /// `temporarily_unavailable`), `Cache-Control: no-store`, and a `Basic` challenge on a 401.
    /// 404 and 405 stay contract envelopes (the router answers them before the endpoint). Logs and
    /// records name the contract code as usual.
    ///
    /// Give the token endpoint's routes a clone of the contract with this on; the clone shares the
    /// original's concurrency limit and error sink.
    pub fn oauth2_token_endpoint(mut self, on: bool) -> Self {
        self.shared_mut().oauth2 = on;
        self
    }

    /// The languages error messages are written in (docs/CONTRACT.md §13), and the default one:
    /// [`Catalog::builtin`] unless set (English, Spanish, French, German; English by default).
    /// Extend it with the application's own codes and messages ([`Catalog::add_ftl`]).
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.shared_mut().languages = Some(Arc::new(Languages::new(catalog)));
        self
    }

    /// Sends every message as the code wrote it, without `Content-Language`, whatever the
    /// request's `Accept-Language`.
    pub fn without_localization(mut self) -> Self {
        self.shared_mut().languages = None;
        self
    }

    /// The error sink, to look records up (for example from an endpoint serving them to their principal).
    pub fn sink(&self) -> Option<Arc<dyn ErrorSink>> {
        self.shared.sink.clone()
    }

    /// The configured profile.
    pub fn configured_profile(&self) -> Profile {
        self.shared.profile
    }

    /// Wraps every route and the fallback of `router` (add routes first). Same as `router.layer(self)`.
    ///
    /// Each `Router::layer` call wraps every route in one more boxed axum `Route`, which axum clones
    /// (with everything under it) on every request; with other layers, compose them with
    /// `tower::ServiceBuilder` (the contract first, i.e. outermost) and call `Router::layer` once.
    pub fn apply<S>(self, router: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        router.layer(self)
    }
}

impl Default for Contract {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("profile", &self.shared.profile)
            .field("timeout", &self.shared.timeout)
            .field("body_limit", &self.body_limit)
            .field(
                "concurrency_limit",
                &self.shared.semaphore.as_ref().map(|_| "set"),
            )
            .field("error_sink", &self.shared.sink.is_some())
            .field("error_extension", &self.shared.error_extension)
            .field("record_unmatched", &self.shared.record_unmatched)
            .field(
                "catalog",
                &self.shared.languages.as_ref().map(|l| l.catalog()),
            )
            .finish()
    }
}

impl<S> Layer<S> for Contract {
    type Service = ContractService<InnerStack<S>>;

    fn layer(&self, inner: S) -> Self::Service {
        ContractService::new(inner, self.shared.clone())
    }
}
