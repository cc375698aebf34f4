//! docs/CONTRACT.md §5 on the reference API: a body's violations are listed all at once, missing
//! fields together with bad values and the unknown `customer_id` a lookup finds, in the order they
//! were found, with seed 000's messages (the README walkthrough's step 6, byte for byte in its
//! details); page parameters out of range get 400 `INVALID_PARAMETER`; a caller refused for its
//! scope is told so before anything about its body (docs/CONTRACT.md §6).

mod common;

use common::*;
use serde_json::{Value, json};

async fn post(url: &str, token: &str, body: &Value) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn details(text: &str) -> Value {
    let body: Value = serde_json::from_str(text).unwrap();
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR", "{text}");
    body["error"]["details"].clone()
}

#[tokio::test]
async fn validation_lists_every_field_with_seed_messages() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(config(&format!(
        "sqlite://{}",
        dir.path().join("v.db").display()
    )))
    .await;
    let p = partner(&srv.db, "Validation").await;
    let token = partner_token(&srv, &p).await;
    let biz = create_business(&srv, &token, "v-1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let btoken = business_token(&srv, &token, &biz).await;
    let base = srv.url(&format!("/v1/platform/businesses/{biz}"));

    // The README's step 6: four fields at once, in the order found (the lookup's last).
    let (status, text) = post(
        &format!("{base}/invoices/"),
        &btoken,
        &json!({"customer_id": "cus_nope", "currency": "JPY", "due_date": "2026-02-30", "line_items": []}),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert!(
        text.contains(
            r#""details":{"currency":["Invalid currency code. Must be one of: GBP, EUR, USD"],"due_date":["Enter a valid date in the format YYYY-MM-DD."],"line_items":["At least one line item is required."],"customer_id":["No customer with this id in this business."]}"#
        ),
        "{text}"
    );

    // Missing fields with bad values, per line too; a customer id breaking its own rule is not
    // looked up.
    let (status, text) = post(
        &format!("{base}/invoices/"),
        &btoken,
        &json!({"customer_id": " ", "external_id": "\t", "due_date": "2026-1-01",
            "line_items": [{"description": "x".repeat(501), "quantity": 0},
                           {"description": "ok", "quantity": 1_000_001, "unit_amount": 10_000_000_001_i64}]}),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        details(&text),
        json!({
            "customer_id": ["This field is required."],
            "external_id": ["May not be blank."],
            "currency": ["This field is required."],
            "due_date": ["Enter a valid date in the format YYYY-MM-DD."],
            "line_items[0].description": ["Ensure this field has no more than 500 characters."],
            "line_items[0].quantity": ["Must be at least 1."],
            "line_items[0].unit_amount": ["This field is required."],
            "line_items[1].quantity": ["Must be at most 1000000."],
            "line_items[1].unit_amount": ["Must be at most 10000000000."],
        }),
        "{text}"
    );

    // Businesses and customers: every field, blank counts as missing.
    let (status, text) = post(
        &srv.url("/v1/platform/businesses/"),
        &token,
        &json!({"legal_name": "  ", "email": "ana@x", "country": "gb"}),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        details(&text),
        json!({
            "external_id": ["This field is required."],
            "legal_name": ["This field is required."],
            "email": ["Enter a valid email address."],
            "country": ["Enter an ISO 3166-1 alpha-2 country code, such as GB."],
            "base_currency": ["This field is required."],
        }),
        "{text}"
    );
    let (status, text) = post(
        &format!("{base}/customers/"),
        &btoken,
        &json!({"name": "n".repeat(256)}),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        details(&text),
        json!({
            "name": ["Ensure this field has no more than 255 characters."],
            "email": ["This field is required."],
        }),
        "{text}"
    );

    // Stored values: text without its surrounding blanks.
    let (status, text) = post(
        &format!("{base}/customers/"),
        &btoken,
        &json!({"name": "  Ana  ", "email": "ana@example.com"}),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    let customer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(customer["name"], "Ana");

    // The scope is checked before the body: a partner token on a business endpoint gets 403.
    let (status, text) = post(&format!("{base}/customers/"), &token, &json!({})).await;
    assert_eq!(status, 403, "{text}");

    // Page parameters out of range: 400 INVALID_PARAMETER, each parameter named.
    let r = reqwest::Client::new()
        .get(format!("{base}/invoices/?page=0&page_size=500"))
        .bearer_auth(&btoken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "INVALID_PARAMETER", "{body}");
    assert_eq!(
        body["error"]["details"],
        json!({"page": ["Must be at least 1."], "page_size": ["Must be at most 100."]}),
        "{body}"
    );

    // An empty page parameter is not an integer: refused, not read as absent.
    let r = reqwest::Client::new()
        .get(format!("{base}/invoices/?page=&page_size=5"))
        .bearer_auth(&btoken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "INVALID_PARAMETER", "{body}");
    assert!(body["error"]["details"]["page"].is_array(), "{body}");
    srv.stop().await;
}
