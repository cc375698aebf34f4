//! Pins docs/CONTRACT.md §5: bad json gets 400 invalid format.

mod common;

use axum::{Router, routing::post};
use backstop_axum::{Contract, Json};
use serde::Deserialize;

#[derive(Deserialize)]
struct Payment {
    amount: u64,
}

#[tokio::test]
async fn bad_json_gets_400_invalid_format() {
    let app = Contract::new().apply(Router::new().route(
        "/payments",
        post(|Json(p): Json<Payment>| async move { p.amount.to_string() }),
    ));
    let addr = common::serve(app).await;
    let c = common::client();
    for body in ["{\"amount\": 12", "not json", ""] {
        let resp = c
            .post(format!("http://{addr}/payments"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        common::envelope(resp, 400, "INVALID_FORMAT").await;
    }
    let ok = c
        .post(format!("http://{addr}/payments"))
        .header("content-type", "application/json")
        .body("{\"amount\": 12}")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.text().await.unwrap(), "12");
}
