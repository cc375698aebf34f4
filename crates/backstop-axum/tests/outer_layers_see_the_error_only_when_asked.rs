//! A layer outside the contract (metrics by error code, say) finds the error an error response was
//! built from in its `ErrorExtension` when the contract is asked to leave it there
//! (`Contract::error_extension(true)`), and nothing by default. Clients never see it either way.

mod common;

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use axum::{Router, routing::get};
use backstop::ApiError;
use backstop_axum::{Contract, Error, ErrorExtension};
use tower::ServiceBuilder;

const SEEN: HeaderName = HeaderName::from_static("x-outer-saw");

/// What the outer layer saw, as a header the test can read.
fn report(mut response: Response) -> Response {
    let seen = response
        .extensions()
        .get::<ErrorExtension>()
        .map(|e| format!("{} {}", e.0.code().name(), e.0.request_id().unwrap_or("-")))
        .unwrap_or_else(|| "nothing".to_owned());
    response
        .headers_mut()
        .insert(SEEN, HeaderValue::from_str(&seen).unwrap());
    response
}

fn app(contract: Contract) -> Router {
    async fn gone() -> Error {
        ApiError::not_found("invoice", "in_1").into()
    }
    Router::new()
        .route("/invoices/in_1", get(gone))
        .layer(ServiceBuilder::new().map_response(report).layer(contract))
}

async fn seen(contract: Contract, path: &str) -> String {
    let addr = common::serve(app(contract)).await;
    let resp = common::client()
        .get(format!("http://{addr}{path}"))
        .header("x-request-id", "outer-1")
        .send()
        .await
        .unwrap();
    let seen = resp.headers()[&SEEN].to_str().unwrap().to_owned();
    assert!(resp.status().is_client_error());
    seen
}

#[tokio::test]
async fn outer_layers_see_handler_and_router_errors_when_asked() {
    let on = || Contract::new().error_extension(true);
    assert_eq!(
        seen(on(), "/invoices/in_1").await,
        "INVOICE_NOT_FOUND outer-1"
    );
    assert_eq!(seen(on(), "/nope").await, "NOT_FOUND outer-1");
}

#[tokio::test]
async fn outer_layers_see_nothing_by_default() {
    assert_eq!(seen(Contract::new(), "/invoices/in_1").await, "nothing");
    assert_eq!(seen(Contract::new(), "/nope").await, "nothing");
}
