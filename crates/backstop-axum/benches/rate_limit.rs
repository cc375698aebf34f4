//! Rate limiter cost per check.
//!
//! - In memory, 100k distinct keys: `MemoryRateLimitStore` (sync `check_now` and through the
//!   boxed-future `RateLimitStore` trait the layer uses) against `governor`'s keyed limiter used
//!   directly (the baseline; target: at most 1.5x its cost).
//! - Redis (feature `redis`, BACKSTOP_TEST_REDIS_URL set): checks per second from 64 concurrent
//!   tasks; compare with `redis-benchmark -t ping -q -c 64` on the same server.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backstop_axum::rate_limit::{LimitKey, MemoryRateLimitStore, Quota, RateLimitStore};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;

const KEYS: usize = 100_000;

fn memory(c: &mut Criterion) {
    let names: Vec<String> = (0..KEYS).map(|i| format!("acct_{i:08}")).collect();
    let keys: Vec<LimitKey> = names
        .iter()
        .map(|n| LimitKey::Principal(Arc::from(n.as_str())))
        .collect();
    let mut group = c.benchmark_group("memory_limiter_100k_keys");

    let governor =
        governor::RateLimiter::keyed(governor::Quota::per_minute(NonZeroU32::new(600).unwrap()));
    let mut i = 0usize;
    group.bench_function("governor_keyed_direct", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            black_box(governor.check_key(&names[i]).is_ok())
        })
    });

    let store = MemoryRateLimitStore::new();
    let quota = Quota::per_minute(600).unwrap();
    let mut i = 0usize;
    group.bench_function("backstop_check_now", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            black_box(store.check_now(&keys[i], quota).allowed)
        })
    });

    let store = MemoryRateLimitStore::new();
    let mut i = 0usize;
    // What the layer does: through `dyn RateLimitStore`, `check_ready` first.
    let store: Arc<dyn RateLimitStore> = Arc::new(store);
    group.bench_function("backstop_via_store_trait", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            let d = match store.check_ready(&keys[i], quota) {
                Some(ready) => Some(ready),
                None => store.check(&keys[i], quota).now_or_never(),
            };
            black_box(d.map(|d| d.map(|d| d.allowed).unwrap_or(false)))
        })
    });
    group.finish();
}

#[cfg(feature = "redis")]
fn redis(c: &mut Criterion) {
    use backstop_axum::rate_limit::RedisRateLimitStore;
    let Ok(url) = std::env::var("BACKSTOP_TEST_REDIS_URL") else {
        eprintln!("redis bench skipped: BACKSTOP_TEST_REDIS_URL is not set");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prefix = format!("backstop-bench:{}:", rand::random::<u64>());
    let store = Arc::new(rt.block_on(async { RedisRateLimitStore::new(&url, prefix).unwrap() }));
    let quota = Quota::per_minute(600).unwrap();
    let keys: Arc<Vec<LimitKey>> = Arc::new(
        (0..KEYS)
            .map(|i| LimitKey::Principal(Arc::from(format!("acct_{i:08}").as_str())))
            .collect(),
    );
    let mut group = c.benchmark_group("redis_limiter");
    group.throughput(criterion::Throughput::Elements(1));
    group.bench_function("check_64_tasks", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (store, keys) = (store.clone(), keys.clone());
            async move {
                let per_task = iters.div_ceil(64);
                let start = std::time::Instant::now();
                let tasks: Vec<_> = (0..64u64)
                    .map(|t| {
                        let (store, keys) = (store.clone(), keys.clone());
                        tokio::spawn(async move {
                            for n in 0..per_task {
                                let k = &keys[((t * per_task + n) as usize) % KEYS];
                                black_box(store.check(k, quota).await.unwrap());
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start
                    .elapsed()
                    .mul_f64(iters as f64 / (per_task * 64) as f64)
            }
        })
    });
    group.finish();
}

#[cfg(not(feature = "redis"))]
fn redis(_: &mut Criterion) {
    eprintln!("redis bench skipped: build with --features redis");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = memory, redis
}
criterion_main!(benches);
