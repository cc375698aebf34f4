//! The retryability rule (docs/CONTRACT.md §11.1): whether a failed response may be retried unchanged.
//!
//! One rule, in one place. The decoder ([`ApiError::is_retryable`](crate::ApiError::is_retryable) of a
//! decoded error), the client's retry loop and the server's `retryable` member all call it.

use http::{Method, StatusCode};

use crate::code::{Code, status_is_retryable};

/// Whether a failed response may be retried unchanged (docs/CONTRACT.md §11.1). The first step that
/// applies decides:
///
/// 1. **An explicit signal wins**: the body's own `retryable` member, or a provider's header such as
///    `Stripe-Should-Retry` (`explicit`). When two signals disagree, "do not retry" wins (the decoder
///    combines them before calling this).
/// 2. **`IDEMPOTENCY_KEY_IN_USE`** is retryable: the first request with that key is still running.
/// 3. **A known code sent with its own status** keeps the code's retryability: a catalog code
///    (`PROCESSING_FAILED` is a 500 that is not retryable), or an application's own
///    [`Code::custom`]. A code sent with another status (a 503 carrying `CONFLICT`) says nothing
///    about retrying, and the status decides.
/// 4. **Otherwise the status**: 408, 429, 500, 502, 503 and 504 are retryable; everything else is not.
///
/// `code` is the code's name as sent (the flat profile's `lower_snake` spelling is accepted); a name
/// that is not in the catalog counts as unknown.
///
/// Whether the client then retries also depends on the method, the `Idempotency-Key`, the attempts
/// left, the deadline, the retry budget and the circuit breaker (docs/CONTRACT.md §11.2–§11.5).
///
/// ```
/// use backstop::is_retryable;
/// use http::StatusCode;
/// assert!(is_retryable(StatusCode::SERVICE_UNAVAILABLE, None, None));
/// assert!(is_retryable(StatusCode::CONFLICT, Some("IDEMPOTENCY_KEY_IN_USE"), None));
/// assert!(!is_retryable(StatusCode::CONFLICT, Some("CONFLICT"), None));
/// assert!(is_retryable(StatusCode::SERVICE_UNAVAILABLE, Some("CONFLICT"), None));
/// assert!(!is_retryable(StatusCode::INTERNAL_SERVER_ERROR, Some("PROCESSING_FAILED"), None));
/// assert!(!is_retryable(StatusCode::SERVICE_UNAVAILABLE, None, Some(false)));
/// assert!(is_retryable(StatusCode::BAD_REQUEST, None, Some(true)));
/// ```
pub fn is_retryable(status: StatusCode, code: Option<&str>, explicit: Option<bool>) -> bool {
    rule(status, code.and_then(Code::catalog_entry), explicit)
}

/// [`is_retryable`] for a [`Code`] already in hand (the catalog's or an application's own).
pub(crate) fn rule(status: StatusCode, code: Option<&Code>, explicit: Option<bool>) -> bool {
    if let Some(explicit) = explicit {
        return explicit;
    }
    if let Some(code) = code {
        if code.name() == Code::IDEMPOTENCY_KEY_IN_USE.name() {
            return true;
        }
        if code.status() == status {
            return code.is_retryable();
        }
    }
    status_is_retryable(status)
}

/// Whether a method may be retried without an `Idempotency-Key`: GET, HEAD, OPTIONS, PUT, DELETE (and TRACE).
pub fn is_idempotent_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// Whether a method is safe (RFC 9110 §9.2.1: GET, HEAD, OPTIONS, TRACE), and so may be hedged: sent a
/// second time while the first is still running.
pub fn is_safe_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}
