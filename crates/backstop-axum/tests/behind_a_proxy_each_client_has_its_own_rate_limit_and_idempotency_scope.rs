//! Behind a trusted proxy, one `CallerIdentity` tells anonymous clients apart for rate limiting and
//! idempotency alike: each client address has its own budget and its own key scope. With no trusted
//! hops a client's own `X-Forwarded-For` is ignored, so it cannot pick another identity.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use backstop_axum::caller::CallerIdentity;
use backstop_axum::idempotency::{IdempotencyLayer, MemoryIdempotencyStore};
use backstop_axum::rate_limit::{MemoryRateLimitStore, Policies, Quota, RateLimitLayer};

const QUOTA: usize = 3;

/// A POST that answers with how many times it ran, behind the rate limit and idempotency layers
/// sharing `caller`; the test client connects from 127.0.0.1, as the proxy would.
async fn serve(caller: CallerIdentity) -> String {
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = move || {
        let runs = runs.clone();
        async move { format!("run {}", runs.fetch_add(1, Ordering::SeqCst) + 1) }
    };
    let quota = Quota::new(QUOTA as u32, Duration::from_secs(60)).unwrap();
    let app = Router::new()
        .route("/orders", post(handler))
        .layer(IdempotencyLayer::new(MemoryIdempotencyStore::new()).caller_identity(caller))
        .layer(
            RateLimitLayer::new(MemoryRateLimitStore::new(), Policies::new(quota))
                .caller_identity(caller),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    format!("http://{addr}/orders")
}

/// Sends one POST as the client at `forwarded_for`, with `key` as its Idempotency-Key if any.
async fn send(url: &str, forwarded_for: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("x-forwarded-for", forwarded_for)
        .body("{}");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.unwrap()
}

/// How many of `n` requests from `forwarded_for` got through the rate limit.
async fn passed(url: &str, forwarded_for: &str, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        if send(url, forwarded_for, None).await.status() == StatusCode::OK {
            ok += 1;
        }
    }
    ok
}

#[tokio::test]
async fn behind_one_trusted_proxy_each_client_has_its_own_budget() {
    let url = serve(CallerIdentity::new().trusted_hops(1)).await;
    assert_eq!(passed(&url, "203.0.113.1", QUOTA + 2).await, QUOTA);
    // Another client behind the same proxy still has its whole budget.
    assert_eq!(passed(&url, "203.0.113.2", QUOTA + 2).await, QUOTA);
}

#[tokio::test]
async fn behind_one_trusted_proxy_one_key_from_two_clients_is_two_requests() {
    let url = serve(CallerIdentity::new().trusted_hops(1)).await;
    let first = send(&url, "203.0.113.1", Some("order-1")).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.text().await.unwrap(), "run 1");

    // The same key from another client runs again: it is not the first client's response.
    let other = send(&url, "203.0.113.2", Some("order-1")).await;
    assert_eq!(other.status(), StatusCode::OK);
    assert!(other.headers().get("idempotent-replayed").is_none());
    assert_eq!(other.text().await.unwrap(), "run 2");

    // The first client repeating its key gets its own response replayed.
    let again = send(&url, "203.0.113.1", Some("order-1")).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), "run 1");
}

#[tokio::test]
async fn with_no_trusted_hops_a_spoofed_forwarded_for_is_ignored() {
    let url = serve(CallerIdentity::new()).await;
    // Two made-up addresses from one peer share one budget...
    let ok = passed(&url, "198.51.100.1", 2).await + passed(&url, "198.51.100.2", QUOTA).await;
    assert_eq!(ok, QUOTA);

    // ...and one key scope (a fresh server, so the budget does not get in the way).
    let url = serve(CallerIdentity::new()).await;
    let first = send(&url, "198.51.100.1", Some("order-1")).await;
    assert_eq!(first.text().await.unwrap(), "run 1");
    let spoofed = send(&url, "198.51.100.2", Some("order-1")).await;
    assert_eq!(spoofed.headers()["idempotent-replayed"], "true");
    assert_eq!(spoofed.text().await.unwrap(), "run 1");
}
