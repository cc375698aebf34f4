//! A 503 (or 429) with `Retry-After` is retried after exactly that wait, up to the cap.
mod common;

use std::time::{Duration, SystemTime};

use common::{Reply, fast_client, serve};

#[tokio::test]
async fn a_503_with_retry_after_2_waits_2_seconds_then_succeeds() {
    let server = serve(vec![
        Reply::status(503).header("retry-after", "2"),
        Reply::ok(),
    ])
    .await;
    let (waits, builder) = fast_client();
    let client = builder.build();

    let response = client.get(server.url("/things")).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(server.hits(), 2);
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(2)]);
}

#[tokio::test(start_paused = true)]
async fn with_the_real_sleep_the_retry_comes_after_the_retry_after_delay() {
    // The paused clock auto-advances only while the runtime is idle, so the 2 s wait costs no real time.
    let server = serve(vec![
        Reply::status(503).header("retry-after", "2"),
        Reply::ok(),
    ])
    .await;
    let client = backstop_client::Client::builder()
        .no_circuit_breaker()
        .build();
    let start = tokio::time::Instant::now();

    let response = client.get(server.url("/")).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(server.hits(), 2);
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn an_http_date_retry_after_is_honoured() {
    let at = httpdate(SystemTime::now() + Duration::from_secs(4));
    let server = serve(vec![
        Reply::status(429).header("retry-after", &at),
        Reply::ok(),
    ])
    .await;
    let (waits, builder) = fast_client();

    client_ok(builder.build(), &server.url("/")).await;

    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 1);
    assert!(
        waits[0] >= Duration::from_secs(2) && waits[0] <= Duration::from_secs(4),
        "{waits:?}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_not_waited_for() {
    let server = serve(vec![
        Reply::status(503).header("retry-after", "3600"),
        Reply::ok(),
    ])
    .await;
    let (waits, builder) = fast_client();
    let client = builder.retry_after_cap(Duration::from_secs(10)).build();

    let err = client.get(server.url("/")).send().await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        err.api_error().unwrap().retry_after(),
        Some(Duration::from_secs(3600))
    );
    assert_eq!(server.hits(), 1);
    assert!(waits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn without_retry_after_the_backoff_is_full_jitter_under_1s_then_2s() {
    let server = serve(vec![Reply::status(502)]).await;
    let (waits, builder) = fast_client();

    let err = builder
        .build()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.attempts(), 3, "default max attempts");
    assert_eq!(server.hits(), 3);
    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 2);
    assert!(
        waits[0] <= Duration::from_secs(1) && waits[1] <= Duration::from_secs(2),
        "{waits:?}"
    );
}

async fn client_ok(client: backstop_client::Client, url: &str) {
    assert_eq!(client.get(url).send().await.unwrap().status(), 200);
}

fn httpdate(t: SystemTime) -> String {
    httpdate::fmt_http_date(t)
}
