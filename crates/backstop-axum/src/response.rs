//! [`Error`]: a [`backstop::ApiError`] as an axum response.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code, Profile};

/// An [`ApiError`] that axum can answer with: return `Result<T, backstop_axum::Error>` from handlers and
/// use `?` on anything that converts into an [`ApiError`].
///
/// Without the `Contract` layer the body is encoded in the canonical profile; with it, the layer
/// re-encodes it in the configured profile, stamps the request id, and logs it once (it finds the
/// error in the response's extensions as an [`ErrorExtension`]).
pub struct Error(pub ApiError);

/// The error a response was built from, kept in the response's extensions for the outer layers.
#[derive(Clone)]
pub struct ErrorExtension(pub Arc<ApiError>);

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error(e)
    }
}

impl From<Code> for Error {
    fn from(code: Code) -> Self {
        Error(ApiError::new(code))
    }
}

impl std::ops::Deref for Error {
    type Target = ApiError;
    fn deref(&self) -> &ApiError {
        &self.0
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = encode_response(&self.0, Profile::Backstop);
        response
            .extensions_mut()
            .insert(ErrorExtension(Arc::new(self.0)));
        response
    }
}

impl IntoResponse for ErrorExtension {
    fn into_response(self) -> Response {
        let mut response = encode_response(&self.0, Profile::Backstop);
        response.extensions_mut().insert(self);
        response
    }
}

/// Encodes `error` in `profile` as a complete response: status, `Content-Type`, body, `Retry-After`,
/// and `WWW-Authenticate` for the bearer-token codes (RFC 6750).
pub fn encode_response(error: &ApiError, profile: Profile) -> Response {
    let encoded = profile.encode(error);
    let mut response = Response::new(axum::body::Body::from(encoded.body));
    *response.status_mut() = encoded.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoded.content_type),
    );
    if let Some(wait) = error.retry_after() {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(backstop::retry_after_secs(wait)),
        );
    }
    if let Some(challenge) = www_authenticate(error) {
        headers.insert(header::WWW_AUTHENTICATE, challenge);
    }
    if let Some(id) = error
        .request_id()
        .and_then(|id| HeaderValue::from_str(id).ok())
    {
        headers.insert("x-request-id", id);
    }
    if encoded.status == StatusCode::INTERNAL_SERVER_ERROR {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The `WWW-Authenticate` challenge a 401 calls for (RFC 6750 §3).
fn www_authenticate(error: &ApiError) -> Option<HeaderValue> {
    if error.status() != StatusCode::UNAUTHORIZED {
        return None;
    }
    let value = if *error.code() == Code::INVALID_TOKEN {
        "Bearer error=\"invalid_token\""
    } else if *error.code() == Code::AUTHENTICATION_REQUIRED {
        "Bearer"
    } else {
        "Bearer error=\"invalid_token\""
    };
    Some(HeaderValue::from_static(value))
}
