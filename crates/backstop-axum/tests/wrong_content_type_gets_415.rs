//! Pins docs/CONTRACT.md §6: wrong content type gets 415.

mod common;

use axum::{Router, routing::post};
use backstop_axum::{Contract, Form, Json};
use serde::Deserialize;

#[derive(Deserialize)]
struct Payment {
    amount: u64,
}

#[tokio::test]
async fn wrong_content_type_gets_415() {
    let app = Contract::new().apply(
        Router::new()
            .route(
                "/json",
                post(|Json(p): Json<Payment>| async move { p.amount.to_string() }),
            )
            .route(
                "/form",
                post(|Form(p): Form<Payment>| async move { p.amount.to_string() }),
            ),
    );
    let addr = common::serve(app).await;
    let c = common::client();
    for (path, ct) in [
        ("json", Some("text/plain")),
        ("json", None),
        ("form", Some("application/json")),
    ] {
        let mut req = c
            .post(format!("http://{addr}/{path}"))
            .body("{\"amount\":1}");
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        common::envelope(req.send().await.unwrap(), 415, "UNSUPPORTED_MEDIA_TYPE").await;
    }
    let ok = c
        .post(format!("http://{addr}/form"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("amount=7")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.text().await.unwrap(), "7");
}
