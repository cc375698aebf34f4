//! [`ContractService`]: request id, span, load shedding and timeout on the way in; the envelope,
//! logging and records on the way out.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use backstop::trace::{TraceId, TraceParent};
use backstop::{ApiError, BoxError, Code, Profile};
use pin_project_lite::pin_project;
use tokio::sync::OwnedSemaphorePermit;
use tower::Service;
use tracing::Span;

use super::Shared;
use super::finish::{Finish, error_response};
use super::panic::panic_response;
use crate::context::{ErrorProfile, RequestId};
use backstop::headers::X_REQUEST_ID;

/// The service the [`Contract`](super::Contract) layer wraps each route in.
///
/// The request id, panic catching, load shedding and timeout are hand-written here rather than tower-http's
/// `SetRequestId` (it keeps any incoming id unvalidated, and docs/CONTRACT.md §4 replaces invalid ones) and
/// tower's `ConcurrencyLimit`/`LoadShed`/`Timeout` (optional tower layers change the error and service
/// types through `Either`, and `LoadShed` needs a `poll_ready` dance; a `try_acquire` on a shared
/// semaphore and `tokio::time::timeout` give the same behaviour with fixed types and no boxing).
pub struct ContractService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: Clone> Clone for ContractService<S> {
    fn clone(&self) -> Self {
        ContractService {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<S> ContractService<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>) -> Self {
        ContractService { inner, shared }
    }
}

impl<S, B> Service<Request> for ContractService<S>
where
    S: Service<Request, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: axum::body::HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The inner stack (body limit, router) is always ready; an inner error here
        // would be answered as a 500 by `call`'s future, so readiness is reported as it is.
        match self.inner.poll_ready(cx) {
            Poll::Ready(_) => Poll::Ready(Ok(())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // With neither a tracing subscriber nor a `log` logger interested (tracing's `log` feature,
        // which axum enables, mirrors spans and events to `log` when no subscriber is set), the
        // span, its fields and the clock reading for the error log's latency are all skipped.
        let observed = tracing::level_enabled!(tracing::Level::ERROR)
            || log::max_level() != log::LevelFilter::Off;
        let start = observed.then(Instant::now);
        // The id travels inward in the request's own `X-Request-Id` header (where the `RequestId`
        // extractor and any client forwarding it upstream find it): a missing or invalid one is
        // replaced, a valid one is already there. (A request extension cost more: a boxed value per
        // request, and often a rehash of the map axum has already filled.)
        let id = match req.headers().get(X_REQUEST_ID).map(RequestId::accept) {
            Some(Some(id)) => id,
            _ => {
                let id = RequestId::fresh();
                req.headers_mut()
                    .insert(X_REQUEST_ID, id.header_value().clone());
                id
            }
        };
        // The caller's trace (W3C `traceparent`), logged and recorded next to the request id
        // (docs/CONTRACT.md §4). One header lookup; the id is copied inline, never allocated.
        let trace_id = req
            .headers()
            .get(backstop::headers::TRACEPARENT)
            .and_then(|v| TraceParent::parse_bytes(v.as_bytes()))
            .map(|tp| tp.trace_id);
        let method = req.method().clone();
        let route = req.extensions().get::<MatchedPath>().cloned();
        // With no matched route, the log and the record name the raw path; keep it only when an
        // error could be logged or recorded.
        let path = if route.is_none() && (observed || self.shared.sink.is_some()) {
            req.uri().path_and_query().cloned()
        } else {
            None
        };
        let span = if observed {
            tracing::info_span!(
                "request",
                request_id = id.as_str(),
                trace_id = trace_id.as_ref().map(TraceId::as_str),
                method = %method,
                route = route.as_ref().map(MatchedPath::as_str).unwrap_or_else(|| req.uri().path()),
                // OpenTelemetry's `error.type`: the contract code, recorded when the response is an error.
                "error.type" = tracing::field::Empty,
            )
        } else {
            Span::none()
        };
        if self.shared.profile != Profile::default() {
            // Absent means the default (`ErrorProfile::of`): one allocation saved per request.
            req.extensions_mut()
                .insert(ErrorProfile(self.shared.profile));
        }

        // The request's language preference, read only if the request fails (a refcounted
        // copy of the header, not a parse).
        let accept_language = match &self.shared.languages {
            Some(_) => req
                .headers()
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .cloned(),
            None => None,
        };

        let finish = Finish {
            id,
            trace_id,
            accept_language,
            method,
            route,
            path,
            start,
            shared: self.shared.clone(),
        };

        // The body limit: a larger announced length is refused at once; a body of unknown length
        // (chunked) is counted as it streams. A body with a length needs no counting: hyper never
        // reads past it. hyper's body reports its `Content-Length` as its exact size hint, which
        // spares a header lookup and a parse per request.
        let limit = self.shared.body_limit;
        match req.body().size_hint().exact() {
            Some(len) if len > limit as u64 => {
                return ResponseFuture::done(
                    error_response(ApiError::new(Code::PAYLOAD_TOO_LARGE)),
                    finish,
                    span,
                );
            }
            Some(_) => {}
            None if req.body().is_end_stream() => {}
            None => {
                req = req.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
            }
        }

        let permit = match &self.shared.semaphore {
            None => None,
            Some(semaphore) => match semaphore.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    let error = ApiError::unavailable(self.shared.overload_retry_after)
                        .with_message("The server is overloaded; retry later");
                    return ResponseFuture::done(error_response(error), finish, span);
                }
            },
        };

        if let Some(limit) = self.shared.extractor_limit {
            // Only when it differs from axum's own default (see `Shared::extractor_limit`).
            limit.apply(&mut req);
        }

        let called = {
            let _entered = span.enter();
            catch_unwind(AssertUnwindSafe(|| self.inner.call(req)))
        };
        let future = match called {
            Ok(future) => future,
            Err(panic) => {
                return ResponseFuture {
                    state: State::Done {
                        response: Some(panic_response(panic)),
                    },
                    finish: Some(finish),
                    span,
                    _permit: permit,
                };
            }
        };
        let state = match self.shared.timeout {
            Some(limit) => State::Timed {
                future: tokio::time::timeout(limit, future),
            },
            None => State::Plain { future },
        };
        ResponseFuture {
            state,
            finish: Some(finish),
            span,
            _permit: permit,
        }
    }
}

pin_project! {
    /// The response future of [`ContractService`].
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        finish: Option<Finish>,
        span: Span,
        _permit: Option<OwnedSemaphorePermit>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Plain { #[pin] future: F },
        Timed { #[pin] future: tokio::time::Timeout<F> },
        Done { response: Option<Response> },
    }
}

impl<F> ResponseFuture<F> {
    fn done(response: Response, finish: Finish, span: Span) -> Self {
        ResponseFuture {
            state: State::Done {
                response: Some(response),
            },
            finish: Some(finish),
            span,
            _permit: None,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
    B: axum::body::HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let response = match this.state.project() {
            StateProj::Plain { future } => match ready!(catch_poll(|| future.poll(cx))) {
                Ok(Ok(response)) => response.map(Body::new),
                Ok(Err(e)) => error_response(ApiError::internal(e.into())),
                Err(panic) => panic_response(panic),
            },
            StateProj::Timed { future } => match ready!(catch_poll(|| future.poll(cx))) {
                Ok(Ok(Ok(response))) => response.map(Body::new),
                Ok(Ok(Err(e))) => error_response(ApiError::internal(e.into())),
                Ok(Err(_elapsed)) => error_response(ApiError::new(Code::TIMEOUT)),
                Err(panic) => panic_response(panic),
            },
            StateProj::Done { response } => match response.take() {
                Some(response) => response,
                None => error_response(ApiError::new(Code::INTERNAL_ERROR)),
            },
        };
        let Some(finish) = this.finish.take() else {
            // Polled after completion: answer (an envelope without a request id) rather than panic.
            return Poll::Ready(Ok(
                crate::Error(ApiError::new(Code::INTERNAL_ERROR)).into_response()
            ));
        };
        Poll::Ready(Ok(finish.finish(response, this.span)))
    }
}

/// Polls, turning a panic into `Err(payload)`. Like tower-http's `CatchPanic`, without boxing the body.
fn catch_poll<T>(
    poll: impl FnOnce() -> Poll<T>,
) -> Poll<Result<T, Box<dyn std::any::Any + Send + 'static>>> {
    match catch_unwind(AssertUnwindSafe(poll)) {
        Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(panic) => Poll::Ready(Err(panic)),
    }
}
