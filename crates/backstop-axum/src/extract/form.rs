//! [`Form<T>`]: axum's `Form` with the contract's rejections, read by `serde_html_form`.

use axum::extract::{FromRequest, Request};
use axum::http::Method;
use backstop::ApiError;
use serde::de::DeserializeOwned;

use super::body::{has_content_type, read, unsupported};
use super::query::pairs_to_value;
use super::shape::{self, Mode};
use crate::Error;

/// An `application/x-www-form-urlencoded` body (the query string for `GET` and `HEAD`), rejecting with
/// 415 `UNSUPPORTED_MEDIA_TYPE` for another content type, 413 beyond the body limit, and 422
/// `VALIDATION_ERROR` listing every missing or invalid field.
///
/// Parsed by `serde_html_form`, as [`Query`](super::Query) is: a repeated key fills a sequence, and a
/// repeated key for a field that takes one value is a violation of that field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let query = req.uri().query().unwrap_or_default().to_owned();
            return Ok(Form(decode_form(query.as_bytes())?));
        }
        if !has_content_type(req.headers(), "application", "x-www-form-urlencoded") {
            return Err(unsupported("application/x-www-form-urlencoded").into());
        }
        let bytes = read(req, state).await?;
        Ok(Form(decode_form(&bytes)?))
    }
}

fn decode_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match serde_html_form::from_bytes::<T>(bytes) {
        Ok(v) => Ok(v),
        Err(_) => {
            let value = pairs_to_value(bytes);
            let found = shape::collect::<T>(&value, Mode::Text);
            let mut violations = shape::violations(&found);
            if violations.is_empty() {
                violations.add("body", "The form does not match the expected shape.");
            }
            Err(ApiError::from_violations(violations))
        }
    }
}
