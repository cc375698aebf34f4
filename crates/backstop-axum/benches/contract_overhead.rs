//! In-process cost of the [`Contract`] layer: the same router bare and behind `Contract::new()`,
//! driven through `tower::ServiceExt::oneshot` (no sockets, no runtime: every future here is ready
//! at once), for a matched route (`GET /hello`, 200) and an unknown one (`GET /missing`: axum's
//! empty 404 against the contract's 404 envelope). Compare each `contract_*` with its `bare_*`
//! baseline from the same run; `benches/load.sh` measures the same over loopback HTTP.

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use backstop_axum::Contract;
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;
use tower::ServiceExt;

fn router() -> Router {
    Router::new().route("/hello", get(|| async { "Hello, world!" }))
}

fn request(path: &'static str) -> Request<Body> {
    Request::get(path)
        .header("host", "127.0.0.1")
        .body(Body::empty())
        .unwrap_or_default()
}

/// One request through `app`, answered synchronously; returns the status.
fn drive(app: &Router, path: &'static str) -> u16 {
    app.clone()
        .oneshot(request(path))
        .now_or_never()
        .map(|r| r.map(|r| r.status().as_u16()).unwrap_or(0))
        .unwrap_or(0)
}

fn overhead(c: &mut Criterion) {
    // `with_state` turns every handler into a route once, as `axum::serve` does; without it axum
    // would rebuild the layered route on every request.
    let bare = router().with_state::<()>(());
    let contract = Contract::new().apply(router()).with_state::<()>(());
    assert_eq!(drive(&bare, "/hello"), 200);
    assert_eq!(drive(&contract, "/hello"), 200);
    assert_eq!(drive(&bare, "/missing"), 404);
    // The steady state of a server that has answered errors for a while: the error sink's ring
    // (10 000 records by default) is full, so each new error replaces the oldest.
    for _ in 0..backstop_axum::MemoryErrorSink::DEFAULT_CAPACITY {
        assert_eq!(drive(&contract, "/missing"), 404);
    }

    let mut group = c.benchmark_group("contract_overhead");
    group.bench_function("bare_hello", |b| {
        b.iter(|| black_box(drive(&bare, "/hello")))
    });
    group.bench_function("contract_hello", |b| {
        b.iter(|| black_box(drive(&contract, "/hello")))
    });
    group.bench_function("bare_404", |b| {
        b.iter(|| black_box(drive(&bare, "/missing")))
    });
    group.bench_function("contract_404", |b| {
        b.iter(|| black_box(drive(&contract, "/missing")))
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
