//! Shared helpers: a real server on 127.0.0.1:0 and raw HTTP/1.1 requests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves `app` on a fresh loopback port; returns its address.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    addr
}

/// A client that never retries and never waits long.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// Sends `raw` as is and reads the whole response (the request must say `Connection: close`).
pub async fn raw(addr: SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(raw).await.expect("write");
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "server did not close the connection in time");
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a raw response into (head, body).
pub fn split(response: &str) -> (&str, &str) {
    response.split_once("\r\n\r\n").unwrap_or((response, ""))
}

/// The value of a header in a raw response head (case-insensitive name).
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Asserts the canonical envelope with `code`, and that its request id equals the header's.
pub async fn envelope(
    resp: reqwest::Response,
    status: u16,
    code: &str,
) -> (reqwest::header::HeaderMap, Value) {
    assert_eq!(resp.status().as_u16(), status);
    let headers = resp.headers().clone();
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = resp.json().await.expect("a JSON body");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    let id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id header");
    assert_eq!(body["error"]["request_id"], id);
    assert!(body["error"]["timestamp"].is_string());
    (headers, body)
}
