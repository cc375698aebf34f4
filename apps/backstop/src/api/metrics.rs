//! `GET /metrics`: Prometheus text exposition of errors by code and route and a latency histogram.
//!
//! Hand-written on purpose: two metric families need about eighty lines of text formatting, while
//! the `prometheus` and `metrics-exporter-prometheus` crates bring a global registry (awkward with
//! several app instances in one test process) and a larger dependency tree.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use backstop_axum::ErrorExtension;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::AppState;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The label of requests no route matched, so that scanners cannot blow up the series count.
const UNMATCHED: &str = "unmatched";

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Nested maps rather than tuple keys, so that a series seen before is found by `&str` without
/// allocating (this runs on every request).
#[derive(Default)]
struct Inner {
    /// code -> route -> status -> count
    errors: BTreeMap<String, BTreeMap<String, BTreeMap<u16, u64>>>,
    /// method -> route -> histogram
    latency: BTreeMap<String, BTreeMap<String, Histogram>>,
}

/// `map[key]`, inserting the default under an owned copy of `key` only the first time.
fn entry<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("just inserted")
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
        let h = entry(entry(&mut inner.latency, method), route);
        h.count += 1;
        h.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i] += 1;
            }
        }
        if let Some((code, status)) = error {
            *entry(entry(&mut inner.errors, code), route)
                .entry(status)
                .or_default() += 1;
        }
    }

    /// The text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP backstop_errors_total Error responses by code, route and status.\n");
        out.push_str("# TYPE backstop_errors_total counter\n");
        for (code, routes) in &inner.errors {
            for (route, statuses) in routes {
                for (status, n) in statuses {
                    let _ = writeln!(
                        out,
                        "backstop_errors_total{{code=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                        escape(code),
                        escape(route)
                    );
                }
            }
        }
        out.push_str(
            "# HELP backstop_request_duration_seconds Request latency by method and route.\n",
        );
        out.push_str("# TYPE backstop_request_duration_seconds histogram\n");
        for (method, routes) in &inner.latency {
            for (route, h) in routes {
                let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
                // `observe` counts each request in every bucket it fits: already cumulative.
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
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Observes every response; installed outside the contract layer, so it sees the final code.
///
/// A tower layer with its own future rather than `axum::middleware::from_fn`, which boxes a future
/// and clones the inner service on every request.
#[derive(Clone, Debug)]
pub struct MetricsLayer(pub Arc<Metrics>);

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// The service made by [`MetricsLayer`].
#[derive(Clone, Debug)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for MetricsService<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = MetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let observed = Observed {
            start: Instant::now(),
            method: req.method().clone(),
            route: req.extensions().get::<MatchedPath>().cloned(),
            metrics: self.metrics.clone(),
        };
        MetricsFuture {
            inner: self.inner.call(req),
            observed: Some(observed),
        }
    }
}

struct Observed {
    start: Instant,
    method: Method,
    route: Option<MatchedPath>,
    metrics: Arc<Metrics>,
}

impl Observed {
    fn record(self, response: &Response) {
        let status = response.status();
        let code = response
            .extensions()
            .get::<ErrorExtension>()
            .map(|e| e.0.code().name());
        let error = match (code, status.is_client_error() || status.is_server_error()) {
            (Some(code), _) => Some((code, status.as_u16())),
            (None, true) => Some(("UNKNOWN", status.as_u16())),
            (None, false) => None,
        };
        let route = self.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
        self.metrics.observe(
            self.method.as_str(),
            route,
            self.start.elapsed().as_secs_f64(),
            error,
        );
    }
}

pin_project! {
    /// The response future of [`MetricsService`].
    pub struct MetricsFuture<F> {
        #[pin]
        inner: F,
        observed: Option<Observed>,
    }
}

impl<F, E> Future for MetricsFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let (Ok(response), Some(observed)) = (&result, this.observed.take()) {
            observed.record(response);
        }
        Poll::Ready(result)
    }
}

/// `GET /metrics`.
pub async fn show(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
