//! The breaker (consecutive mode) opens after 5 failures, rejects without touching the server, admits
//! exactly the probe cap under 100 concurrent callers while half-open (when callers do not wait for
//! the probe), and closes on the probe's success.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstop_client::{CircuitBreakerConfig, CircuitState, Client, Error, TripPolicy};
use common::{Reply, recording_sleep, serve_fn};

const OPEN: Duration = Duration::from_millis(300);

#[tokio::test]
async fn opens_rejects_probes_once_and_closes() {
    let healthy = Arc::new(AtomicBool::new(false));
    let h = healthy.clone();
    let server = serve_fn(move |_, _| {
        if h.load(Ordering::SeqCst) {
            Reply::ok().delay(Duration::from_millis(300))
        } else {
            Reply::status(503)
        }
    })
    .await;
    let changes = Arc::new(Mutex::new(Vec::new()));
    let c = changes.clone();
    let (_, sleep) = recording_sleep();
    let client = Client::builder()
        .sleep_with(sleep)
        .max_attempts(1)
        .no_retry_budget()
        .circuit_breaker(CircuitBreakerConfig {
            trip: TripPolicy::ConsecutiveFailures(5),
            open_duration: OPEN,
            probe_wait: None,
            ..Default::default()
        })
        .on_circuit_change(move |host, from, to| {
            c.lock().unwrap().push((host.to_owned(), from, to))
        })
        .build();
    let host = server.authority();

    for _ in 0..5 {
        assert_eq!(client.circuit_state(&host), CircuitState::Closed);
        client.get(server.url("/")).send().await.unwrap_err();
    }
    assert_eq!(client.circuit_state(&host), CircuitState::Open);
    assert_eq!(
        client.circuit_states(),
        vec![(host.clone(), CircuitState::Open)]
    );

    let err = client.get(server.url("/")).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::CircuitOpen { host: h, attempts: 0, .. } if *h == host),
        "{err:?}"
    );
    assert!(err.is_circuit_open());
    assert_eq!(server.hits(), 5, "rejected locally");

    tokio::time::sleep(OPEN + Duration::from_millis(50)).await;
    healthy.store(true, Ordering::SeqCst);
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            let url = server.url("/");
            tokio::spawn(async move { client.get(url).send().await })
        })
        .collect();
    let mut ok = 0;
    let mut rejected = 0;
    for c in callers {
        match c.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) if e.is_circuit_open() => rejected += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, rejected), (1, 99), "exactly one probe while half-open");
    assert_eq!(server.hits(), 6);
    assert_eq!(client.circuit_state(&host), CircuitState::Closed);

    client.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.hits(), 7);
    let changes: Vec<_> = changes.lock().unwrap().iter().map(|c| (c.1, c.2)).collect();
    assert_eq!(
        changes,
        [
            (CircuitState::Closed, CircuitState::Open),
            (CircuitState::Open, CircuitState::HalfOpen),
            (CircuitState::HalfOpen, CircuitState::Closed),
        ]
    );
}

#[tokio::test]
async fn a_failed_probe_reopens_the_circuit() {
    let server = serve_fn(|_, _| Reply::status(500)).await;
    let client = Client::builder()
        .max_attempts(1)
        .circuit_breaker(CircuitBreakerConfig {
            trip: TripPolicy::ConsecutiveFailures(5),
            open_duration: OPEN,
            ..Default::default()
        })
        .build();
    for _ in 0..5 {
        client.get(server.url("/")).send().await.unwrap_err();
    }
    assert_eq!(
        client.circuit_state(&server.authority()),
        CircuitState::Open
    );
    tokio::time::sleep(OPEN + Duration::from_millis(50)).await;

    let probe = client.get(server.url("/")).send().await.unwrap_err();
    assert_eq!(probe.status().unwrap().as_u16(), 500);
    assert_eq!(server.hits(), 6);
    let after = client.get(server.url("/")).send().await.unwrap_err();
    assert!(after.is_circuit_open());
    assert_eq!(server.hits(), 6);
}

#[tokio::test]
async fn client_errors_do_not_open_the_circuit() {
    let server = serve_fn(|_, _| Reply::status(404)).await;
    let client = Client::builder().max_attempts(1).build();
    for _ in 0..10 {
        client.get(server.url("/")).send().await.unwrap_err();
    }
    assert_eq!(
        client.circuit_state(&server.authority()),
        CircuitState::Closed
    );
    assert_eq!(server.hits(), 10);
}
