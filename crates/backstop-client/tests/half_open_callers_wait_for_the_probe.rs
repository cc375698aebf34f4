//! While half-open, callers that find the probe slot taken wait (bounded) for the probe's outcome
//! instead of failing at once: a healthy upstream serves all of them, a failed probe fails them as
//! soon as it is known, and a hung probe fails them after `probe_wait`.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use backstop_client::{CircuitBreakerConfig, CircuitState, Client, TripPolicy};
use common::{Reply, serve_fn};

const OPEN: Duration = Duration::from_millis(300);

/// 0: failing fast, 1: healthy after 200 ms, 2: failing after 200 ms, 3: hanging 3 s.
async fn upstream(mode: Arc<AtomicU8>) -> common::Server {
    serve_fn(move |_, _| match mode.load(Ordering::SeqCst) {
        0 => Reply::status(503),
        1 => Reply::ok().delay(Duration::from_millis(200)),
        2 => Reply::status(503).delay(Duration::from_millis(200)),
        _ => Reply::ok().delay(Duration::from_secs(3)),
    })
    .await
}

fn client(probe_wait: Duration) -> Client {
    Client::builder()
        .max_attempts(1)
        .no_retry_budget()
        .circuit_breaker(CircuitBreakerConfig {
            trip: TripPolicy::ConsecutiveFailures(3),
            open_duration: OPEN,
            half_open_probes: 1,
            probe_wait: Some(probe_wait),
        })
        .build()
}

async fn open_it(client: &Client, server: &common::Server) {
    for _ in 0..3 {
        client.get(server.url("/")).send().await.unwrap_err();
    }
    assert_eq!(
        client.circuit_state(&server.authority()),
        CircuitState::Open
    );
    tokio::time::sleep(OPEN + Duration::from_millis(50)).await;
}

/// Starts 100 callers at once; returns (successes, circuit-open failures, slowest latency).
async fn hundred(client: &Client, server: &common::Server) -> (usize, usize, Duration) {
    let start = Instant::now();
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let (client, url) = (client.clone(), server.url("/"));
            tokio::spawn(async move {
                let r = client.get(url).send().await;
                (r, start.elapsed())
            })
        })
        .collect();
    let (mut ok, mut open, mut slowest) = (0, 0, Duration::ZERO);
    for c in callers {
        let (r, took) = c.await.unwrap();
        slowest = slowest.max(took);
        match r {
            Ok(_) => ok += 1,
            Err(e) if e.is_circuit_open() => open += 1,
            Err(_) => {}
        }
    }
    (ok, open, slowest)
}

#[tokio::test]
async fn a_healthy_probe_lets_every_waiting_caller_through() {
    let mode = Arc::new(AtomicU8::new(0));
    let server = upstream(mode.clone()).await;
    let client = client(Duration::from_secs(5));
    open_it(&client, &server).await;
    mode.store(1, Ordering::SeqCst);
    let (ok, open, _) = hundred(&client, &server).await;
    assert_eq!(
        (ok, open),
        (100, 0),
        "nobody fails while the upstream is healthy"
    );
    assert_eq!(server.hits(), 3 + 100);
    assert_eq!(
        client.circuit_state(&server.authority()),
        CircuitState::Closed
    );
}

#[tokio::test]
async fn a_failed_probe_fails_the_waiters_as_soon_as_it_is_known() {
    let mode = Arc::new(AtomicU8::new(0));
    let server = upstream(mode.clone()).await;
    let client = client(Duration::from_secs(5));
    open_it(&client, &server).await;
    mode.store(2, Ordering::SeqCst);
    let (ok, open, slowest) = hundred(&client, &server).await;
    assert_eq!((ok, open), (0, 99), "the probe's own 503 is the hundredth");
    assert_eq!(server.hits(), 3 + 1, "only the probe reached the server");
    assert!(
        slowest < Duration::from_secs(2),
        "woken by the outcome, not the 5 s bound: {slowest:?}"
    );
    assert_eq!(
        client.circuit_state(&server.authority()),
        CircuitState::Open
    );
}

#[tokio::test]
async fn waiting_is_bounded_by_probe_wait_and_the_deadline() {
    let mode = Arc::new(AtomicU8::new(0));
    let server = upstream(mode.clone()).await;
    let client = client(Duration::from_millis(400));
    open_it(&client, &server).await;
    mode.store(3, Ordering::SeqCst);
    let probe = {
        let (client, url) = (client.clone(), server.url("/"));
        tokio::spawn(async move { client.get(url).send().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = Instant::now();
    let e = client.get(server.url("/")).send().await.unwrap_err();
    assert!(e.is_circuit_open(), "{e:?}");
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_millis(1500),
        "waited {waited:?} for a 400 ms bound"
    );
    let t = Instant::now();
    let e = client
        .get(server.url("/"))
        .deadline(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_circuit_open(), "{e:?}");
    assert!(
        t.elapsed() < Duration::from_millis(350),
        "the deadline bounds the wait: {:?}",
        t.elapsed()
    );
    probe.await.unwrap().unwrap();
}
