//! Each error logged once, structured (docs/CONTRACT.md §12).

use std::fmt::Write as _;
use std::time::Instant;

use axum::http::{Method, StatusCode};
use backstop::ApiError;

/// The error's source chain, `outer: inner: ...`, for the log only.
fn source_chain(error: &ApiError) -> String {
    let mut out = String::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = error
        .source_error()
        .map(|e| e as &(dyn std::error::Error + 'static));
    let mut depth = 0;
    while let Some(e) = next {
        if depth > 0 {
            out.push_str(": ");
        }
        let _ = write!(out, "{e}");
        next = e.source();
        depth += 1;
        if depth >= 16 {
            break;
        }
    }
    out
}

/// What one error log line says beyond the request's facts: the request id, the code, and the
/// error itself when there is one (for the source chain of a 5xx).
pub(crate) struct Logged<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) code: &'a str,
    pub(crate) error: Option<&'a ApiError>,
}

impl<'a> From<&'a ApiError> for Logged<'a> {
    fn from(error: &'a ApiError) -> Self {
        Logged {
            request_id: error.request_id().unwrap_or_default(),
            code: error.code().name(),
            error: Some(error),
        }
    }
}

/// Logs one error: 5xx at error level with the source chain; 404 and 405 (scanner noise) at info;
/// other 4xx at warn.
pub(crate) fn log_error(
    logged: Logged<'_>,
    status: StatusCode,
    method: &Method,
    route: &str,
    principal: Option<&str>,
    start: Option<Instant>,
) {
    let Logged {
        request_id,
        code,
        error,
    } = logged;
    // Read the clock only when the event is recorded (the macros evaluate fields lazily).
    let latency_ms = || start.map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0);
    let principal = principal.unwrap_or("-");
    if status.is_server_error() {
        let source = error.map(source_chain).unwrap_or_default();
        tracing::error!(
            request_id,
            method = %method,
            route,
            status = status.as_u16(),
            code,
            latency_ms = latency_ms(),
            principal,
            source = source.as_str(),
            "request failed"
        );
    } else if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
        tracing::info!(
            request_id,
            method = %method,
            route,
            status = status.as_u16(),
            code,
            latency_ms = latency_ms(),
            principal,
            "request rejected"
        );
    } else {
        tracing::warn!(
            request_id,
            method = %method,
            route,
            status = status.as_u16(),
            code,
            latency_ms = latency_ms(),
            principal,
            "request rejected"
        );
    }
}
