//! [`IdempotencyClaim`]: a keyed request's hold on its key, for applications that complete it in
//! their own database transaction.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::OptionalFromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use super::store::{ClaimToken, StoredKind, StoredResponse};

/// The claim a keyed POST or PATCH holds while it runs: the [`IdempotencyLayer`](super::IdempotencyLayer)
/// puts it in the request extensions once the key is claimed.
///
/// A handler whose side effect is a database write makes exactly-once durable (docs/CONTRACT.md
/// §9.4) by completing the claim **in the same transaction** as that write, conditionally on still
/// holding it (`... WHERE key = ? AND claim = ? AND state = 'in flight'`; roll back if no row
/// matched), and then answering with [`IdempotencyClaim::completed`]: the layer then stores nothing
/// more and releases nothing. A crash before the commit leaves neither the write nor the completion;
/// a crash after it leaves both, and the re-send is replayed.
///
/// Handlers take it as `Option<IdempotencyClaim>` (absent without a key or without the layer).
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    key: Arc<str>,
    token: ClaimToken,
    retention: Duration,
}

/// Marks a response whose claim the application completed itself (see
/// [`IdempotencyClaim::completed`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CompletedByApplication;

impl IdempotencyClaim {
    pub(crate) fn new(key: Arc<str>, token: ClaimToken, retention: Duration) -> Self {
        IdempotencyClaim {
            key,
            token,
            retention,
        }
    }

    /// The key as the store knows it (already scoped to the caller and hashed).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The proof of this claim.
    pub fn token(&self) -> ClaimToken {
        self.token
    }

    /// How long the completed response is to be replayed.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// The stored form of a JSON response with `status` and `body`: what the layer itself would
    /// store for it, and what a replay sends back.
    pub fn json_response(status: StatusCode, body: Bytes) -> StoredResponse {
        StoredResponse {
            status,
            headers: vec![(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
            kind: StoredKind::Body,
        }
    }

    /// The response for `stored`, after the application committed it with the claim's
    /// completion: the layer stores nothing more and releases nothing.
    pub fn completed(stored: StoredResponse) -> Response {
        let mut response = Response::new(axum::body::Body::from(stored.body));
        *response.status_mut() = stored.status;
        let headers = response.headers_mut();
        for (name, value) in stored.headers {
            headers.append(name, value);
        }
        response.extensions_mut().insert(CompletedByApplication);
        response
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyClaim {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<IdempotencyClaim>().cloned())
    }
}
