//! `Principal` and `Option<Principal>` as axum extractors.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use backstop::Code;

use super::principal::Principal;
use crate::Error;

/// Extracts the principal the [`AuthLayer`](super::AuthLayer) authenticated; without one (route
/// not behind the layer, or anonymous allowed) the request is refused with 401
/// `AUTHENTICATION_REQUIRED`. Use `Option<Principal>` to accept anonymous callers.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| Error::from(Code::AUTHENTICATION_REQUIRED))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned())
    }
}
