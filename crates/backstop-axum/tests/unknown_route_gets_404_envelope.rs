//! Pins docs/CONTRACT.md §6: unknown route gets 404 envelope.

mod common;

use axum::{Router, routing::get};
use backstop_axum::Contract;

#[tokio::test]
async fn unknown_route_gets_404_envelope() {
    let app = Contract::new().apply(Router::new().route("/hello", get(|| async { "hi" })));
    let addr = common::serve(app).await;
    let resp = common::client()
        .get(format!("http://{addr}/nope"))
        .send()
        .await
        .unwrap();
    let (_, body) = common::envelope(resp, 404, "NOT_FOUND").await;
    assert_eq!(body["error"]["retryable"], false);

    // The known route still answers, with a request id.
    let ok = common::client()
        .get(format!("http://{addr}/hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("x-request-id"));
    assert_eq!(ok.text().await.unwrap(), "hi");
}
