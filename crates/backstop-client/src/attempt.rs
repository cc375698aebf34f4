//! One attempt (send, read and decode an error body, note the quota), and a hedged attempt: a
//! second copy sent after a latency threshold, the first final outcome winning and the other
//! cancelled.

use std::time::Duration;

use backstop::{ApiError, MAX_DECODE_BYTES};
use reqwest::{Request, StatusCode};

use crate::breaker::Permit;
use crate::budget::RetryToken;
use crate::pacing::Pacer;
use crate::transport::{SendError, Transport};

use backstop::headers::X_REQUEST_ID;

/// What one attempt came back with.
pub(crate) enum Outcome {
    Response(reqwest::Response),
    Api { error: ApiError, status: StatusCode },
    Transport(SendError),
}

impl Outcome {
    /// Whether another attempt could turn out differently.
    pub(crate) fn retryable(&self) -> bool {
        match self {
            Outcome::Response(_) => false,
            Outcome::Api { error, .. } => error.is_retryable(),
            Outcome::Transport(SendError::Reqwest(e)) => transport_retryable(e),
            #[cfg(feature = "middleware")]
            Outcome::Transport(SendError::Other(_)) => false,
        }
    }

    /// Whether the attempt counts as a failure of the host for its circuit breaker.
    pub(crate) fn host_failed(&self) -> bool {
        match self {
            Outcome::Response(_) => false,
            Outcome::Api { error, status } => host_failed(*status, error.is_retryable()),
            Outcome::Transport(SendError::Reqwest(_)) => true,
            #[cfg(feature = "middleware")]
            Outcome::Transport(SendError::Other(_)) => false,
        }
    }
}

/// A failed host, for the breaker: a retryable 5xx (429 and other 4xx are the caller's business).
pub(crate) fn host_failed(status: StatusCode, retryable: bool) -> bool {
    status.is_server_error() && retryable
}

/// Connection errors, timeouts and requests that failed to send may be retried.
pub(crate) fn transport_retryable(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request()
}

/// One attempt: `sent` is the transport's future for it (created by the caller, so that this future
/// holds that small future rather than the request). `pacing` notes the quota the response
/// announces; `span` (when enabled) gets the outcome recorded in it.
pub(crate) async fn attempt(
    sent: impl Future<Output = Result<reqwest::Response, SendError>>,
    pacing: Option<(&Pacer, &[u8])>,
    span: &tracing::Span,
) -> Outcome {
    let response = match sent.await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(error = ?e, "attempt failed: transport");
            return Outcome::Transport(e);
        }
    };
    if let Some((pacer, host)) = pacing {
        pacer.observe(host, response.headers());
    }
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        if !span.is_disabled() {
            span.record("status", status.as_u16());
            if let Some(id) = response
                .headers()
                .get(X_REQUEST_ID)
                .and_then(|v| v.to_str().ok())
            {
                span.record("request_id", id);
            }
            tracing::debug!(parent: span, "attempt succeeded");
        }
        return Outcome::Response(response);
    }
    // Boxed: reading and decoding an error body is the rare path, and inline it would take room
    // in every request's future.
    Box::pin(error_outcome(response, span)).await
}

/// Reads (at most [`MAX_DECODE_BYTES`] of) an error response's body and decodes it.
async fn error_outcome(mut response: reqwest::Response, span: &tracing::Span) -> Outcome {
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    // A body that breaks off mid-way is decoded as far as it came.
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = (MAX_DECODE_BYTES + 1).saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() > MAX_DECODE_BYTES {
            break;
        }
    }
    let error = backstop::decode(status, Some(&headers), &body);
    if !span.is_disabled() {
        span.record("status", status.as_u16());
        span.record("code", error.code().name());
        if let Some(id) = error.request_id() {
            span.record("request_id", id);
        }
    }
    tracing::debug!(
        parent: span,
        retryable = error.is_retryable(),
        "attempt failed: error status"
    );
    Outcome::Api { error, status }
}

/// A hedged attempt (docs/CONTRACT.md §11.8): when `request` has no outcome after `after`, `hedge`
/// may give a second copy (with its breaker permit and budget token; `None` when the budget or the
/// breaker refuses). The first *final* outcome (a response, or a failure a retry would not change)
/// wins and the other attempt is cancelled; when the first to end is a retryable failure, the other
/// one's outcome is taken. Returns the outcome, its permit, and how many attempts were sent.
pub(crate) async fn hedged<'a, 'b, T: Transport>(
    transport: &T,
    request: Request,
    permit: Option<Permit<'a>>,
    after: Duration,
    hedge: impl FnOnce() -> Option<(Request, Option<Permit<'a>>, Option<RetryToken<'b>>)>,
    pacing: Option<(&Pacer, &[u8])>,
    span: &tracing::Span,
) -> (Outcome, Option<Permit<'a>>, u32) {
    let primary = attempt(transport.send(request), pacing, span);
    tokio::pin!(primary);
    tokio::select! {
        biased;
        out = &mut primary => return (out, permit, 1),
        () = tokio::time::sleep(after) => {}
    }
    let Some((copy, copy_permit, _token)) = hedge() else {
        return (primary.await, permit, 1);
    };
    tracing::debug!(parent: span, ?after, "hedging: a second attempt");
    let second = attempt(transport.send(copy), pacing, span);
    tokio::pin!(second);
    tokio::select! {
        out = &mut primary => {
            if out.retryable() {
                if let Some(p) = permit {
                    p.record(out.host_failed());
                }
                (second.await, copy_permit, 2)
            } else {
                (out, permit, 2)
            }
        }
        out = &mut second => {
            if out.retryable() {
                if let Some(p) = copy_permit {
                    p.record(out.host_failed());
                }
                (primary.await, permit, 2)
            } else {
                (out, copy_permit, 2)
            }
        }
    }
}
