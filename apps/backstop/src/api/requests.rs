//! `GET /v1/requests/{request_id}`: the error record of one of the caller's own requests.

use axum::extract::State;
use backstop::ApiError;
use backstop_axum::auth::Principal;
use backstop_axum::extract::Path;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;

/// An error record as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorRecordView {
    /// The request's id.
    request_id: String,
    /// The trace id of the request's W3C `traceparent` (32 lowercase hex digits), when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<String>,
    /// Its method.
    method: String,
    /// The route template it matched.
    route: String,
    /// The status it got.
    status: u16,
    /// The error code.
    code: String,
    /// The message, as it was sent.
    message: String,
    /// The language the message was sent in (its response's `Content-Language`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// The details, if any.
    #[schema(value_type = Option<Object>)]
    details: Option<Value>,
    /// When the error occurred (RFC 3339).
    #[schema(format = DateTime)]
    timestamp: String,
}

/// The stored error record (404 `REQUEST_NOT_FOUND` for unknown ids, expired records and other
/// partners' requests alike).
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(request_id): Path<String>,
) -> Result<axum::Json<ErrorRecordView>, backstop_axum::Error> {
    let not_found = || ApiError::not_found("request", &request_id);
    let Some(sink) = &state.sink else {
        return Err(not_found().into());
    };
    let Some(r) = sink.lookup_for(&request_id, principal.id()).await else {
        return Err(not_found().into());
    };
    Ok(axum::Json(ErrorRecordView {
        request_id: r.request_id,
        trace_id: r.trace_id,
        method: r.method,
        route: r.route,
        status: r.status,
        code: r.code,
        message: r.message,
        language: r.language,
        details: r.details.and_then(|d| serde_json::to_value(d).ok()),
        timestamp: backstop::format_timestamp(r.timestamp),
    }))
}
