//! Answers of creates whose idempotency claim was completed in their own write transaction.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use backstop_axum::idempotency::{IdempotencyClaim, StoredResponse};
use serde::Serialize;

/// The stored JSON response for `view` with `status`: what a replay of this create sends.
pub(crate) fn stored_json(status: StatusCode, view: &impl Serialize) -> Option<StoredResponse> {
    // Serializing the API's own view types cannot fail (no maps with non-string keys); if it ever
    // did, the claim is left to the idempotency layer, which stores what is sent.
    let body = serde_json::to_vec(view).ok()?;
    Some(IdempotencyClaim::json_response(status, body.into()))
}

/// The response to send: exactly the committed one when there is one, else `view` as JSON.
pub(crate) fn respond(
    committed: Option<StoredResponse>,
    status: StatusCode,
    view: impl Serialize,
) -> Response {
    match committed {
        Some(stored) => IdempotencyClaim::completed(stored),
        None => (status, axum::Json(view)).into_response(),
    }
}
