//! What the response's headers add to a decoded body: the retry delay, the request id and a
//! provider's explicit retry signal.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use super::parts::decimal_duration;
use crate::error::ApiError;
use crate::request_id::is_valid_request_id;
use crate::retry_after::{MAX_RETRY_AFTER, parse_retry_after};

/// Headers carrying a retry delay in milliseconds (OpenAI, Azure OpenAI, Azure Cosmos DB), in order.
const RETRY_AFTER_MS: [&str; 2] = ["retry-after-ms", "x-ms-retry-after-ms"];

/// Headers carrying the request id when the body has none, in order: the contract's own, then
/// Stripe's, Azure's, AWS's and GitHub's.
const REQUEST_ID: [&str; 6] = [
    "x-request-id",
    "request-id",
    "x-ms-request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-github-request-id",
];

/// Headers in which a server says explicitly whether to retry (`true` or `false`): Stripe's, and the
/// one the OpenAI and Anthropic APIs send.
const SHOULD_RETRY: [&str; 2] = ["stripe-should-retry", "x-should-retry"];

/// Adds what the headers say and the body did not.
///
/// * **Retry delay**, first found wins: the body's own (Google's `RetryInfo`), then
///   `retry-after-ms` / `x-ms-retry-after-ms`, then `Retry-After` (seconds or HTTP-date); each at
///   most [`MAX_RETRY_AFTER`].
/// * **Explicit retry signal**: `Stripe-Should-Retry` or `X-Should-Retry` joins the body's
///   `retryable`; when they disagree, "do not retry" wins.
/// * **Language**: the first tag of `Content-Language`.
/// * **Request id**, when the body has none: the first valid one of `X-Request-Id`, `Request-Id`,
///   `x-ms-request-id`, `x-amzn-RequestId`, `x-amz-request-id`, `X-GitHub-Request-Id`.
pub(crate) fn apply(mut error: ApiError, headers: &HeaderMap) -> ApiError {
    // The message's language (docs/CONTRACT.md §13): the first tag of `Content-Language`.
    if let Some(tag) = headers
        .get(http::header::CONTENT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 35
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    {
        error = error.with_language(tag);
    }
    if error.retry_after().is_none()
        && let Some(d) = retry_delay(headers, SystemTime::now())
    {
        error = error.with_retry_after(d);
    }
    if let Some(signal) = should_retry(headers) {
        let combined = match error.explicit_retryable() {
            Some(body) => body && signal,
            None => signal,
        };
        error = error.with_retryable(combined);
    }
    if error.request_id().is_none()
        && let Some(id) = REQUEST_ID.iter().find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| is_valid_request_id(v))
        })
    {
        error.set_request_id(id);
    }
    error
}

/// The retry delay the headers give: `retry-after-ms` (or `x-ms-retry-after-ms`), else `Retry-After`.
fn retry_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    RETRY_AFTER_MS
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| decimal_duration(v, Duration::from_millis(1)))
        })
        .map(|d| d.min(MAX_RETRY_AFTER))
        .or_else(|| {
            headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now))
        })
}

/// `false` when any explicit retry header says so, else `true` when one does; other values are ignored.
fn should_retry(headers: &HeaderMap) -> Option<bool> {
    let mut signal = None;
    for name in SHOULD_RETRY {
        match headers.get(name).map(|v| v.as_bytes().trim_ascii()) {
            Some(v) if v.eq_ignore_ascii_case(b"false") => return Some(false),
            Some(v) if v.eq_ignore_ascii_case(b"true") => signal = Some(true),
            _ => {}
        }
    }
    signal
}
