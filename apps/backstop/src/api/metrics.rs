//! `GET /metrics`: errors by code and route and a latency histogram, in the Prometheus text format
//! (0.0.4), on `prometheus-client` (the official Prometheus Rust client).
//!
//! Each app instance owns its [`Registry`]: several instances live in one test process, so there
//! is no global registry. A series is found by a label struct whose values are shared with the
//! request, never copied: the route is axum's [`MatchedPath`] (an `Arc<str>`), the code is the
//! response's own [`ErrorExtension`] (an `Arc<ApiError>`), the method a [`Method`] (standard
//! methods carry no allocation); so a request of a known series allocates nothing.

use std::fmt::Write as _;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use backstop::ApiError;
use backstop_axum::ErrorExtension;
use pin_project_lite::pin_project;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

use super::AppState;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The route label of requests no route matched, so that scanners cannot blow up the series count.
const UNMATCHED: &str = "unmatched";

/// The code label of an error response that carries no contract error.
const UNKNOWN: &str = "UNKNOWN";

/// The matched route, or [`UNMATCHED`].
#[derive(Clone, Debug)]
struct Route(Option<MatchedPath>);

impl Route {
    fn as_str(&self) -> &str {
        self.0.as_ref().map_or(UNMATCHED, MatchedPath::as_str)
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl Hash for Route {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> std::fmt::Result {
        encoder.write_str(self.as_str())
    }
}

/// The contract code of an error response (`UNKNOWN` when it carries none), held by the response's
/// own `Arc<ApiError>`: the first error of each series stays in memory as that series' key.
#[derive(Clone, Debug)]
struct ErrorCode(Option<Arc<ApiError>>);

impl ErrorCode {
    fn as_str(&self) -> &str {
        self.0.as_ref().map_or(UNKNOWN, |e| e.code().name())
    }
}

impl PartialEq for ErrorCode {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ErrorCode {}

impl Hash for ErrorCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for ErrorCode {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> std::fmt::Result {
        encoder.write_str(self.as_str())
    }
}

/// The request method; any method outside RFC 9110's and PATCH is `_OTHER` (as OpenTelemetry's
/// `http.request.method` does), so that clients cannot add series by inventing methods.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct MethodLabel(Option<Method>);

impl MethodLabel {
    fn of(method: &Method) -> Self {
        let known = [
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::CONNECT,
            Method::OPTIONS,
            Method::TRACE,
            Method::PATCH,
        ];
        MethodLabel(known.contains(method).then(|| method.clone()))
    }
}

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> std::fmt::Result {
        encoder.write_str(self.0.as_ref().map_or("_OTHER", Method::as_str))
    }
}

/// The labels of `backstop_errors_total`.
#[derive(Clone, Debug, EncodeLabelSet)]
struct ErrorLabels {
    code: ErrorCode,
    route: Route,
    status: u16,
    /// OpenTelemetry's `error.type` (Prometheus spells the dot `_`): the contract code again, next
    /// to `code`, so that dashboards built on either work.
    error_type: ErrorCode,
}

// `error_type` is always `code`: equality and hashing skip it (one string fewer to hash per error).
impl PartialEq for ErrorLabels {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status && self.code == other.code && self.route == other.route
    }
}

impl Eq for ErrorLabels {}

impl Hash for ErrorLabels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
        self.route.hash(state);
        self.status.hash(state);
    }
}

/// The labels of `backstop_request_duration_seconds`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct LatencyLabels {
    method: MethodLabel,
    route: Route,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The series behind `/metrics`, in this app instance's own registry.
pub struct Metrics {
    registry: Registry,
    errors: Family<ErrorLabels, Counter>,
    latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "backstop_errors",
            "Error responses by code, route and status",
            errors.clone(),
        );
        let latency = Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "backstop_request_duration_seconds",
            "Request latency by method and route",
            latency.clone(),
        );
        Metrics {
            registry,
            errors,
            latency,
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    fn observe(
        &self,
        method: MethodLabel,
        route: Route,
        seconds: f64,
        error: Option<(ErrorCode, u16)>,
    ) {
        if let Some((code, status)) = error {
            self.errors
                .get_or_create(&ErrorLabels {
                    error_type: code.clone(),
                    code,
                    route: route.clone(),
                    status,
                })
                .inc();
        }
        self.latency
            .get_or_create(&LatencyLabels { method, route })
            .observe(seconds);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
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
            method: MethodLabel::of(req.method()),
            route: Route(req.extensions().get::<MatchedPath>().cloned()),
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
    method: MethodLabel,
    route: Route,
    metrics: Arc<Metrics>,
}

impl Observed {
    fn record(self, response: &Response) {
        let status = response.status();
        let error = response.extensions().get::<ErrorExtension>();
        let error = match (error, status.is_client_error() || status.is_server_error()) {
            (Some(e), _) => Some((ErrorCode(Some(e.0.clone())), status.as_u16())),
            (None, true) => Some((ErrorCode(None), status.as_u16())),
            (None, false) => None,
        };
        self.metrics.observe(
            self.method,
            self.route,
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
pub async fn show(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, backstop_axum::Error> {
    let text = state.metrics.render().map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        text,
    ))
}
