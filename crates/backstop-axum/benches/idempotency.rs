//! Added latency of the idempotency layer on a first POST (claim + store) and on a replay, with the
//! memory store and (feature `redis`, BACKSTOP_TEST_REDIS_URL set) the Redis store, against the same
//! route without the layer. In-process (`tower::ServiceExt::oneshot`), no TCP.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use backstop_axum::idempotency::{IdempotencyLayer, IdempotencyStore, MemoryIdempotencyStore};
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

fn route() -> Router {
    Router::new().route(
        "/items",
        post(|body: String| async move {
            (
                StatusCode::CREATED,
                axum::Json(serde_json::json!({"id": 1, "len": body.len()})),
            )
        }),
    )
}

fn request(key: Option<String>) -> Request<Body> {
    let mut b = Request::post("/items").header("content-type", "application/json");
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    b.body(Body::from("{\"amount\":100,\"currency\":\"GBP\"}"))
        .unwrap()
}

fn bench_store(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: Arc<dyn IdempotencyStore>,
) {
    let app = route().layer(IdempotencyLayer::from_arc(store).retention(Duration::from_secs(60)));
    let counter = AtomicU64::new(0);
    let run = rand::random::<u32>();
    let mut group = c.benchmark_group("idempotency");
    group.bench_function(format!("{name}_first_post"), |b| {
        b.to_async(rt).iter(|| {
            let key = format!("k-{run}-{}", counter.fetch_add(1, Ordering::Relaxed));
            let app = app.clone();
            async move {
                let r = app.oneshot(request(Some(key))).await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                black_box(r)
            }
        })
    });
    let key = format!("replay-{run}");
    rt.block_on(app.clone().oneshot(request(Some(key.clone()))))
        .unwrap();
    group.bench_function(format!("{name}_replay"), |b| {
        b.to_async(rt).iter(|| {
            let (app, key) = (app.clone(), key.clone());
            async move {
                let r = app.oneshot(request(Some(key))).await.unwrap();
                assert!(r.headers().contains_key("idempotent-replayed"));
                black_box(r)
            }
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plain = route();
    c.benchmark_group("idempotency")
        .bench_function("without_layer", |b| {
            b.to_async(&rt).iter(|| {
                let app = plain.clone();
                async move { black_box(app.oneshot(request(None)).await.unwrap()) }
            })
        });
    bench_store(c, &rt, "memory", Arc::new(MemoryIdempotencyStore::new()));
    #[cfg(feature = "redis")]
    match std::env::var("BACKSTOP_TEST_REDIS_URL") {
        Ok(url) => {
            let prefix = format!("backstop-bench:{}:", rand::random::<u64>());
            let store = rt.block_on(async {
                backstop_axum::idempotency::RedisIdempotencyStore::new(&url, prefix).unwrap()
            });
            bench_store(c, &rt, "redis", Arc::new(store));
        }
        Err(_) => eprintln!("redis bench skipped: BACKSTOP_TEST_REDIS_URL is not set"),
    }
}

criterion_group! {
    name = idempotency;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = benches
}
criterion_main!(idempotency);
