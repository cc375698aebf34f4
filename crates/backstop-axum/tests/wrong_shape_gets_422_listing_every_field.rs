//! Pins docs/CONTRACT.md §5: wrong shape gets 422 listing every field.

mod common;

use axum::{Router, routing::post};
use backstop_axum::{Contract, Json, Valid};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, garde::Validate)]
struct Item {
    #[garde(length(min = 1))]
    sku: String,
    #[garde(range(min = 1))]
    amount: u32,
}

#[derive(Deserialize, garde::Validate)]
struct Order {
    #[garde(email)]
    email: String,
    #[garde(dive)]
    items: Vec<Item>,
    #[garde(skip)]
    note: Option<String>,
}

async fn create(Valid(Json(order)): Valid<Json<Order>>) -> String {
    format!("{} items, note {:?}", order.items.len(), order.note)
}

#[tokio::test]
async fn wrong_shape_gets_422_listing_every_field() {
    let app = Contract::new().apply(Router::new().route("/orders", post(create)));
    let addr = common::serve(app).await;
    let c = common::client();

    // Shape: every missing and mistyped field at once.
    let resp = c
        .post(format!("http://{addr}/orders"))
        .json(&json!({"items": [{"sku": "a", "amount": 1}, {"sku": 5}, {"amount": "x"}]}))
        .send()
        .await
        .unwrap();
    let (_, body) = common::envelope(resp, 422, "VALIDATION_ERROR").await;
    let details = body["error"]["details"].as_object().unwrap();
    let mut fields: Vec<&str> = details.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "email",
            "items[1].amount",
            "items[1].sku",
            "items[2].amount",
            "items[2].sku"
        ],
        "{body}"
    );
    assert!(details["email"][0].as_str().unwrap().contains("required"));

    // Rules (garde): every broken rule at once, same field map.
    let resp = c
        .post(format!("http://{addr}/orders"))
        .json(&json!({"email": "nope", "items": [{"sku": "", "amount": 0}]}))
        .send()
        .await
        .unwrap();
    let (_, body) = common::envelope(resp, 422, "VALIDATION_ERROR").await;
    let details = body["error"]["details"].as_object().unwrap();
    let mut fields: Vec<&str> = details.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(
        fields,
        ["email", "items[0].amount", "items[0].sku"],
        "{body}"
    );

    let ok = c
        .post(format!("http://{addr}/orders"))
        .json(&json!({"email": "a@example.com", "items": [{"sku": "a", "amount": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1 items, note None");
}
