//! docs/CONTRACT.md §5: the violations a handler finds itself (an unknown `customer_id`, found by a
//! lookup) join the `garde` rules' violations in the same 422; rules on query parameters answer 400
//! `INVALID_PARAMETER`, or `MISSING_PARAMETER` when every problem is a missing parameter.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::{Router, routing::get, routing::post};
use backstop_axum::extract::Validation;
use backstop_axum::{Contract, Error, Json, Query, Valid};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, garde::Validate)]
struct NewInvoice {
    #[garde(required, length(min = 1, max = 8))]
    customer_id: Option<String>,
    #[garde(required, inner(range(min = 1)))]
    quantity: Option<i64>,
}

/// Counts the handler's lookups.
type Lookups = Arc<AtomicUsize>;

async fn create(
    State(lookups): State<Lookups>,
    mut body: Validation<Json<NewInvoice>>,
) -> Result<String, Error> {
    if body.is_valid("customer_id")
        && let Some(id) = body.customer_id.as_deref()
    {
        lookups.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        if id != "cus_1" {
            body.add("customer_id", "No customer with this id.");
        }
    }
    let Json(invoice) = body.finish()?;
    Ok(format!(
        "{} x{}",
        invoice.customer_id.unwrap_or_default(),
        invoice.quantity.unwrap_or_default()
    ))
}

#[derive(Deserialize, garde::Validate)]
struct Page {
    #[garde(range(min = 1, max = 100))]
    size: u32,
    #[garde(required)]
    cursor: Option<String>,
}

async fn list(Valid(Query(page)): Valid<Query<Page>>) -> String {
    format!("{} {}", page.size, page.cursor.unwrap_or_default())
}

#[tokio::test]
async fn handler_violations_join_the_rules_in_one_error() {
    let lookups = Lookups::default();
    let app = Contract::new().apply(
        Router::new()
            .route("/invoices", post(create))
            .route("/page", get(list))
            .with_state(lookups.clone()),
    );
    let addr = common::serve(app).await;
    let c = common::client();
    let post =
        |body: serde_json::Value| c.post(format!("http://{addr}/invoices")).json(&body).send();

    // A rule broken and an unknown customer: one 422 with both, in the order found.
    let (_, body) = common::envelope(
        post(json!({"customer_id": "cus_9", "quantity": 0}))
            .await
            .unwrap(),
        422,
        "VALIDATION_ERROR",
    )
    .await;
    assert_eq!(
        body["error"]["details"],
        json!({"customer_id": ["No customer with this id."], "quantity": ["Must be at least 1."]}),
        "{body}"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 1);

    // A customer id that breaks its own rule is not looked up; a missing field is listed with it.
    let (_, body) = common::envelope(
        post(json!({"customer_id": "cus_123456789"})).await.unwrap(),
        422,
        "VALIDATION_ERROR",
    )
    .await;
    assert_eq!(
        body["error"]["details"],
        json!({"customer_id": ["Must have a length of at most 8."], "quantity": ["This field is required."]}),
        "{body}"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 1, "no lookup for a bad id");

    // A wrong shape rejects before the handler runs.
    let (_, body) = common::envelope(
        post(json!({"customer_id": 5, "quantity": 1}))
            .await
            .unwrap(),
        422,
        "VALIDATION_ERROR",
    )
    .await;
    assert!(body["error"]["details"]["customer_id"].is_array(), "{body}");
    assert_eq!(lookups.load(Ordering::SeqCst), 1);

    let ok = post(json!({"customer_id": "cus_1", "quantity": 2}))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "cus_1 x2");

    // Rules on query parameters: 400, not 422.
    let get = |q: &str| c.get(format!("http://{addr}/page?{q}")).send();
    let (_, body) = common::envelope(
        get("size=0&cursor=c").await.unwrap(),
        400,
        "INVALID_PARAMETER",
    )
    .await;
    assert_eq!(
        body["error"]["details"],
        json!({"size": ["Must be at least 1."]}),
        "{body}"
    );
    let (_, body) = common::envelope(get("size=5").await.unwrap(), 400, "MISSING_PARAMETER").await;
    assert_eq!(
        body["error"]["details"],
        json!({"cursor": ["This field is required."]}),
        "{body}"
    );
    let (_, body) =
        common::envelope(get("size=500").await.unwrap(), 400, "INVALID_PARAMETER").await;
    assert_eq!(
        body["error"]["details"],
        json!({"size": ["Must be at most 100."], "cursor": ["This field is required."]}),
        "{body}"
    );
    assert_eq!(
        get("size=5&cursor=c").await.unwrap().text().await.unwrap(),
        "5 c"
    );
}
