//! [`Json<T>`]: axum's `Json` with the contract's rejections.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::body::{has_content_type, read, unsupported};
use super::shape::{self, Mode};
use crate::Error;

/// A JSON body (and, as a response, a JSON body), like `axum::Json`, rejecting with:
/// - 415 `UNSUPPORTED_MEDIA_TYPE` unless `Content-Type` is `application/json` or `application/*+json`;
/// - 413 `PAYLOAD_TOO_LARGE` beyond the body limit;
/// - 400 `INVALID_FORMAT` for JSON syntax errors (details: `line`, `column`);
/// - 422 `VALIDATION_ERROR` listing **every** missing, mistyped or unknown field at once, with paths
///   such as `items[2].amount`.
///
/// The body is parsed once, straight into `T`; only when that fails is it parsed again to find every
/// violation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_content_type(req.headers(), "application", "json") {
            return Err(unsupported("application/json").into());
        }
        let bytes = read(req, state).await?;
        Ok(Json(from_json_slice(&bytes)?))
    }
}

/// Decodes a JSON document into `T` with the contract's errors: 400 `INVALID_FORMAT` for syntax,
/// 422 `VALIDATION_ERROR` listing every offending field for shape.
pub fn from_json_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = match serde_json::from_slice::<T>(bytes) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if !first.is_data() {
        return Err(syntax_error(&first));
    }
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Err(syntax_error(&e)),
    };
    let found = shape::collect::<T>(&value, Mode::Json);
    let mut violations = shape::violations(&found);
    if violations.is_empty() {
        // The walk found nothing serde did (a rare custom type): name the position serde reported.
        violations.add("body", "The body does not match the expected shape.");
    }
    Err(ApiError::from_violations(violations))
}

fn syntax_error(e: &serde_json::Error) -> ApiError {
    let error = ApiError::new(Code::INVALID_FORMAT);
    if e.is_eof() && e.line() <= 1 && e.column() == 0 {
        return error.with_message("The request body is empty; a JSON document is required");
    }
    error
        .with_detail("line", e.line())
        .with_detail("column", e.column())
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}
