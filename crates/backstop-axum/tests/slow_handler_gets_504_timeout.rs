//! Pins docs/CONTRACT.md §10.1: slow handler gets 504 timeout.

mod common;

use std::time::Duration;

use axum::{Router, routing::get};
use backstop_axum::Contract;

#[tokio::test]
async fn slow_handler_gets_504_timeout() {
    let app = Contract::new().timeout(Duration::from_millis(100)).apply(
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    "late"
                }),
            )
            .route("/fast", get(|| async { "ok" })),
    );
    let addr = common::serve(app).await;
    let c = common::client();
    let resp = c.get(format!("http://{addr}/slow")).send().await.unwrap();
    let (_, body) = common::envelope(resp, 504, "TIMEOUT").await;
    assert_eq!(body["error"]["retryable"], true);
    assert_eq!(
        c.get(format!("http://{addr}/fast"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
