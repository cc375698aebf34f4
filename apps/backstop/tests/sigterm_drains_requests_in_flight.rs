//! docs/CONTRACT.md §10.3: SIGTERM (what Kubernetes, systemd and Docker send) stops the listener
//! and lets every request already in flight finish with its answer, then the process exits 0
//! within the shutdown timeout.

mod common;

use std::time::{Duration, Instant};

use common::process::ServeProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    // Every API request takes 800 ms, so some are surely in flight when the signal comes.
    let mut server = ServeProcess::start(
        &url,
        dir.path(),
        &["--chaos-latency-ms", "800", "--shutdown-timeout-secs", "10"],
    )
    .await;
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (http, url) = (http.clone(), server.url("/v1/platform/businesses/"));
        tasks.push(tokio::spawn(async move {
            http.get(url).timeout(Duration::from_secs(10)).send().await
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    server.sigterm();

    let mut answered = 0;
    for t in tasks {
        let r = t
            .await
            .unwrap()
            .expect("a request in flight is answered, not dropped");
        // No credentials: the contract's 401, after the injected latency.
        assert_eq!(r.status(), 401);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "AUTHENTICATION_REQUIRED");
        answered += 1;
    }
    assert_eq!(answered, 40);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .await
        .expect("the process exits within the shutdown timeout");
    assert!(status.success(), "exit status {status}");
    assert!(signalled.elapsed() < Duration::from_secs(5));
    // New connections are refused once it has stopped listening.
    assert!(http.get(server.url("/healthz")).send().await.is_err());
    assert!(server.log_text().contains("SIGTERM"));
}
