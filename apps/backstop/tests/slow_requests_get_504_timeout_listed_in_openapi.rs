//! A request slower than `--request-timeout-secs` gets 504 `TIMEOUT`, an envelope the OpenAPI
//! document lists (chaos latency stands in for a slow database).

mod common;

use std::time::Duration;

use backstop_app::ChaosConfig;

#[tokio::test]
async fn a_slow_request_gets_504_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(&format!("sqlite://{}", dir.path().join("t.db").display()));
    config.request_timeout = Duration::from_millis(150);
    config.chaos = Some(ChaosConfig {
        error_rate: 0.0,
        status: 503,
        latency_ms: 1000..=1000,
    });
    let srv = common::start(config).await;
    let partner = common::partner(&srv.db, "Slow").await;
    // An API key as the bearer credential: the token endpoint is slowed down too.
    let token = partner.api_key.clone();

    let started = std::time::Instant::now();
    let result = common::client()
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .send()
        .await;
    let error = common::expect_error(
        &srv,
        "get",
        "/v1/platform/businesses/",
        result,
        504,
        "TIMEOUT",
    );
    assert!(error.is_retryable());
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "answered at the timeout, not after the handler"
    );
    srv.stop().await;
}
