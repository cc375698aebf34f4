//! Stop the server and start a new one on the same SQLite file: partners, keys, the generated token
//! secret (old tokens still valid), businesses, invoices and error records (with their trace ids) are all still
//! there.

mod common;

use common::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[tokio::test]
async fn restart_on_same_sqlite_file_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("backstop.db").display());
    let mut cfg = config(&url);
    cfg.jwt_secret = None; // generated on first start, kept in the database
    let srv = start(cfg.clone()).await;
    let Tenant {
        partner: p,
        token,
        biz,
        btoken,
    } = tenant(&srv).await;
    let cus = create_customer(&srv, &btoken, &biz).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing = client()
        .get(srv.url(&format!("/v1/platform/businesses/{biz}/invoices/inv_x/")))
        .bearer_auth(&btoken)
        .header("traceparent", format!("00-{TRACE}-00f067aa0ba902b7-01"))
        .send()
        .await;
    let rid = missing.unwrap_err().request_id().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await; // let the record writer flush
    srv.stop().await;

    let srv = start(cfg).await;
    // The old token still verifies: the secret came back from the database.
    let shown = client()
        .get(srv.url(&format!("/v1/platform/businesses/{biz}/customers/{cus}/")))
        .bearer_auth(&btoken)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let again = create_business(&srv, &token, "b1").await;
    assert_eq!(again["id"], biz.as_str());
    assert_eq!(again["_meta"]["created"], false);
    // A new token from the stored key, and the error record from before the restart.
    let token2 = partner_token(&srv, &p).await;
    let record: serde_json::Value =
        get_json(&srv.url(&format!("/v1/requests/{rid}")), &token2).await;
    assert_eq!(record["code"], "INVOICE_NOT_FOUND");
    // The trace id of the request's traceparent was stored next to its request id.
    assert_eq!(record["request_id"], rid.as_str());
    assert_eq!(record["trace_id"], TRACE);
    srv.stop().await;
}
