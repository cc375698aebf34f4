//! Retry classification (docs/CONTRACT.md §11.1, §11.2): which failures a client may retry, and with which methods.

use http::{Method, StatusCode};

use crate::code::{Code, status_is_retryable};

/// Whether a failed response may be retried unchanged.
///
/// In order: the body's own `retryable` when present; `IDEMPOTENCY_KEY_IN_USE` (a 409 that is retryable);
/// a catalog code's retryability (`PROCESSING_FAILED` is a 500 that is not); otherwise the status
/// (408, 429, 500, 502, 503, 504).
///
/// ```
/// use backstop::is_retryable;
/// use http::StatusCode;
/// assert!(is_retryable(StatusCode::SERVICE_UNAVAILABLE, None, None));
/// assert!(is_retryable(StatusCode::CONFLICT, Some("IDEMPOTENCY_KEY_IN_USE"), None));
/// assert!(!is_retryable(StatusCode::CONFLICT, Some("CONFLICT"), None));
/// assert!(!is_retryable(StatusCode::INTERNAL_SERVER_ERROR, Some("PROCESSING_FAILED"), None));
/// assert!(!is_retryable(StatusCode::SERVICE_UNAVAILABLE, None, Some(false)));
/// ```
pub fn is_retryable(status: StatusCode, code: Option<&str>, body_retryable: Option<bool>) -> bool {
    if let Some(r) = body_retryable {
        return r;
    }
    if let Some(code) = code.and_then(Code::from_catalog)
        && (code.status() == status || code == Code::IDEMPOTENCY_KEY_IN_USE)
    {
        return code.is_retryable();
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
