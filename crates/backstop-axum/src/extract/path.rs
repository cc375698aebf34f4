//! [`Path<T>`]: axum's `Path` with the contract's rejections.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use backstop::{ApiError, Code};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::query::parameter_error;
use super::shape::{self, Mode};
use crate::Error;

/// Path parameters, rejecting with 400 `INVALID_PARAMETER` listing every parameter that does not
/// parse (for a struct `T`; a tuple or single value names the first one axum reports).
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T> std::ops::Deref for Path<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                // For a struct, list every bad parameter; otherwise map axum's first error.
                let mut only_key = None;
                if let Ok(raw) = RawPathParams::from_request_parts(parts, state).await {
                    let mut map = Map::new();
                    for (k, v) in &raw {
                        map.insert(k.to_owned(), Value::String(v.to_owned()));
                    }
                    if map.len() == 1 {
                        only_key = map.keys().next().cloned();
                    }
                    let found = shape::collect::<T>(&Value::Object(map), Mode::Text);
                    if !found.is_empty() && found.iter().all(|(p, _, _)| !p.is_empty()) {
                        return Err(parameter_error(&found, "path").into());
                    }
                }
                Err(from_kind(e.into_kind(), only_key).into())
            }
            Err(other) => Err(ApiError::internal(other)
                .with_message("The route's path parameters are misconfigured")
                .into()),
        }
    }
}

/// One axum path error as the contract's (the offending value is never echoed).
fn from_kind(kind: ErrorKind, only_key: Option<String>) -> ApiError {
    let invalid = ApiError::new(Code::INVALID_PARAMETER);
    match kind {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => invalid.with_field(key, format!("Expected {}.", friendly(expected_type))),
        ErrorKind::ParseErrorAtIndex {
            index,
            expected_type,
            ..
        } => invalid.with_field(
            format!("path[{index}]"),
            format!("Expected {}.", friendly(expected_type)),
        ),
        ErrorKind::ParseError { expected_type, .. } => invalid.with_field(
            only_key.unwrap_or_else(|| "path".to_owned()),
            format!("Expected {}.", friendly(expected_type)),
        ),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            invalid.with_field(key, "Must be valid UTF-8.")
        }
        ErrorKind::DeserializeError { key, .. } => invalid.with_field(key, "Invalid value."),
        _ => invalid.with_field("path", "Invalid path parameters."),
    }
}

/// `u32` -> `an integer`, for messages.
fn friendly(ty: &str) -> &'static str {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "bool" => "a boolean",
        _ => "a valid value",
    }
}
