//! The server `benches/load.sh` measures: one `GET /hello` route, either bare axum or behind
//! [`backstop_axum::Contract`] with its defaults.
//!
//! `cargo run --release --example bench_server -- <mode> <port>`, where mode is
//! - `bare`: the route alone; unknown paths get axum's default 404 (no body, no headers);
//! - `contract`: the route behind `Contract::new().apply(router)`;
//! - `handmade`: bare, with the 404 envelope written the way an app does it by hand: a fallback that
//!   makes a UUID v7, formats the timestamp and serialises a `serde_json::json!` body (what the
//!   contract's 404 costs, without the contract);
//! - `static`: bare, with a fallback answering the same bytes as the contract's 404 (same headers,
//!   same body length) built once: the cost of just sending a 404 envelope instead of an empty 404.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use backstop_axum::Contract;
use bytes::Bytes;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The 404 envelope written by hand.
async fn handmade_not_found() -> Response {
    let id = uuid::Uuid::now_v7().to_string();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let body = serde_json::json!({
        "error": {
            "code": "NOT_FOUND",
            "message": "The requested URL was not found",
            "request_id": id,
            "timestamp": timestamp,
            "retryable": false,
        }
    });
    let mut response = (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    if let Ok(id) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, id);
    }
    response
}

/// The contract's 404, byte for byte in size, prepared once.
async fn static_not_found() -> Response {
    const ID: &str = "01a20255-ac36-7430-864a-18803aafddf4";
    const BODY: &str = concat!(
        r#"{"error":{"code":"NOT_FOUND","message":"The requested URL was not found","#,
        r#""request_id":"01a20255-ac36-7430-864a-18803aafddf4","#,
        r#""timestamp":"2026-11-22T08:18:18.806Z","retryable":false}}"#
    );
    (
        StatusCode::NOT_FOUND,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (X_REQUEST_ID, HeaderValue::from_static(ID)),
        ],
        Bytes::from_static(BODY.as_bytes()),
    )
        .into_response()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "contract".to_owned());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(3000);

    let router = Router::new().route("/hello", get(|| async { "Hello, world!" }));
    let app = match mode.as_str() {
        "bare" => router,
        "contract" => Contract::new().apply(router),
        "handmade" => router.fallback(handmade_not_found),
        "static" => router.fallback(static_not_found),
        other => {
            eprintln!("unknown mode {other:?}: expected bare, contract, handmade or static");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("{mode} listening on 127.0.0.1:{port}");
    axum::serve(listener, app).await
}
