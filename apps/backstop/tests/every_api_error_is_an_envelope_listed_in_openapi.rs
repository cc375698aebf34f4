//! Every error this API gives, provoked over TCP and decoded by backstop-client: the right status and
//! code, the request id in body and header, and the status listed for that path and method in
//! `/openapi.json`. Runs on SQLite and (when configured) Postgres.

mod common;

use std::time::Duration;

use backstop_app::db::{PartnerStatus, now_millis};
use backstop_axum::auth::{Claims, JwtIssuer};
use common::*;
use serde_json::json;

const BIZ: &str = "/v1/platform/businesses/";
const BIZ_ONE: &str = "/v1/platform/businesses/{business_id}/";
const TOKEN: &str = "/v1/platform/oauth2/token/";
const BTOKEN: &str = "/v1/platform/{business_id}/oauth2/token/";
const CUS: &str = "/v1/platform/businesses/{business_id}/customers/";
const CUS_ONE: &str = "/v1/platform/businesses/{business_id}/customers/{customer_id}/";
const INV: &str = "/v1/platform/businesses/{business_id}/invoices/";
const INV_ONE: &str = "/v1/platform/businesses/{business_id}/invoices/{invoice_id}/";
const REQ: &str = "/v1/requests/{request_id}";

#[tokio::test]
async fn every_api_error_is_an_envelope_listed_in_openapi() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls(&dir).await {
        errors(&url).await;
    }
}

async fn errors(url: &str) {
    let srv = start(config(url)).await;
    let c = client();
    let p = partner(&srv.db, "Acme").await;
    let other = partner(&srv.db, "Other").await;
    let token = partner_token(&srv, &p).await;
    let other_token = partner_token(&srv, &other).await;
    let biz = create_business(&srv, &token, "b1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let biz2 = create_business(&srv, &token, "b2").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let btoken = business_token(&srv, &token, &biz).await;
    let cus = create_customer(&srv, &btoken, &biz).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token_url = srv.url(TOKEN);
    let form = [("grant_type", "client_credentials")];

    // --- the token endpoint: RFC 6749 errors (docs/CONTRACT.md §7.4) ---
    let raw = reqwest::Client::new();
    let r = raw.post(&token_url).form(&form).send().await.unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "AUTHENTICATION_REQUIRED").await;
    let r = raw
        .post(&token_url)
        .bearer_auth(&token)
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "AUTHENTICATION_FAILED").await;
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, "bsk_nope_0000"))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "INVALID_API_KEY").await;
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, &other.api_key))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "INVALID_API_KEY").await;
    let (expired, _) = key(&srv.db, &p.id, Some(now_millis() - 1000)).await;
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, &expired))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "EXPIRED_API_KEY").await;
    let (revoked, revoked_id) = key(&srv.db, &p.id, None).await;
    assert!(srv.db.revoke_key(&revoked_id).await.unwrap());
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, &revoked))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "REVOKED_API_KEY").await;
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, &p.api_key))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    expect_oauth2_error(
        &srv,
        r,
        400,
        "unsupported_grant_type",
        "UNSUPPORTED_GRANT_TYPE",
    )
    .await;
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, &p.api_key))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 400, "invalid_request", "UNSUPPORTED_MEDIA_TYPE").await;

    // --- authentication on the API ---
    let r = c.get(srv.url(BIZ)).send().await;
    expect_error(&srv, "get", BIZ, r, 401, "AUTHENTICATION_REQUIRED");
    let r = c.get(srv.url(BIZ)).bearer_auth("a.b.c").send().await;
    expect_error(&srv, "get", BIZ, r, 401, "INVALID_TOKEN");
    let r = c
        .get(srv.url(BIZ))
        .bearer_auth("bsk_unknown_abcdef")
        .send()
        .await;
    expect_error(&srv, "get", BIZ, r, 401, "INVALID_API_KEY");
    let r = c.get(srv.url(BIZ)).bearer_auth(&revoked).send().await;
    expect_error(&srv, "get", BIZ, r, 401, "REVOKED_API_KEY");
    let r = c.get(srv.url(BIZ)).bearer_auth(&expired).send().await;
    expect_error(&srv, "get", BIZ, r, 401, "EXPIRED_API_KEY");
    let mut old = Claims::new(p.id.as_str(), Duration::ZERO).with_scopes(["partner"]);
    old.exp = (now_millis() / 1000) as u64 - 3600;
    let stale = JwtIssuer::hs256(SECRET.as_bytes()).issue(&old).unwrap();
    let r = c.get(srv.url(BIZ)).bearer_auth(&stale).send().await;
    expect_error(&srv, "get", BIZ, r, 401, "INVALID_TOKEN");
    let forged = JwtIssuer::hs256(b"another-secret-another-secret-xx")
        .issue(&Claims::new(p.id.as_str(), Duration::from_secs(60)).with_scopes(["partner"]))
        .unwrap();
    let r = c.get(srv.url(BIZ)).bearer_auth(&forged).send().await;
    expect_error(&srv, "get", BIZ, r, 401, "INVALID_TOKEN");

    // --- authorization ---
    let r = c.get(srv.url(BIZ)).bearer_auth(&btoken).send().await;
    expect_error(&srv, "get", BIZ, r, 403, "INSUFFICIENT_PERMISSIONS");
    let r = c
        .get(srv.url(&format!("{BIZ}{biz}/customers/")))
        .bearer_auth(&token)
        .send()
        .await;
    expect_error(&srv, "get", CUS, r, 403, "INSUFFICIENT_PERMISSIONS");
    let r = c
        .get(srv.url(&format!("{BIZ}{biz2}/invoices/")))
        .bearer_auth(&btoken)
        .send()
        .await;
    expect_error(&srv, "get", INV, r, 403, "PERMISSION_DENIED");
    let r = c
        .get(srv.url(&format!("{BIZ}{biz2}/")))
        .bearer_auth(&btoken)
        .send()
        .await;
    expect_error(&srv, "get", BIZ_ONE, r, 403, "PERMISSION_DENIED");
    let r = c
        .post(srv.url(&format!("/v1/platform/{biz}/oauth2/token/")))
        .bearer_auth(&btoken)
        .send()
        .await;
    expect_error(&srv, "post", BTOKEN, r, 403, "INSUFFICIENT_PERMISSIONS");

    // --- not found ---
    let r = c
        .get(srv.url(&format!("{BIZ}{biz}/")))
        .bearer_auth(&other_token)
        .send()
        .await;
    let e = expect_error(&srv, "get", BIZ_ONE, r, 404, "BUSINESS_NOT_FOUND");
    assert_eq!(e.details().unwrap().context().unwrap()["id"], biz.as_str());
    let r = c
        .post(srv.url(&format!("/v1/platform/{biz}/oauth2/token/")))
        .bearer_auth(&other_token)
        .send()
        .await;
    expect_error(&srv, "post", BTOKEN, r, 404, "BUSINESS_NOT_FOUND");
    let r = c
        .get(srv.url(&format!("{BIZ}{biz}/customers/cus_nope/")))
        .bearer_auth(&btoken)
        .send()
        .await;
    expect_error(&srv, "get", CUS_ONE, r, 404, "CUSTOMER_NOT_FOUND");
    let r = c
        .get(srv.url(&format!("{BIZ}{biz}/invoices/inv_nope/")))
        .bearer_auth(&btoken)
        .send()
        .await;
    expect_error(&srv, "get", INV_ONE, r, 404, "INVOICE_NOT_FOUND");
    let r = c.get(srv.url("/v1/nothing-here")).send().await;
    let e = r.unwrap_err();
    assert_eq!(e.api_error().unwrap().code().name(), "NOT_FOUND");
    let r = c.delete(srv.url(BIZ)).bearer_auth(&token).send().await;
    let e = expect_error(&srv, "get", BIZ, r, 405, "METHOD_NOT_ALLOWED");
    assert!(e.message().contains("not allowed"));

    // --- bodies, parameters, validation ---
    let inv_url = srv.url(&format!("{BIZ}{biz}/invoices/"));
    let r = c
        .post(&inv_url)
        .bearer_auth(&btoken)
        .header("content-type", "application/json")
        .body("{\"customer_id\": ")
        .send()
        .await;
    expect_error(&srv, "post", INV, r, 400, "INVALID_FORMAT");
    let r = c
        .post(&inv_url)
        .bearer_auth(&btoken)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await;
    expect_error(&srv, "post", INV, r, 415, "UNSUPPORTED_MEDIA_TYPE");
    let r = c
        .post(&inv_url)
        .bearer_auth(&btoken)
        .json(
            &json!({"customer_id": "cus_nope", "currency": "JPY", "due_date": "2026-02-30",
            "line_items": [{"description": "", "quantity": 0, "unit_amount": -1}]}),
        )
        .send()
        .await;
    let e = expect_error(&srv, "post", INV, r, 422, "VALIDATION_ERROR");
    let fields = e.details().unwrap().fields().unwrap();
    for f in [
        "customer_id",
        "currency",
        "due_date",
        "line_items[0].description",
        "line_items[0].quantity",
        "line_items[0].unit_amount",
    ] {
        assert!(fields.get(f).is_some(), "{f} reported in {fields:?}");
    }
    let r = c
        .post(&inv_url)
        .bearer_auth(&btoken)
        .json(&json!({"customer_id": 7, "line_items": "x"}))
        .send()
        .await;
    expect_error(&srv, "post", INV, r, 422, "VALIDATION_ERROR");
    let r = c
        .post(srv.url(&format!("{BIZ}{biz}/customers/")))
        .bearer_auth(&btoken)
        .json(&json!({"name": "Bo", "email": "not-an-email"}))
        .send()
        .await;
    let e = expect_error(&srv, "post", CUS, r, 422, "VALIDATION_ERROR");
    assert_eq!(
        e.details().unwrap().fields().unwrap().get("email").unwrap(),
        ["Enter a valid email address."]
    );
    let r = c
        .get(srv.url(&format!("{BIZ}{biz}/invoices/?page=0&page_size=500")))
        .bearer_auth(&btoken)
        .send()
        .await;
    let e = expect_error(&srv, "get", INV, r, 400, "INVALID_PARAMETER");
    assert_eq!(e.details().unwrap().fields().unwrap().len(), 2);
    let r = c
        .get(srv.url("/v1/platform/businesses/?page=abc"))
        .bearer_auth(&token)
        .send()
        .await;
    expect_error(&srv, "get", BIZ, r, 400, "INVALID_PARAMETER");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let r = c
        .post(srv.url(&format!("{BIZ}{biz}/customers/")))
        .bearer_auth(&btoken)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    expect_error(&srv, "post", CUS, r, 413, "PAYLOAD_TOO_LARGE");

    // --- resource-level and key-level idempotency ---
    let invoice = json!({"customer_id": cus, "currency": "USD", "due_date": "2026-12-01", "external_id": "X-1",
        "line_items": [{"description": "A", "quantity": 1, "unit_amount": 1}]});
    let first: serde_json::Value = c
        .post(&inv_url)
        .bearer_auth(&btoken)
        .json(&invoice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = c
        .post(&inv_url)
        .bearer_auth(&btoken)
        .json(&invoice)
        .send()
        .await;
    let e = expect_error(&srv, "post", INV, r, 409, "DUPLICATE_EXTERNAL_ID");
    assert_eq!(e.details().unwrap().context().unwrap()["id"], first["id"]);
    let r = c
        .post(srv.url(&format!("{BIZ}{biz}/customers/")))
        .bearer_auth(&btoken)
        .idempotency_key("k-1")
        .json(&json!({"name": "A", "email": "a@x.example"}))
        .send()
        .await;
    assert_eq!(r.unwrap().status(), 201);
    let r = c
        .post(srv.url(&format!("{BIZ}{biz}/customers/")))
        .bearer_auth(&btoken)
        .idempotency_key("k-1")
        .json(&json!({"name": "B", "email": "b@x.example"}))
        .send()
        .await;
    expect_error(&srv, "post", CUS, r, 422, "IDEMPOTENCY_KEY_MISMATCH");
    let r = c
        .post(srv.url(&format!("{BIZ}{biz}/customers/")))
        .bearer_auth(&btoken)
        .header("idempotency-key", "\"unterminated")
        .json(&json!({"name": "B", "email": "b@x.example"}))
        .send()
        .await;
    expect_error(&srv, "post", CUS, r, 400, "INVALID_REQUEST");

    // --- error records: the partner that made the request, and only it ---
    let r = c
        .get(srv.url(&format!("{BIZ}{biz}/invoices/inv_missing/")))
        .bearer_auth(&btoken)
        .send()
        .await;
    let e = expect_error(&srv, "get", INV_ONE, r, 404, "INVOICE_NOT_FOUND");
    let rid = e.request_id().unwrap().to_owned();
    let record: serde_json::Value = c
        .get(srv.url(&format!("/v1/requests/{rid}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["code"], "INVOICE_NOT_FOUND");
    assert_eq!(record["status"], 404);
    let r = c
        .get(srv.url(&format!("/v1/requests/{rid}")))
        .bearer_auth(&other_token)
        .send()
        .await;
    expect_error(&srv, "get", REQ, r, 404, "REQUEST_NOT_FOUND");
    // ... and the record reached the database, not only the in-process cache.
    let mut stored = None;
    for _ in 0..50 {
        stored = srv
            .db
            .error_record(&rid, Duration::from_secs(3600))
            .await
            .unwrap();
        if stored.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stored.unwrap().partner_id.as_deref(), Some(p.id.as_str()));

    // --- suspension (the status cache is off in tests) ---
    srv.db
        .set_partner_status(&p.id, PartnerStatus::Suspended)
        .await
        .unwrap();
    let r = c.get(srv.url(BIZ)).bearer_auth(&token).send().await;
    expect_error(&srv, "get", BIZ, r, 403, "SUSPENDED_ACCOUNT");
    let r = raw
        .post(&token_url)
        .header("authorization", basic(&p.id, &p.api_key))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 400, "unauthorized_client", "SUSPENDED_ACCOUNT").await;
    srv.stop().await;
}
