//! Each error logged once, structured (docs/CONTRACT.md §12).

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use axum::http::{Method, StatusCode};
use backstop::ApiError;

/// The error's source chain, `outer: inner: ...`, for the log only. Many errors print their source
/// in their own text as well as returning it (`StoreError`, sqlx's, reqwest's): a source whose text
/// the chain already ends with is not written again.
fn source_chain(error: &ApiError) -> String {
    let mut out = String::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = error
        .source_error()
        .map(|e| e as &(dyn std::error::Error + 'static));
    let mut depth = 0;
    let mut text = String::new();
    while let Some(e) = next {
        text.clear();
        let _ = write!(text, "{e}");
        if depth == 0 || !out.ends_with(text.as_str()) {
            if depth > 0 {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        next = e.source();
        depth += 1;
        if depth >= 16 {
            break;
        }
    }
    out
}

/// What one error log line says beyond the request's facts: the request id, the trace id of a
/// valid `traceparent`, the code, and the error itself when there is one (for the source chain of
/// a 5xx).
pub(crate) struct Logged<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) trace_id: Option<&'a str>,
    pub(crate) code: &'a str,
    pub(crate) error: Option<&'a ApiError>,
}

impl<'a> From<&'a ApiError> for Logged<'a> {
    fn from(error: &'a ApiError) -> Self {
        Logged {
            request_id: error.request_id().unwrap_or_default(),
            trace_id: None,
            code: error.code().name(),
            error: Some(error),
        }
    }
}

/// At most `per_second` error lines a second for each of 4xx and 5xx: a flood of failing requests
/// (bad credentials, a scanner, an outage) must not flood the log or stall the server writing it
/// (docs/CONTRACT.md §12). Lines beyond the budget are counted, and the next line logged says how
/// many were left out (`suppressed`).
#[derive(Debug)]
pub(crate) struct LogBudget {
    per_second: u32,
    client: Window,
    server: Window,
}

#[derive(Debug, Default)]
struct Window {
    second: AtomicU64,
    used: AtomicU32,
    suppressed: AtomicU64,
}

impl Window {
    /// `Some(lines left out since the last one logged)` if this line may be logged.
    fn admit(&self, now: u64, per_second: u32) -> Option<u64> {
        let second = self.second.load(Ordering::Relaxed);
        if second != now
            && self
                .second
                .compare_exchange(second, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.used.store(0, Ordering::Relaxed);
        }
        if self.used.fetch_add(1, Ordering::Relaxed) < per_second {
            Some(self.suppressed.swap(0, Ordering::Relaxed))
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

impl LogBudget {
    /// The default: 200 lines a second for 4xx, and as many for 5xx.
    pub(crate) const DEFAULT_PER_SECOND: u32 = 200;

    pub(crate) fn new(per_second: u32) -> Self {
        LogBudget {
            per_second,
            client: Window::default(),
            server: Window::default(),
        }
    }

    pub(crate) fn per_second(&self) -> u32 {
        self.per_second
    }

    fn admit(&self, status: StatusCode) -> Option<u64> {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        let now = EPOCH.get_or_init(Instant::now).elapsed().as_secs();
        let window = if status.is_server_error() {
            &self.server
        } else {
            &self.client
        };
        window.admit(now, self.per_second)
    }
}

/// Logs one error: 5xx at error level with the source chain; 404 and 405 (scanner noise) at info;
/// other 4xx at warn; within `budget` when there is one.
pub(crate) fn log_error(
    logged: Logged<'_>,
    status: StatusCode,
    method: &Method,
    route: &str,
    principal: Option<&str>,
    start: Option<Instant>,
    budget: Option<&LogBudget>,
) {
    let suppressed = match budget {
        None => 0,
        Some(budget) => match budget.admit(status) {
            Some(suppressed) => suppressed,
            None => return,
        },
    };
    let Logged {
        request_id,
        trace_id,
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
            trace_id,
            method = %method,
            route,
            status = status.as_u16(),
            code,
            latency_ms = latency_ms(),
            principal,
            source = source.as_str(),
            suppressed,
            "request failed"
        );
    } else if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
        tracing::info!(
            request_id,
            trace_id,
            method = %method,
            route,
            status = status.as_u16(),
            code,
            latency_ms = latency_ms(),
            principal,
            suppressed,
            "request rejected"
        );
    } else {
        tracing::warn!(
            request_id,
            trace_id,
            method = %method,
            route,
            status = status.as_u16(),
            code,
            latency_ms = latency_ms(),
            principal,
            suppressed,
            "request rejected"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Inner;
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("disk full")
        }
    }
    impl std::error::Error for Inner {}

    /// An error that prints its source in its own text (`repeats`) or not, and returns it too.
    #[derive(Debug)]
    struct Outer {
        repeats: bool,
        inner: Inner,
    }
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.repeats {
                true => write!(f, "store unavailable: {}", self.inner),
                false => f.write_str("store unavailable"),
            }
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.inner)
        }
    }

    #[test]
    fn the_source_chain_names_each_cause_once() {
        for repeats in [true, false] {
            let error =
                ApiError::unavailable(std::time::Duration::from_secs(1)).with_source(Outer {
                    repeats,
                    inner: Inner,
                });
            assert_eq!(source_chain(&error), "store unavailable: disk full");
        }
    }

    #[test]
    fn the_budget_admits_so_many_lines_a_second_and_counts_the_rest() {
        let window = Window::default();
        let admitted = (0..10).filter(|_| window.admit(7, 3).is_some()).count();
        assert_eq!(admitted, 3);
        // The next second: admitted again, and told how many were left out.
        assert_eq!(window.admit(8, 3), Some(7));
        assert_eq!(window.admit(8, 3), Some(0));
    }
}
