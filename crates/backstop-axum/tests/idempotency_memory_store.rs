//! Idempotency on the in-memory store: exactly-once under 200 concurrent duplicates, replay,
//! mismatch, 5xx release, cancellation release and lease expiry.

#[path = "support/idempotency.rs"]
mod support;

use std::sync::Arc;

use backstop_axum::idempotency::MemoryIdempotencyStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_behaves_as_contract_section_4_says() {
    let store = Arc::new(MemoryIdempotencyStore::new());
    let s = store.clone();
    let insert: support::InsertClaim = Box::new(move |key, fp, lease| {
        s.insert_claim(&key, fp, lease);
        Box::pin(async {})
    });
    support::run_all(store, insert, "mem").await;
}
