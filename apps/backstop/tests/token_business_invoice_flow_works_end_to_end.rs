//! The happy path over TCP with backstop-client, on SQLite and (when configured) Postgres:
//! partner token -> business (created once, then found by external_id) -> business token ->
//! customer -> invoice with computed total -> reads and paginated lists.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn token_business_invoice_flow_works_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls(&dir).await {
        flow(&url).await;
    }
}

async fn flow(url: &str) {
    let srv = start(config(url)).await;
    let p = partner(&srv.db, "Acme").await;
    let token = partner_token(&srv, &p).await;

    let first = client()
        .post(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .json(&json!({"external_id": "acme-1", "legal_name": "Acme Ltd", "email": "a@acme.example", "country": "GB", "base_currency": "GBP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["_meta"]["created"], true);
    let biz = first["id"].as_str().unwrap().to_owned();
    assert!(biz.starts_with("biz_"));

    // Same external_id: the existing business, 200, created=false (no trailing slash this time).
    let again = client()
        .post(srv.url("/v1/platform/businesses"))
        .bearer_auth(&token)
        .json(&json!({"external_id": "acme-1", "legal_name": "Other", "email": "o@acme.example", "country": "FR", "base_currency": "EUR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], biz.as_str());
    assert_eq!(again["legal_name"], "Acme Ltd");
    assert_eq!(again["_meta"]["created"], false);

    let shown: Value = get_json(&srv.url(&format!("/v1/platform/businesses/{biz}/")), &token).await;
    assert_eq!(shown["external_id"], "acme-1");

    let btoken = business_token(&srv, &token, &biz).await;
    let customer = create_customer(&srv, &btoken, &biz).await;
    let cus = customer["id"].as_str().unwrap().to_owned();
    assert!(cus.starts_with("cus_"));

    let created = client()
        .post(srv.url(&format!("/v1/platform/businesses/{biz}/invoices/")))
        .bearer_auth(&btoken)
        .idempotency_key("flow-invoice-1")
        .json(&json!({
            "customer_id": cus, "currency": "GBP", "due_date": "2026-12-31", "external_id": "INV-1",
            "line_items": [
                {"description": "Design", "quantity": 3, "unit_amount": 12_500},
                {"description": "Hosting", "quantity": 1, "unit_amount": 999}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let invoice: Value = created.json().await.unwrap();
    let inv = invoice["id"].as_str().unwrap().to_owned();
    assert!(inv.starts_with("inv_"));
    assert_eq!(invoice["total"], 3 * 12_500 + 999);
    assert_eq!(invoice["line_items"][0]["amount"], 37_500);

    // The same Idempotency-Key and body replays the first response.
    let replay = client()
        .post(srv.url(&format!("/v1/platform/businesses/{biz}/invoices/")))
        .bearer_auth(&btoken)
        .idempotency_key("flow-invoice-1")
        .json(&json!({
            "customer_id": cus, "currency": "GBP", "due_date": "2026-12-31", "external_id": "INV-1",
            "line_items": [
                {"description": "Design", "quantity": 3, "unit_amount": 12_500},
                {"description": "Hosting", "quantity": 1, "unit_amount": 999}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(replayed["id"], inv.as_str());

    let read: Value = get_json(
        &srv.url(&format!("/v1/platform/businesses/{biz}/invoices/{inv}")),
        &btoken,
    )
    .await;
    assert_eq!(read, invoice);

    // Pagination: three more invoices, pages of two.
    for n in 2..=4 {
        client()
            .post(srv.url(&format!("/v1/platform/businesses/{biz}/invoices/")))
            .bearer_auth(&btoken)
            .json(&json!({"customer_id": cus, "currency": "EUR", "due_date": "2027-01-31",
                "line_items": [{"description": format!("Item {n}"), "quantity": n, "unit_amount": 100}]}))
            .send()
            .await
            .unwrap();
    }
    let page1: Value = get_json(
        &srv.url(&format!(
            "/v1/platform/businesses/{biz}/invoices/?page_size=2"
        )),
        &btoken,
    )
    .await;
    assert_eq!(page1["count"], 4);
    assert_eq!(page1["results"].as_array().unwrap().len(), 2);
    assert_eq!(page1["results"][0]["id"], inv.as_str());
    assert!(page1["previous"].is_null());
    let next = page1["next"].as_str().unwrap();
    let page2: Value = get_json(&srv.url(next), &btoken).await;
    assert_eq!(page2["results"].as_array().unwrap().len(), 2);
    assert!(page2["next"].is_null());
    assert!(page2["previous"].is_string());

    let customers: Value = get_json(
        &srv.url(&format!("/v1/platform/businesses/{biz}/customers/")),
        &btoken,
    )
    .await;
    assert_eq!(customers["count"], 1);
    let one: Value = get_json(
        &srv.url(&format!("/v1/platform/businesses/{biz}/customers/{cus}/")),
        &btoken,
    )
    .await;
    assert_eq!(one["email"], "ana@example.com");

    let businesses: Value = get_json(&srv.url("/v1/platform/businesses/"), &token).await;
    assert_eq!(businesses["count"], 1);

    // API keys work as bearer credentials for partner endpoints too.
    let via_key = client()
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&p.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(via_key.status(), 200);
    assert!(via_key.headers().contains_key("ratelimit"));
    srv.stop().await;
}
