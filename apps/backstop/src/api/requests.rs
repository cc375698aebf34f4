//! `GET /v1/requests/{request_id}`: the error record of one of the caller's own requests.

use axum::extract::State;
use backstop::ApiError;
use backstop_axum::auth::Principal;
use backstop_axum::extract::Path;
use serde_json::{Value, json};

use super::AppState;

/// The stored error record (404 `REQUEST_NOT_FOUND` for unknown ids, expired records and other
/// partners' requests alike).
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(request_id): Path<String>,
) -> Result<axum::Json<Value>, backstop_axum::Error> {
    let not_found = || ApiError::not_found("request", &request_id);
    let Some(sink) = &state.sink else {
        return Err(not_found().into());
    };
    let Some(r) = sink.lookup_for(&request_id, principal.id()).await else {
        return Err(not_found().into());
    };
    Ok(axum::Json(json!({
        "request_id": r.request_id,
        "method": r.method,
        "route": r.route,
        "status": r.status,
        "code": r.code,
        "message": r.message,
        "details": r.details,
        "timestamp": backstop::format_timestamp(r.timestamp),
    })))
}
