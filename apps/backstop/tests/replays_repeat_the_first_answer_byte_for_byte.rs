//! docs/CONTRACT.md §9.2: a repeat of a keyed create is answered with exactly what the first request
//! got: the same status, the same code, message and details, in the same bytes; only `request_id`
//! and `timestamp` are the repeat's own. A 422 listing four fields, a 409 `DUPLICATE_EXTERNAL_ID`
//! and a 201, in every wire profile.

mod common;

use backstop::Profile;
use common::*;
use serde_json::{Value, json};

/// The body with the members that belong to the request itself (`request_id`, `timestamp`, and the
/// problem profile's `instance`, which is made of the request id) blanked.
fn without_request_facts(mut body: Value) -> Value {
    fn blank(v: &mut Value) {
        if let Value::Object(map) = v {
            for key in ["request_id", "timestamp", "instance"] {
                if map.contains_key(key) {
                    map.insert(key.to_owned(), Value::Null);
                }
            }
            for child in map.values_mut() {
                blank(child);
            }
        }
    }
    blank(&mut body);
    body
}

async fn send_twice(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> [(u16, Option<String>, Vec<u8>, String); 2] {
    let mut out = Vec::new();
    for _ in 0..2 {
        let r = http
            .post(url)
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let replayed = r
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap().to_owned());
        let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
        out.push((
            status,
            replayed,
            r.bytes().await.unwrap().to_vec(),
            content_type,
        ));
    }
    out.try_into().unwrap()
}

fn assert_replayed(what: &str, pair: &[(u16, Option<String>, Vec<u8>, String); 2]) {
    let [(s1, r1, b1, c1), (s2, r2, b2, c2)] = pair;
    assert_eq!(s1, s2, "{what}: status");
    assert_eq!(c1, c2, "{what}: content type");
    assert_eq!(r1.as_deref(), None, "{what}: the first is not a replay");
    assert_eq!(r2.as_deref(), Some("true"), "{what}: Idempotent-Replayed");
    let (v1, v2): (Value, Value) = (
        serde_json::from_slice(b1).unwrap(),
        serde_json::from_slice(b2).unwrap(),
    );
    assert_eq!(
        without_request_facts(v1.clone()),
        without_request_facts(v2.clone()),
        "{what}: the same answer"
    );
    // Byte for byte, once the repeat's own id and timestamp are put back to the first's.
    let first = String::from_utf8(b1.clone()).unwrap();
    let mut second = String::from_utf8(b2.clone()).unwrap();
    for key in ["request_id", "timestamp"] {
        if let (Some(a), Some(b)) = (find(&v1, key), find(&v2, key)) {
            second = second.replace(&b, &a);
        }
    }
    assert_eq!(first, second, "{what}: byte for byte");
}

/// The first string value of `key` anywhere in `v`.
fn find(v: &Value, key: &str) -> Option<String> {
    match v {
        Value::Object(map) => map
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| map.values().find_map(|c| find(c, key))),
        _ => None,
    }
}

#[tokio::test]
async fn replays_repeat_the_first_answer_byte_for_byte() {
    for profile in Profile::ALL {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(&format!("sqlite://{}", dir.path().join("b.db").display()));
        cfg.error_format = profile;
        let srv = start(cfg).await;
        let Tenant { biz, btoken, .. } = tenant(&srv).await;
        let cus = create_customer(&srv, &btoken, &biz).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let http = reqwest::Client::new();
        let invoices = srv.url(&format!("/v1/platform/businesses/{biz}/invoices/"));

        // A 422 (400 in the flat profile) listing four fields.
        let bad = json!({"customer_id": "cus_nope", "currency": "JPY", "due_date": "2026-02-30", "line_items": []});
        let pair = send_twice(&http, &invoices, &btoken, "bad-1", &bad).await;
        assert_replayed(&format!("{profile:?} 422"), &pair);
        let body: Value = serde_json::from_slice(&pair[1].2).unwrap();
        let text = body.to_string();
        for field in ["customer_id", "currency", "due_date", "line_items"] {
            assert!(
                text.contains(field),
                "{profile:?}: the replay lists {field}: {text}"
            );
        }

        // A 201, then a 409 DUPLICATE_EXTERNAL_ID under another key for the same external_id.
        let good = json!({"customer_id": cus, "currency": "GBP", "due_date": "2026-12-31", "external_id": "ext-1",
                          "line_items": [{"description": "Design", "quantity": 3, "unit_amount": 12500}]});
        let pair = send_twice(&http, &invoices, &btoken, "good-1", &good).await;
        assert_eq!(pair[0].0, 201);
        assert_replayed(&format!("{profile:?} 201"), &pair);
        assert_eq!(
            pair[0].2, pair[1].2,
            "{profile:?}: a 201 replays its exact bytes"
        );
        let pair = send_twice(&http, &invoices, &btoken, "dup-1", &good).await;
        assert_eq!(pair[0].0, 409);
        assert_replayed(&format!("{profile:?} 409"), &pair);
        let body: Value = serde_json::from_slice(&pair[1].2).unwrap();
        assert!(
            body.to_string().contains("duplicate_external_id")
                || body.to_string().contains("DUPLICATE_EXTERNAL_ID"),
            "{profile:?}: the replay keeps the code: {body}"
        );
        srv.stop().await;
    }
}
