//! docs/CONTRACT.md §9.3 idempotency: a repeat of a create while the first is still in flight gets 409
//! `IDEMPOTENCY_KEY_IN_USE`, retryable with `Retry-After` (listed in the OpenAPI document); once the
//! first has finished, repeats replay its response with `Idempotent-Replayed: true`.
//!
//! The first request is held inside its handler, after its idempotency claim, by holding SQLite's
//! write lock from another connection: its invoice insert waits (the app's busy timeout is 5 s)
//! until the test lets go.

mod common;

use std::str::FromStr;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

const INV: &str = "/v1/platform/businesses/{business_id}/invoices/";

#[tokio::test]
async fn same_key_in_flight_gets_409_then_the_first_response_is_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let srv = start(config(&url)).await;
    let p = partner(&srv.db, "A").await;
    let token = partner_token(&srv, &p).await;
    let biz = create_business(&srv, &token, "idem-1").await;
    let biz = biz["id"].as_str().unwrap().to_owned();
    let btoken = business_token(&srv, &token, &biz).await;
    let cus = create_customer(&srv, &btoken, &biz).await;
    let body = json!({
        "customer_id": cus["id"],
        "currency": "GBP",
        "due_date": "2026-12-31",
        "line_items": [{"description": "Work", "quantity": 2, "unit_amount": 1500}],
    });
    let inv_url = srv.url(&format!("/v1/platform/businesses/{biz}/invoices/"));
    let post = || {
        reqwest::Client::new()
            .post(&inv_url)
            .bearer_auth(&btoken)
            .header("idempotency-key", "inv-create-1")
            .timeout(Duration::from_secs(10))
            .json(&body)
    };

    let mut lock = SqliteConnection::connect_with(&SqliteConnectOptions::from_str(&url).unwrap())
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut lock)
        .await
        .unwrap();

    let first = tokio::spawn(post().send());
    // Long enough for the first request to pass auth, rate limit and its idempotency claim (a few
    // milliseconds), far shorter than the 5 s it may wait for the lock.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let repeat = client()
        .post(&inv_url)
        .bearer_auth(&btoken)
        .header("idempotency-key", "inv-create-1")
        .json(&body)
        .send()
        .await;
    let e = expect_error(&srv, "post", INV, repeat, 409, "IDEMPOTENCY_KEY_IN_USE");
    assert!(e.is_retryable());
    assert!(
        e.retry_after().is_some(),
        "409 in flight carries Retry-After"
    );
    assert!(!first.is_finished(), "the first request was still waiting");

    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let created: Value = first.json().await.unwrap();

    let replay = post().send().await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(
        replayed["id"], created["id"],
        "the same invoice, not a second one"
    );

    lock.close().await.unwrap();
    srv.stop().await;
}
