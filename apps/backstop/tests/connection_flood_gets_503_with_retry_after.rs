//! docs/CONTRACT.md §10.1, §10.3: beyond `--max-connections`, a new connection is answered at once
//! with 503 `SERVICE_UNAVAILABLE`, `Retry-After` and the envelope (never left to time out), and is
//! closed; once connections are free again, clients are served. Beyond `--max-in-flight`, requests
//! are shed the same way rather than queued.

mod common;

use std::time::{Duration, Instant};

use common::process::ServeProcess;
use serde_json::Value;
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_flood_gets_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let server = ServeProcess::start(&url, dir.path(), &["--max-connections", "50"]).await;
    let addr = format!("127.0.0.1:{}", server.port());
    // Wait for the readiness probe's connection to be gone.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut held = Vec::new();
    for _ in 0..50 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        let r = http
            .get(server.url("/healthz"))
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .expect("an answer, not a timeout");
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
        assert_eq!(body["error"]["retryable"], true);
        assert_eq!(body["error"]["request_id"], id.as_str());
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shed at once: {:?} for 20",
        started.elapsed()
    );

    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "served again once connections are free");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_in_flight_limit_are_shed_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let server = ServeProcess::start(
        &url,
        dir.path(),
        &["--max-in-flight", "4", "--chaos-latency-ms", "1500"],
    )
    .await;
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (http, url) = (http.clone(), server.url("/v1/platform/businesses/"));
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let r = http
                .get(url)
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.headers().contains_key("retry-after"),
                started.elapsed(),
            )
        }));
    }
    let mut shed = 0;
    for t in tasks {
        let (status, retry_after, took) = t.await.unwrap();
        if status == 503 {
            shed += 1;
            assert!(retry_after);
            assert!(
                took < Duration::from_millis(1000),
                "shed at once, took {took:?}"
            );
        }
    }
    assert!(shed >= 8, "at most 4 in flight: {shed} of 12 shed");
}
