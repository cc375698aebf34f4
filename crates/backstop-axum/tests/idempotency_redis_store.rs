//! Idempotency on the Redis store (set BACKSTOP_TEST_REDIS_URL): exactly-once under 200
//! concurrent duplicates, replay, mismatch, 5xx release, cancellation release and lease expiry.
#![cfg(feature = "redis")]

#[path = "support/idempotency.rs"]
mod support;

use std::sync::Arc;

use backstop_axum::idempotency::RedisIdempotencyStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_behaves_as_contract_section_4_says() {
    let Ok(url) = std::env::var("BACKSTOP_TEST_REDIS_URL") else {
        eprintln!("skipped: BACKSTOP_TEST_REDIS_URL is not set");
        return;
    };
    let prefix = format!("backstop-test:{}:", rand::random::<u64>());
    let store = Arc::new(RedisIdempotencyStore::new(&url, prefix).unwrap());
    let s = store.clone();
    let insert: support::InsertClaim = Box::new(move |key, fp, lease| {
        let s = s.clone();
        Box::pin(async move {
            s.insert_claim(&key, fp, lease).await.unwrap();
        })
    });
    support::run_all(store, insert, "redis").await;
}
