//! During a total outage the client's retries stay under 20% of its requests (plus the floor's few),
//! while a quiet client still gets every retry it needs through a short blip.
mod common;

use std::time::Duration;

use backstop_client::{Client, Error};
use common::{Reply, fast_client, serve, serve_fn};

#[tokio::test]
async fn a_storm_stays_within_the_budget() {
    let server = serve(vec![Reply::status(503)]).await;
    let client = Client::builder().no_circuit_breaker().build();
    let requests = 400;

    // 400 requests/s for a second, each failing; real backoff (full jitter from 1 s).
    let mut tick = tokio::time::interval(Duration::from_micros(2500));
    let mut tasks = Vec::new();
    for _ in 0..requests {
        tick.tick().await;
        let (client, url) = (client.clone(), server.url("/"));
        tasks.push(tokio::spawn(async move { client.get(url).send().await }));
    }
    let mut exhausted = 0;
    for t in tasks {
        match t.await.unwrap().unwrap_err() {
            Error::BudgetExhausted { last, .. } => {
                assert_eq!(last.status().unwrap().as_u16(), 503);
                exhausted += 1;
            }
            Error::Api { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    let hits = server.hits();
    // Without a budget this would be 3 * 400 = 1200.
    assert!(
        hits <= requests * 6 / 5 + 10,
        "{hits} upstream attempts for {requests} requests"
    );
    assert!(hits > requests, "some retries still happen");
    assert!(
        exhausted > requests / 2,
        "most requests hit the spent budget: {exhausted}"
    );
}

#[tokio::test]
async fn a_quiet_client_gets_its_retries_through_a_blip() {
    // Every request fails twice, then succeeds: a blip, seen by a client making one call at a time.
    let server = serve_fn(|n, _| {
        if n % 3 < 2 {
            Reply::status(503)
        } else {
            Reply::ok()
        }
    })
    .await;
    let (waits, builder) = fast_client();
    let client = builder.build();
    for i in 0..8 {
        let r = client.get(server.url("/")).send().await;
        assert!(r.is_ok(), "call {i}: {:?}", r.err());
    }
    assert_eq!(server.hits(), 24);
    assert_eq!(
        waits.lock().unwrap().len(),
        16,
        "16 retries in a quiet window (the old floor allowed 3)"
    );
}

#[tokio::test]
async fn without_a_budget_every_request_uses_all_its_attempts() {
    let server = serve(vec![Reply::status(503)]).await;
    let (_, builder) = fast_client();
    let client = builder.no_retry_budget().build();

    for _ in 0..20 {
        assert_eq!(
            client
                .get(server.url("/"))
                .send()
                .await
                .unwrap_err()
                .attempts(),
            3
        );
    }
    assert_eq!(server.hits(), 60);
}
