//! Pins docs/CONTRACT.md §6: wrong method gets 405 with allow.

mod common;

use axum::{Router, routing::get};
use backstop_axum::Contract;

#[tokio::test]
async fn wrong_method_gets_405_with_allow() {
    let app = Contract::new()
        .apply(Router::new().route("/items", get(|| async { "list" }).post(|| async { "made" })));
    let addr = common::serve(app).await;
    let resp = common::client()
        .delete(format!("http://{addr}/items"))
        .send()
        .await
        .unwrap();
    let (headers, _) = common::envelope(resp, 405, "METHOD_NOT_ALLOWED").await;
    let allow = headers.get("allow").expect("Allow kept").to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}
