//! [`Query<T>`]: axum's `Query` with the contract's rejections, read by `serde_html_form`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backstop::{ApiError, Code, FieldViolations};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[cfg(feature = "validate")]
use super::REQUIRED;
use super::shape::{self, Kind, Mode};
use crate::Error;

/// The query string, rejecting with 400 `MISSING_PARAMETER` when required parameters are absent and
/// nothing else is wrong, and 400 `INVALID_PARAMETER` otherwise; either way the details list every
/// offending parameter (`{"page": ["Expected a non-negative integer, got a string."]}`).
///
/// Parsed by `serde_html_form` (as axum-extra's `Query`): a repeated key fills a sequence
/// (`?tag=a&tag=b` into `tag: Vec<String>`; a key given once is a one-item list), and a repeated key
/// for a field that takes one value is an `INVALID_PARAMETER` naming that field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        match serde_html_form::from_str::<T>(query) {
            Ok(v) => Ok(Query(v)),
            Err(_) => {
                let value = pairs_to_value(query.as_bytes());
                Err(parameter_error(&shape::collect::<T>(&value, Mode::Text), "query").into())
            }
        }
    }
}

/// `a=1&b=2&b=3` as `{"a": "1", "b": ["2", "3"]}` (keys grouped as `serde_html_form` groups them),
/// for the walk that lists every violation.
pub(crate) fn pairs_to_value(bytes: &[u8]) -> Value {
    let mut map = Map::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        let v = Value::String(v.into_owned());
        match map.get_mut(k.as_ref()) {
            Some(Value::Array(items)) => items.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            None => {
                map.insert(k.into_owned(), v);
            }
        }
    }
    Value::Object(map)
}

/// The `garde` violations of parameters: `MISSING_PARAMETER` when every one is a missing parameter
/// (`#[garde(required)]`), `INVALID_PARAMETER` otherwise.
#[cfg(feature = "validate")]
pub(crate) fn parameter_rejection(violations: FieldViolations) -> ApiError {
    let only_missing = violations
        .iter()
        .all(|(_, messages)| messages.iter().all(|m| m == REQUIRED));
    let code = if only_missing {
        Code::MISSING_PARAMETER
    } else {
        Code::INVALID_PARAMETER
    };
    ApiError::new(code).with_details(backstop::Details::Fields(violations))
}

/// `MISSING_PARAMETER` when every violation is a missing parameter, `INVALID_PARAMETER` otherwise.
pub(crate) fn parameter_error(found: &[(String, Kind, String)], whole: &str) -> ApiError {
    let only_missing = !found.is_empty() && found.iter().all(|(_, k, _)| *k == Kind::Missing);
    let code = if only_missing {
        Code::MISSING_PARAMETER
    } else {
        Code::INVALID_PARAMETER
    };
    let mut fields = FieldViolations::new();
    for (path, _, message) in found {
        let field = if path.is_empty() {
            whole
        } else {
            path.as_str()
        };
        fields.add(field, message.clone());
    }
    if fields.is_empty() {
        fields.add(whole, "The parameters do not match the expected shape.");
    }
    ApiError::new(code).with_details(backstop::Details::Fields(fields))
}
