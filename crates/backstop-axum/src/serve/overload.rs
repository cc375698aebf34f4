//! The answer to a connection over the cap: 503 `SERVICE_UNAVAILABLE` with `Retry-After`, written
//! straight to the socket, then the connection is closed.

use std::time::Duration;

use backstop::{ApiError, Profile};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::RequestId;

/// How long writing the 503 and lingering for the client's request may take in all.
const ANSWER_BUDGET: Duration = Duration::from_secs(2);

/// The whole HTTP/1.1 response sent to a connection over the cap. hyper is not involved (no
/// request is parsed: the point is to spend next to nothing on it), so the response is written by
/// hand; the body is the contract's own encoding of the error.
pub(crate) fn overload_response(profile: Profile, retry_after: Duration) -> Vec<u8> {
    let id = RequestId::fresh();
    let error = ApiError::unavailable(retry_after)
        .with_message("The server has too many connections; retry later")
        .with_request_id(id.as_str());
    let encoded = profile.encode(&error);
    let mut out = Vec::with_capacity(encoded.body.len() + 256);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(encoded.status.as_str().as_bytes());
    out.extend_from_slice(b" Service Unavailable\r\ncontent-type: ");
    out.extend_from_slice(encoded.content_type.as_bytes());
    out.extend_from_slice(b"\r\nretry-after: ");
    out.extend_from_slice(
        backstop::retry_after_secs(retry_after)
            .to_string()
            .as_bytes(),
    );
    out.extend_from_slice(b"\r\nx-request-id: ");
    out.extend_from_slice(id.as_str().as_bytes());
    out.extend_from_slice(b"\r\nconnection: close\r\ncontent-length: ");
    out.extend_from_slice(encoded.body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&encoded.body);
    out
}

/// Waits for the end of the request head (or 8 KiB, or the budget), writes `response`, closes the
/// write side, and reads (and drops) what else the client sent for a moment. An HTTP client
/// refuses a response that arrives before it has sent its request, and closing a socket with
/// unread input makes the kernel send a reset, which can destroy the response before the client
/// reads it.
pub(crate) async fn answer(mut stream: TcpStream, response: Vec<u8>) {
    let _ = tokio::time::timeout(ANSWER_BUDGET, async move {
        let mut head = [0u8; 8192];
        let mut read = 0;
        while read < head.len() {
            match stream.read(&mut head[read..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read += n,
            }
            if head[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        if stream.write_all(&response).await.is_err() {
            return;
        }
        let _ = stream.shutdown().await;
        let mut sink = [0u8; 4096];
        // Bounded: at most 64 KiB drained, within the budget above.
        for _ in 0..16 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
}
