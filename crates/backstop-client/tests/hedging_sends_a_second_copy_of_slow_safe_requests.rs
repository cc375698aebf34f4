//! Hedging (docs/CONTRACT.md §11.8): off by default; when on, a safe request with no outcome after
//! the threshold gets a second copy, drawn from the retry budget; the first final outcome wins and the
//! slow one is cancelled. Unsafe methods are never hedged.
mod common;

use std::time::{Duration, Instant};

use backstop_client::{Client, RetryBudgetConfig};
use common::{Reply, serve_fn};

const SLOW: Duration = Duration::from_secs(2);

/// The first request is slow; every later one answers at once.
async fn first_is_slow() -> common::Server {
    serve_fn(|n, _| {
        if n == 0 {
            Reply::ok().body("slow").delay(SLOW)
        } else {
            Reply::ok().body("fast")
        }
    })
    .await
}

#[tokio::test]
async fn the_hedge_wins_and_the_slow_attempt_is_not_waited_for() {
    let server = first_is_slow().await;
    let client = Client::builder()
        .hedge_after(Duration::from_millis(100))
        .build();
    let start = Instant::now();
    let r = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "fast");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn off_by_default() {
    let server = first_is_slow().await;
    let start = Instant::now();
    let r = Client::new().get(server.url("/")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "slow");
    assert!(start.elapsed() >= SLOW);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_spent_budget_means_no_hedge() {
    let server = first_is_slow().await;
    let client = Client::builder()
        .hedge_after(Duration::from_millis(100))
        .retry_budget(RetryBudgetConfig {
            ratio: 0.0,
            min_concurrent: 0,
            ..RetryBudgetConfig::default()
        })
        .build();
    let r = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "slow");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn unsafe_methods_are_not_hedged() {
    let server = first_is_slow().await;
    let client = Client::builder()
        .hedge_after(Duration::from_millis(100))
        .build();
    let r = client
        .post(server.url("/"))
        .idempotency_key("k-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "slow");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_fast_failure_of_the_hedge_waits_for_the_primary() {
    // The primary is slow but succeeds; the hedge fails at once with a retryable 503.
    let server = serve_fn(|n, _| match n {
        0 => Reply::ok().body("slow").delay(Duration::from_millis(400)),
        _ => Reply::status(503),
    })
    .await;
    let client = Client::builder()
        .hedge_after(Duration::from_millis(100))
        .build();
    let r = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "slow");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn both_failing_count_as_two_attempts() {
    let server = serve_fn(|n, _| match n {
        0 => Reply::status(404).delay(Duration::from_millis(400)),
        _ => Reply::status(404),
    })
    .await;
    let client = Client::builder()
        .hedge_after(Duration::from_millis(100))
        .build();
    let e = client.get(server.url("/")).send().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.attempts(), 2, "the hedge's final 404 won; both were sent");
}
