//! Pins docs/CONTRACT.md §12: errors are recorded for lookup.

mod common;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use backstop::ApiError;
use backstop_axum::{Contract, Error, ErrorSink, MemoryErrorSink, PrincipalId};

async fn forbidden() -> Response {
    let mut resp = Error(ApiError::new(backstop::Code::PERMISSION_DENIED)).into_response();
    resp.extensions_mut().insert(PrincipalId("key_42".into()));
    resp
}

#[tokio::test]
async fn errors_are_recorded_for_lookup() {
    let sink = Arc::new(MemoryErrorSink::new(16));
    let app = Contract::new()
        .error_sink(sink.clone())
        .apply(Router::new().route("/invoices/{id}", get(forbidden)));
    let addr = common::serve(app).await;
    let resp = common::client()
        .get(format!("http://{addr}/invoices/9"))
        .header("x-request-id", "trace-1")
        .send()
        .await
        .unwrap();
    common::envelope(resp, 403, "PERMISSION_DENIED").await;

    let record = sink
        .lookup_for("trace-1", "key_42")
        .await
        .expect("recorded");
    assert_eq!(record.status, 403);
    assert_eq!(record.code, "PERMISSION_DENIED");
    assert_eq!(record.method, "GET");
    assert_eq!(record.route, "/invoices/{id}");
    assert!(sink.lookup_for("trace-1", "someone_else").await.is_none());

    // A 404 for a path no route matched is logged, not recorded: scanners must not evict the
    // records of real failures.
    let resp = common::client()
        .get(format!("http://{addr}/nope"))
        .header("x-request-id", "scan-1")
        .send()
        .await
        .unwrap();
    common::envelope(resp, 404, "NOT_FOUND").await;
    assert!(sink.lookup("scan-1").await.is_none());
    assert_eq!(sink.len(), 1);
}

#[tokio::test]
async fn unmatched_paths_are_recorded_when_asked() {
    let sink = Arc::new(MemoryErrorSink::new(16));
    let app = Contract::new()
        .error_sink(sink.clone())
        .record_unmatched(true)
        .apply(Router::new().route("/invoices/{id}", get(forbidden)));
    let addr = common::serve(app).await;
    let resp = common::client()
        .get(format!("http://{addr}/nope?x=1"))
        .header("x-request-id", "scan-2")
        .send()
        .await
        .unwrap();
    common::envelope(resp, 404, "NOT_FOUND").await;
    let record = sink.lookup("scan-2").await.expect("recorded");
    assert_eq!(record.status, 404);
    assert_eq!(record.code, "NOT_FOUND");
    assert_eq!(record.route, "/nope", "the raw path, without the query");
    assert_eq!(record.principal, None);
}

#[tokio::test]
async fn a_routed_not_found_is_recorded() {
    // A handler's 404 (a resource that does not exist) is a real answer: recorded.
    async fn missing() -> Error {
        ApiError::not_found("invoice", "in_9").into()
    }
    let sink = Arc::new(MemoryErrorSink::new(16));
    let app = Contract::new()
        .error_sink(sink.clone())
        .apply(Router::new().route("/invoices/{id}", get(missing)));
    let addr = common::serve(app).await;
    let resp = common::client()
        .get(format!("http://{addr}/invoices/in_9"))
        .header("x-request-id", "real-1")
        .send()
        .await
        .unwrap();
    common::envelope(resp, 404, "INVOICE_NOT_FOUND").await;
    let record = sink.lookup("real-1").await.expect("recorded");
    assert_eq!(record.route, "/invoices/{id}");
}
