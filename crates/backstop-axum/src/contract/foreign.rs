//! The safety net's reading of an error response the contract did not build: a JSON error body in
//! a shape [`backstop::decode`] knows (any wire profile, RFC 9457, the major providers' shapes) keeps
//! its code, message and details instead of being replaced by the generic error for its status.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::http::response::Parts;
use axum::http::{HeaderMap, header};
use backstop::{ApiError, Code, Detected, is_screaming_snake};
use bytes::{Bytes, BytesMut};
use http_body::Body as _;

/// The largest foreign body read for decoding.
const MAX_FOREIGN_BODY: u64 = 64 * 1024;

/// The error `body` states, if it is a JSON error body that is already in memory (a handler's
/// `Json` answer, say) and in a known shape. A streaming body is not waited for: the safety net
/// then answers with the generic error for the status, as before.
///
/// A 4xx keeps its code, message and details. A 5xx keeps only a well-formed code: its message
/// and details could carry internals (an upstream's host, a driver's error), which the contract
/// never sends (docs/CONTRACT.md §2.1).
pub(super) fn decode_foreign(parts: &Parts, body: Body) -> Option<ApiError> {
    if !is_json(&parts.headers) {
        return None;
    }
    let bytes = ready_bytes(body)?;
    let (decoded, detected) = backstop::decode_detailed(parts.status, Some(&parts.headers), &bytes);
    if !matches!(detected, Detected::Profile(_) | Detected::Provider(_)) {
        return None;
    }
    if parts.status.is_server_error() {
        let name = decoded.code().name();
        let code = Code::from_catalog(name)
            .or_else(|| {
                is_screaming_snake(name)
                    .then(|| {
                        Code::custom(name.to_owned(), parts.status, decoded.code().is_retryable())
                            .ok()
                    })
                    .flatten()
            })
            .unwrap_or_else(|| Code::for_status(parts.status));
        let mut error = ApiError::new(code);
        if error.status() != parts.status {
            error = error.with_status(parts.status);
        }
        if let Some(wait) = decoded.retry_after() {
            error = error.with_retry_after(wait);
        }
        return Some(error);
    }
    Some(decoded)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let essence = v.split(';').next().unwrap_or("").trim();
            essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
        })
        .unwrap_or(false)
}

/// The whole body, if it is available without waiting and small enough.
fn ready_bytes(body: Body) -> Option<Bytes> {
    if body
        .size_hint()
        .upper()
        .is_none_or(|n| n > MAX_FOREIGN_BODY)
    {
        return None;
    }
    let mut body = std::pin::pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = BytesMut::new();
    // Bounded: a body within the size limit ends within this many frames, or is not read.
    for _ in 0..16 {
        match Pin::as_mut(&mut body).poll_frame(&mut cx) {
            Poll::Ready(None) => return Some(out.freeze()),
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                    if out.len() as u64 > MAX_FOREIGN_BODY {
                        return None;
                    }
                }
            }
            Poll::Ready(Some(Err(_))) | Poll::Pending => return None,
        }
    }
    None
}
