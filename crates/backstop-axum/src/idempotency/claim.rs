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

use super::store::{ClaimToken, Fingerprint, StoredKind, StoredResponse};

/// The claim a keyed POST or PATCH holds while it runs: the [`IdempotencyLayer`](super::IdempotencyLayer)
/// puts it in the request extensions once the key is claimed.
///
/// A handler whose side effect is a database write makes exactly-once durable (docs/CONTRACT.md
/// §9.4) by writing the key's outcome **in the same transaction** as that write, conditionally:
/// completing a claim row its store holds (`... WHERE key = ? AND claim = ? AND state = 'in
/// flight'`), or, with a store that holds claims in the process, inserting the outcome only if no
/// live record holds the key (the [`fingerprint`](Self::fingerprint) goes with it). If the
/// condition fails it rolls back and answers 409 `IDEMPOTENCY_KEY_IN_USE`, which the layer does
/// not store. Otherwise it answers with [`IdempotencyClaim::completed`]: the layer then stores
/// nothing more and tells the store
/// ([`completed_by_application`](super::IdempotencyStore::completed_by_application)). A crash
/// before the commit leaves neither the write nor the outcome; a crash after it leaves both, and
/// the re-send is replayed.
///
/// Handlers take it as `Option<IdempotencyClaim>` (absent without a key or without the layer).
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    key: Arc<str>,
    token: ClaimToken,
    fingerprint: Fingerprint,
    retention: Duration,
}

/// Marks a response whose claim the application completed itself (see
/// [`IdempotencyClaim::completed`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CompletedByApplication;

impl IdempotencyClaim {
    pub(crate) fn new(
        key: Arc<str>,
        token: ClaimToken,
        fingerprint: Fingerprint,
        retention: Duration,
    ) -> Self {
        IdempotencyClaim {
            key,
            token,
            fingerprint,
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

    /// The fingerprint of the request holding the claim, to store with its outcome (a later
    /// request with the key and another fingerprint is refused as a mismatch).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
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
