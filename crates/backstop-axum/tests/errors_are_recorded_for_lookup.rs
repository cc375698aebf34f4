//! Pins CONTRACT.md §4: errors are recorded for lookup.

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

    // Successes are not recorded.
    common::client()
        .get(format!("http://{addr}/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(sink.len(), 2);
}
