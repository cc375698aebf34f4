//! Pins docs/CONTRACT.md §10.4: oversized body gets 413 even chunked.

mod common;

use axum::{Router, body::Bytes, routing::post};
use backstop_axum::{Contract, Json};

#[tokio::test]
async fn oversized_body_gets_413_even_chunked() {
    let app = Contract::new().body_limit(1024).apply(
        Router::new()
            .route("/raw", post(|b: Bytes| async move { b.len().to_string() }))
            .route(
                "/json",
                post(|Json(v): Json<serde_json::Value>| async move { v.to_string() }),
            ),
    );
    let addr = common::serve(app).await;
    let big = format!("\"{}\"", "x".repeat(4096));

    // Announced with Content-Length.
    let resp = common::client()
        .post(format!("http://{addr}/json"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    common::envelope(resp, 413, "PAYLOAD_TOO_LARGE").await;

    // Chunked, no Content-Length, to a raw-bytes handler and to Json.
    for path in ["/raw", "/json"] {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        .into_bytes();
        for chunk in big.as_bytes().chunks(512) {
            req.extend(format!("{:x}\r\n", chunk.len()).into_bytes());
            req.extend(chunk);
            req.extend(b"\r\n");
        }
        req.extend(b"0\r\n\r\n");
        let resp = common::raw(addr, &req).await;
        let (head, body) = common::split(&resp);
        assert!(head.starts_with("HTTP/1.1 413"), "{path}: {head}");
        assert_eq!(
            common::header(head, "content-type"),
            Some("application/json")
        );
        assert!(body.contains("\"PAYLOAD_TOO_LARGE\""), "{path}: {body}");
    }

    // Under the limit is fine.
    let ok = common::client()
        .post(format!("http://{addr}/raw"))
        .body("small")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.text().await.unwrap(), "5");
}
