//! [`IdempotencyLayer`]: claims, replays and conflicts for POST and PATCH with an `Idempotency-Key`.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code};
use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

use tower::{Layer, Service};

use super::claim::{CompletedByApplication, IdempotencyClaim};
use super::key::{InvalidKey, parse_idempotency_key};
use super::store::{Begin, ClaimToken, Fingerprint, IdempotencyStore, StoredKind, StoredResponse};
use super::stored_error;
use crate::auth::Principal;
use crate::caller::CallerIdentity;
use crate::{Error, ErrorExtension};

use backstop::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED as REPLAYED};

/// Headers of a first response that a replay repeats by default.
const DEFAULT_STORED_HEADERS: &[HeaderName] = &[
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CONTENT_LOCATION,
    header::CONTENT_LANGUAGE,
    header::CONTENT_ENCODING,
    header::CACHE_CONTROL,
    header::ETAG,
    header::LAST_MODIFIED,
    header::LINK,
    header::RETRY_AFTER,
];

/// Applies idempotency keys to POST and PATCH. See the [module docs](super).
#[derive(Clone)]
pub struct IdempotencyLayer {
    config: Arc<Config>,
}

#[derive(Clone)]
struct Config {
    store: Arc<dyn IdempotencyStore>,
    retention: Duration,
    lease: Duration,
    in_flight_retry_after: Duration,
    max_request_bytes: usize,
    max_response_bytes: usize,
    stored_headers: Vec<HeaderName>,
    caller: CallerIdentity,
    check_at_commit: bool,
}

impl fmt::Debug for IdempotencyLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("IdempotencyLayer")
            .field("retention", &c.retention)
            .field("lease", &c.lease)
            .field("max_request_bytes", &c.max_request_bytes)
            .field("max_response_bytes", &c.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl IdempotencyLayer {
    /// Keys kept in `store`: 24 h retention, 30 s lease, 1 s `Retry-After` on 409, 1 MiB caps on
    /// request and stored response bodies.
    pub fn new(store: impl IdempotencyStore) -> Self {
        Self::from_arc(Arc::new(store))
    }

    /// Like [`new`](Self::new) with a shared store.
    pub fn from_arc(store: Arc<dyn IdempotencyStore>) -> Self {
        IdempotencyLayer {
            config: Arc::new(Config {
                store,
                retention: Duration::from_secs(24 * 3600),
                lease: Duration::from_secs(30),
                in_flight_retry_after: Duration::from_secs(1),
                max_request_bytes: 1 << 20,
                max_response_bytes: 1 << 20,
                stored_headers: DEFAULT_STORED_HEADERS.to_vec(),
                caller: CallerIdentity::default(),
                check_at_commit: false,
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.config)
    }

    /// How long a final response is replayed.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.config_mut().retention = retention;
        self
    }

    /// How long a claim holds while its request runs. Make it longer than the handler timeout.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.config_mut().lease = lease;
        self
    }

    /// The `Retry-After` of a 409 `IDEMPOTENCY_KEY_IN_USE` (capped by the time left on the lease).
    pub fn in_flight_retry_after(mut self, wait: Duration) -> Self {
        self.config_mut().in_flight_retry_after = wait;
        self
    }

    /// The largest request body accepted on a keyed request (413 beyond).
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.config_mut().max_request_bytes = bytes;
        self
    }

    /// The largest response body stored (larger ones are sent but not stored).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config_mut().max_response_bytes = bytes;
        self
    }

    /// How anonymous callers are told apart: each gets its own key scope (default: the TCP peer,
    /// IPv6 by /64). Behind a proxy, give it the same value as the
    /// [`RateLimitLayer`](crate::RateLimitLayer), or every anonymous caller shares the proxy's scope.
    pub fn caller_identity(mut self, caller: CallerIdentity) -> Self {
        self.config_mut().caller = caller;
        self
    }

    /// Trusts `hops` proxies to set `Forwarded` / `X-Forwarded-For`; short for
    /// [`caller_identity`](Self::caller_identity) with [`CallerIdentity::trusted_hops`].
    pub fn trust_forwarded_hops(mut self, hops: usize) -> Self {
        let config = self.config_mut();
        config.caller = config.caller.trusted_hops(hops);
        self
    }

    /// Claims keys without looking them up first, when the store supports it
    /// ([`IdempotencyStore::claim_unchecked`]; other stores are unaffected): the check for a live
    /// record moves to the commit of the request's own write, and the request skips a store
    /// round trip. When that check fails (the handler answers 409 `IDEMPOTENCY_KEY_IN_USE`) or
    /// its outcome cannot be stored because a live record holds the key, the layer looks the key
    /// up then and answers as it would have before running it: the first answer replayed, 422 on
    /// another payload, 409 while the first runs.
    ///
    /// **Only for routes whose every side effect commits with the key's outcome** (see
    /// [`IdempotencyClaim`]): the handler of a re-sent request runs again before its replay is
    /// sent, and anything it does outside that transaction happens again. Off by default.
    pub fn check_at_commit(mut self, on: bool) -> Self {
        self.config_mut().check_at_commit = on;
        self
    }

    /// Also stores and replays this response header.
    pub fn store_header(mut self, name: HeaderName) -> Self {
        self.config_mut().stored_headers.push(name);
        self
    }
}

impl<S> Layer<S> for IdempotencyLayer {
    type Service = IdempotencyService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        IdempotencyService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service made by [`IdempotencyLayer`].
#[derive(Clone)]
pub struct IdempotencyService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: fmt::Debug> fmt::Debug for IdempotencyService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request> for IdempotencyService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let mut inner = crate::ready::take_ready(&mut self.inner);
        let config = self.config.clone();
        if !(req.method() == Method::POST || req.method() == Method::PATCH)
            || !req.headers().contains_key(IDEMPOTENCY_KEY)
        {
            return Box::pin(inner.call(req));
        }
        Box::pin(async move {
            match prepare(&config, req).await {
                Ok(Prepared::Run(req, guard)) => {
                    let response = inner.call(req).await?;
                    Ok(finish(&config, guard, response).await)
                }
                Ok(Prepared::Answer(response)) => Ok(response),
                Err(error) => Ok(Error(error).into_response()),
            }
        })
    }
}

enum Prepared {
    Run(Request, Box<ClaimGuard>),
    Answer(Response),
}

/// Parses the key, buffers the body, fingerprints and claims.
async fn prepare(config: &Config, req: Request) -> Result<Prepared, ApiError> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY).iter();
    let raw = values.next().map(HeaderValue::as_bytes).unwrap_or_default();
    let key = if values.next().is_some() {
        Err(InvalidKey::Malformed)
    } else {
        parse_idempotency_key(raw)
    }
    .map_err(|e| {
        ApiError::new(Code::INVALID_REQUEST)
            .with_message(e.to_string())
            .with_detail("header", "Idempotency-Key")
    })?;

    let scope = match req.extensions().get::<Principal>() {
        Some(p) => format!("p:{}", p.id()),
        None => match config.caller.address(req.headers(), req.extensions()) {
            Some(ip) => format!("ip:{ip}"),
            None => "anonymous".to_owned(),
        },
    };
    let (parts, body) = req.into_parts();
    let body = http_body_util::Limited::new(body, config.max_request_bytes)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::new(Code::PAYLOAD_TOO_LARGE)
                    .with_detail("max_bytes", config.max_request_bytes as u64)
            } else {
                ApiError::new(Code::INVALID_REQUEST)
                    .with_message("The request body could not be read")
            }
        })?
        .to_bytes();

    let fingerprint = Fingerprint::of(
        &parts.method,
        parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/"),
        &body,
    );
    let store_key = store_key(&scope, &key);
    let unchecked = config
        .check_at_commit
        .then(|| {
            config
                .store
                .claim_unchecked(&store_key, fingerprint, config.lease)
        })
        .flatten();
    let checked = unchecked.is_none();
    let begin = match unchecked {
        Some(begin) => begin,
        None => {
            config
                .store
                .begin(&store_key, fingerprint, config.lease)
                .await
        }
    }
    .map_err(|e| {
        tracing::debug!(error = %e, "idempotency store unavailable; refusing keyed request");
        ApiError::unavailable(Duration::from_secs(1)).with_source(e)
    })?;
    match begin {
        Begin::Claimed(token) => {
            let mut req = Request::from_parts(parts, Body::from(body));
            req.extensions_mut().insert(IdempotencyClaim::new(
                Arc::from(store_key.as_str()),
                token,
                fingerprint,
                config.retention,
            ));
            Ok(Prepared::Run(
                req,
                Box::new(ClaimGuard {
                    store: config.store.clone(),
                    key: store_key,
                    token: Some(token),
                    fingerprint,
                    checked,
                }),
            ))
        }
        Begin::InFlight { lease_left } => Err(in_flight(config, lease_left)),
        Begin::Mismatch => Err(ApiError::new(Code::IDEMPOTENCY_KEY_MISMATCH)),
        Begin::Completed(stored) => Ok(Prepared::Answer(replay(stored))),
    }
}

/// The 409 for a key whose first request still runs.
fn in_flight(config: &Config, lease_left: Duration) -> ApiError {
    let wait = config
        .in_flight_retry_after
        .min(lease_left)
        .max(Duration::from_secs(1));
    ApiError::new(Code::IDEMPOTENCY_KEY_IN_USE).with_retry_after(wait)
}

/// For a request claimed unchecked ([`IdempotencyLayer::check_at_commit`]) whose write or outcome
/// found its key taken: the answer the live record gives (a replay, 422 or 409), or `None` when
/// none holds the key any more (or the store cannot say): the request's own answer stands.
async fn answer_from_record(
    config: &Config,
    key: &str,
    fingerprint: Fingerprint,
) -> Option<Response> {
    match config.store.lookup(key, fingerprint).await {
        Ok(Some(Begin::Completed(stored))) => Some(replay(stored)),
        Ok(Some(Begin::Mismatch)) => {
            Some(Error(ApiError::new(Code::IDEMPOTENCY_KEY_MISMATCH)).into_response())
        }
        Ok(Some(Begin::InFlight { lease_left })) => {
            Some(Error(in_flight(config, lease_left)).into_response())
        }
        Ok(Some(Begin::Claimed(_)) | None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "idempotency key taken, but its record could not be read");
            None
        }
    }
}

/// The key a store sees for `key` sent in `scope`: hex SHA-256 of both, so neither leaks into the
/// store's key space. Scopes are `p:<principal id>`, `ip:<client ip>` or `anonymous`.
pub fn store_key(scope: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(scope.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    hex::encode(h.finalize())
}

/// The stored response again, with `Idempotent-Replayed: true`. A stored contract error goes back
/// to the contract as data, to be encoded like the first answer: the same code, message and
/// details; this request's id and timestamp (docs/CONTRACT.md §9.2).
fn replay(stored: StoredResponse) -> Response {
    let mut response = match stored.kind {
        StoredKind::Body => Response::new(Body::from(stored.body)),
        StoredKind::ContractError => match stored_error::from_bytes(&stored.body) {
            Some(error) => Error(error).into_response(),
            None => Error(ApiError::internal("unreadable stored idempotent error")).into_response(),
        },
    };
    *response.status_mut() = stored.status;
    let headers = response.headers_mut();
    for (name, value) in stored.headers {
        headers.append(name, value);
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// Stores a final response, or releases the claim for 5xx/429 and unstorable responses.
async fn finish(config: &Config, mut guard: Box<ClaimGuard>, response: Response) -> Response {
    if response
        .extensions()
        .get::<CompletedByApplication>()
        .is_some()
    {
        // Completed in the application's own transaction: nothing to store or release.
        if let Some(token) = guard.token.take() {
            guard.store.completed_by_application(&guard.key, token);
        }
        return response;
    }
    let status = response.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        guard.release().await;
        return response;
    }
    if let Some(ErrorExtension(error)) = response.extensions().get::<ErrorExtension>() {
        if error.code().name() == Code::IDEMPOTENCY_KEY_IN_USE.name() {
            // The handler found the key taken by another request that committed first (an
            // application completing claims in its own transaction): not this key's outcome.
            let (key, fingerprint, checked) = (guard.key.clone(), guard.fingerprint, guard.checked);
            guard.release().await;
            if !checked && let Some(answer) = answer_from_record(config, &key, fingerprint).await {
                return answer;
            }
            return response;
        }
        // Stored as data; the response goes on unread for the contract to encode.
        let stored = StoredResponse {
            status,
            headers: stored_headers(config, response.headers(), true),
            body: stored_error::to_bytes(error).into(),
            kind: StoredKind::ContractError,
        };
        return match guard.complete(config, &stored).await {
            Some(answer) => answer,
            None => response,
        };
    }
    let (parts, body) = response.into_parts();
    let mut body = body;
    let mut buf = BytesMut::new();
    loop {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    buf.extend_from_slice(&data);
                    if buf.len() > config.max_response_bytes {
                        tracing::warn!(
                            max_bytes = config.max_response_bytes,
                            "response too large to store for idempotency; key released"
                        );
                        guard.release().await;
                        let head =
                            futures_util::stream::once(std::future::ready(
                                Ok::<Bytes, axum::Error>(buf.freeze()),
                            ));
                        let rest = body.into_data_stream();
                        use futures_util::StreamExt;
                        return Response::from_parts(parts, Body::from_stream(head.chain(rest)));
                    }
                }
            }
            Some(Err(e)) => {
                guard.release().await;
                return Error(ApiError::internal(e)).into_response();
            }
        }
    }
    let body = buf.freeze();
    let stored = StoredResponse {
        status: parts.status,
        headers: stored_headers(config, &parts.headers, false),
        body: body.clone(),
        kind: StoredKind::Body,
    };
    match guard.complete(config, &stored).await {
        Some(answer) => answer,
        None => Response::from_parts(parts, Body::from(body)),
    }
}

/// The headers of `headers` worth replaying; for an error stored as data, not those describing
/// its body (the contract writes them again).
fn stored_headers(
    config: &Config,
    headers: &axum::http::HeaderMap,
    error: bool,
) -> Vec<(HeaderName, HeaderValue)> {
    config
        .stored_headers
        .iter()
        .filter(|name| {
            !(error
                && (*name == header::CONTENT_TYPE
                    || *name == header::CONTENT_ENCODING
                    || *name == header::CONTENT_LANGUAGE))
        })
        .flat_map(|name| {
            headers
                .get_all(name)
                .iter()
                .map(move |v| (name.clone(), v.clone()))
        })
        .collect()
}

/// Holds a claim; releases it if dropped before completion (request cancelled).
struct ClaimGuard {
    store: Arc<dyn IdempotencyStore>,
    key: String,
    token: Option<ClaimToken>,
    fingerprint: Fingerprint,
    /// Whether the store looked the key up before claiming it (see
    /// [`IdempotencyLayer::check_at_commit`]).
    checked: bool,
}

impl ClaimGuard {
    async fn release(mut self) {
        if let Some(token) = self.token.take()
            && let Err(e) = self.store.release(&self.key, token).await
        {
            tracing::warn!(error = %e, "could not release idempotency claim; it ends with its lease");
        }
    }

    /// Stores `stored` as the key's outcome. `Some(answer)` replaces the request's own answer:
    /// the live record's, when the key was claimed unchecked and a record holds it.
    async fn complete(mut self, config: &Config, stored: &StoredResponse) -> Option<Response> {
        let token = self.token.take()?;
        match self
            .store
            .complete(&self.key, token, stored, config.retention)
            .await
        {
            Ok(true) => None,
            Ok(false) if !self.checked => {
                answer_from_record(config, &self.key, self.fingerprint).await
            }
            Ok(false) => {
                tracing::warn!(
                    "idempotency claim expired before the response was stored; raise the lease above the handler timeout"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not store idempotent response; the claim ends with its lease");
                None
            }
        }
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        let store = self.store.clone();
        let key = std::mem::take(&mut self.key);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(e) = store.release(&key, token).await {
                    tracing::warn!(error = %e, "could not release cancelled idempotency claim; it ends with its lease");
                }
            });
        }
    }
}
