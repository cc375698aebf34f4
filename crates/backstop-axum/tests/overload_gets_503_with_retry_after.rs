//! Pins docs/CONTRACT.md §10.1: overload gets 503 with retry after.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::{Router, routing::get};
use backstop_axum::Contract;
use tokio::sync::Notify;

#[tokio::test]
async fn overload_gets_503_with_retry_after() {
    let release = Arc::new(Notify::new());
    let entered = Arc::new(Notify::new());
    let (r, e) = (release.clone(), entered.clone());
    let app = Contract::new()
        .concurrency_limit(1)
        .overload_retry_after(Duration::from_secs(3))
        .apply(Router::new().route(
            "/work",
            get(move || {
                let (r, e) = (r.clone(), e.clone());
                async move {
                    e.notify_one();
                    r.notified().await;
                    "done"
                }
            }),
        ));
    let addr = common::serve(app).await;
    let c = common::client();
    let first = tokio::spawn({
        let c = c.clone();
        async move {
            c.get(format!("http://{addr}/work"))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    entered.notified().await;

    let resp = c.get(format!("http://{addr}/work")).send().await.unwrap();
    let (headers, body) = common::envelope(resp, 503, "SERVICE_UNAVAILABLE").await;
    assert_eq!(headers.get("retry-after").unwrap(), "3");
    assert_eq!(body["error"]["retryable"], true);

    release.notify_one();
    assert_eq!(first.await.unwrap(), 200);
}
