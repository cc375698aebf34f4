//! `GET /metrics`: Prometheus text exposition of errors by code and route and a latency histogram.
//!
//! Hand-written on purpose: two metric families need about eighty lines of text formatting, while
//! the `prometheus` and `metrics-exporter-prometheus` crates bring a global registry (awkward with
//! several app instances in one test process) and a larger dependency tree.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backstop_axum::ErrorExtension;

use super::AppState;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    errors: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// The counters behind `/metrics`.
#[derive(Default)]
pub struct Metrics(Mutex<Inner>);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, seconds: f64, error: Option<(&str, u16)>) {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let h = inner
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        h.count += 1;
        h.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i] += 1;
            }
        }
        if let Some((code, status)) = error {
            *inner
                .errors
                .entry((code.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
    }

    /// The text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP backstop_errors_total Error responses by code, route and status.\n");
        out.push_str("# TYPE backstop_errors_total counter\n");
        for ((code, route, status), n) in &inner.errors {
            let _ = writeln!(
                out,
                "backstop_errors_total{{code=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(code),
                escape(route)
            );
        }
        out.push_str(
            "# HELP backstop_request_duration_seconds Request latency by method and route.\n",
        );
        out.push_str("# TYPE backstop_request_duration_seconds histogram\n");
        for ((method, route), h) in &inner.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "backstop_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "backstop_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "backstop_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "backstop_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: observes every response (outside the contract layer, so it sees the final code).
pub async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    // Unmatched paths share one label so that scanners cannot blow up the series count.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(req).await;
    let status = response.status();
    let error = response
        .extensions()
        .get::<ErrorExtension>()
        .map(|e| e.0.code().name().to_owned());
    let error = match (&error, status.is_client_error() || status.is_server_error()) {
        (Some(code), _) => Some((code.as_str(), status.as_u16())),
        (None, true) => Some(("UNKNOWN", status.as_u16())),
        (None, false) => None,
    };
    metrics.observe(&method, &route, start.elapsed().as_secs_f64(), error);
    response
}

/// `GET /metrics`.
pub async fn show(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
