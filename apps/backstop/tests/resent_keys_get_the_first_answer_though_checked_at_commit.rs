//! docs/CONTRACT.md §9.4: the reference API claims a new key without reading its record first; the
//! check moves to the commit of the create, which inserts the key's outcome only if no live record
//! holds it. A re-send must still get exactly what it got before: the first answer replayed (even
//! where running the handler again would answer otherwise), 422 `IDEMPOTENCY_KEY_MISMATCH` for
//! another payload (valid or not), and never a second resource. On SQLite and on Postgres.

mod common;

use common::*;
use serde_json::{Value, json};

struct Sent {
    status: u16,
    replayed: bool,
    body: Value,
}

async fn post(url: &str, token: &str, key: &str, body: &Value) -> Sent {
    let r = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    Sent {
        status: r.status().as_u16(),
        replayed: r.headers().get("idempotent-replayed").is_some(),
        body: r.json().await.unwrap(),
    }
}

async fn count(url: &str, token: &str) -> u64 {
    let list: Value = get_json(url, token).await;
    list["count"].as_u64().unwrap()
}

#[tokio::test]
async fn resent_keys_get_the_first_answer_though_checked_at_commit() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls(&dir).await {
        let srv = start(config(&url)).await;
        let Tenant {
            token, biz, btoken, ..
        } = tenant(&srv).await;
        let cus = create_customer(&srv, &btoken, &biz).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let invoices = srv.url(&format!("/v1/platform/businesses/{biz}/invoices/"));
        let invoice = json!({"customer_id": cus, "currency": "GBP", "due_date": "2026-12-31",
                             "line_items": [{"description": "Work", "quantity": 2, "unit_amount": 1500}]});

        let first = post(&invoices, &btoken, "inv-1", &invoice).await;
        assert_eq!((first.status, first.replayed), (201, false), "{url}");
        let again = post(&invoices, &btoken, "inv-1", &invoice).await;
        assert_eq!((again.status, again.replayed), (201, true), "{url}");
        assert_eq!(again.body, first.body, "{url}: the first invoice, replayed");

        // Another payload under the key: refused whether it would create or fail validation.
        let other = json!({"customer_id": cus, "currency": "EUR", "due_date": "2026-12-31",
                           "line_items": [{"description": "Work", "quantity": 1, "unit_amount": 10}]});
        let invalid = json!({"customer_id": "cus_nope", "currency": "JPY", "line_items": []});
        for body in [&other, &invalid] {
            let sent = post(&invoices, &btoken, "inv-1", body).await;
            assert_eq!(sent.status, 422, "{url}: {}", sent.body);
            assert_eq!(
                sent.body["error"]["code"], "IDEMPOTENCY_KEY_MISMATCH",
                "{url}"
            );
        }
        assert_eq!(count(&invoices, &btoken).await, 1, "{url}: one invoice");

        // Running the create again would find the business by its external id and answer 200;
        // the re-send gets the first answer, the 201.
        let businesses = srv.url("/v1/platform/businesses/");
        let business = json!({"external_id": "b2", "legal_name": "Beta Ltd", "email": "b@beta.example",
                              "country": "GB", "base_currency": "GBP"});
        let first = post(&businesses, &token, "biz-2", &business).await;
        assert_eq!((first.status, first.replayed), (201, false), "{url}");
        let again = post(&businesses, &token, "biz-2", &business).await;
        assert_eq!((again.status, again.replayed), (201, true), "{url}");
        assert_eq!(again.body, first.body, "{url}");
        let unkeyed = reqwest::Client::new()
            .post(&businesses)
            .bearer_auth(&token)
            .json(&business)
            .send()
            .await
            .unwrap();
        assert_eq!(unkeyed.status(), 200, "{url}: without the key, it exists");

        // A token has no write to carry its key: the outcome the layer stores is what is checked;
        // a re-send gets the first token, not a new one.
        let tokens = srv.url(&format!("/v1/platform/{biz}/oauth2/token/"));
        let first = post(&tokens, &token, "tok-1", &json!({})).await;
        assert_eq!(first.status / 100, 2, "{url}: {}", first.body);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let again = post(&tokens, &token, "tok-1", &json!({})).await;
        assert!(again.replayed, "{url}");
        assert_eq!(
            again.body["access_token"], first.body["access_token"],
            "{url}: the first token"
        );
        srv.stop().await;
    }
}
