//! [`Error`]: a [`backstop::ApiError`] as an axum response.

use std::cell::RefCell;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code, Profile};
use bytes::Bytes;

use backstop::headers::X_REQUEST_ID;

/// An [`ApiError`] that axum can answer with: return `Result<T, backstop_axum::Error>` from handlers and
/// use `?` on anything that converts into an [`ApiError`].
///
/// The error travels to the [`Contract`](crate::Contract) layer as data (an [`ErrorExtension`] in
/// the response's extensions), and the layer encodes it once, in the configured profile, with the
/// request id stamped in, and logs it once. The response's body is encoded only if something reads
/// it without the layer having replaced it (an app without the layer, a test calling the handler):
/// then it is the canonical profile.
pub struct Error(pub ApiError);

/// The error a response was built from, in the response's extensions: from [`Error`] to the
/// [`Contract`](crate::Contract) layer always, and beyond it (to layers outside the contract) when
/// [`Contract::error_extension`](crate::Contract::error_extension) is on.
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
        ErrorExtension(Arc::new(self.0)).into_response()
    }
}

impl IntoResponse for ErrorExtension {
    /// The status and headers of the error in the canonical profile, and a body encoded only when
    /// read (see [`Error`]).
    fn into_response(self) -> Response {
        let error = &self.0;
        let mut response =
            Response::new(axum::body::Body::new(LazyErrorBody(Some(self.0.clone()))));
        *response.status_mut() = Profile::Backstop.status_for(error);
        let request_id = error
            .request_id()
            .and_then(|id| HeaderValue::from_str(id).ok());
        set_error_headers(response.headers_mut(), error, Profile::Backstop, request_id);
        response.extensions_mut().insert(self);
        response
    }
}

/// The body of an [`Error`] response: the canonical envelope, encoded when first polled. The
/// contract layer drops it unread and encodes the error from the [`ErrorExtension`] instead, so the
/// error is encoded once (docs/CONTRACT.md §2).
struct LazyErrorBody(Option<Arc<ApiError>>);

impl http_body::Body for LazyErrorBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(|error| {
            Ok(http_body::Frame::data(encode_bytes(
                &error,
                Profile::Backstop,
            )))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }
}

/// Encodes `error` in `profile` as a complete response: status, `Content-Type`, body, `Retry-After`,
/// and `WWW-Authenticate` for the bearer-token codes (RFC 6750).
pub fn encode_response(error: &ApiError, profile: Profile) -> Response {
    let request_id = error
        .request_id()
        .and_then(|id| HeaderValue::from_str(id).ok());
    build_response(error, profile, request_id)
}

/// [`encode_response`] with the `X-Request-Id` header given (the contract layer has it as a header
/// value already, so it is not parsed and copied again from the error's request id).
pub(crate) fn build_response(
    error: &ApiError,
    profile: Profile,
    request_id: Option<HeaderValue>,
) -> Response {
    let mut response = Response::new(encode_body(error, profile));
    *response.status_mut() = profile.status_for(error);
    let headers = response.headers_mut();
    // Room for every header set here plus a few the contract keeps from the old response.
    headers.reserve(6);
    set_error_headers(headers, error, profile, request_id);
    response
}

/// The `Content-Type` of each profile, built once (`HeaderValue::from_static` checks every byte
/// each time it runs).
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const PROBLEM_JSON: HeaderValue = HeaderValue::from_static("application/problem+json");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// Sets the headers an error response in `profile` carries: `Content-Type`, `Retry-After` when the
/// error has one, `WWW-Authenticate` for the bearer-token codes unless one is already there (the
/// layer that answered 401 knows its scheme better than the default Bearer challenge),
/// `X-Request-Id`, and `Cache-Control: no-store` on a 500. Other headers already in `headers` stay.
pub(crate) fn set_error_headers(
    headers: &mut HeaderMap,
    error: &ApiError,
    profile: Profile,
    request_id: Option<HeaderValue>,
) {
    set_headers_for(
        headers,
        error.status(),
        error.code(),
        error.retry_after(),
        profile,
        request_id,
    );
}

/// [`set_error_headers`] from the parts of an error that decide the headers.
pub(crate) fn set_headers_for(
    headers: &mut HeaderMap,
    status: StatusCode,
    code: &Code,
    retry_after: Option<std::time::Duration>,
    profile: Profile,
    request_id: Option<HeaderValue>,
) {
    let content_type = match profile {
        Profile::Problem => PROBLEM_JSON,
        _ => JSON,
    };
    debug_assert_eq!(content_type, profile.content_type());
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Some(wait) = retry_after {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(backstop::retry_after_secs(wait)),
        );
    }
    if let Some(challenge) = www_authenticate(status, code)
        && !headers.contains_key(header::WWW_AUTHENTICATE)
    {
        headers.insert(header::WWW_AUTHENTICATE, challenge);
    }
    if let Some(id) = request_id {
        headers.insert(X_REQUEST_ID, id);
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        headers.insert(header::CACHE_CONTROL, NO_STORE);
    }
}

/// The encoded body of `error` in `profile`.
pub(crate) fn encode_body(error: &ApiError, profile: Profile) -> axum::body::Body {
    axum::body::Body::from(encode_bytes(error, profile))
}

/// The body `encode` writes, as `Bytes` of exactly its length (see [`encode_bytes`]).
pub(crate) fn encode_body_with(encode: impl FnOnce(&mut Vec<u8>)) -> axum::body::Body {
    axum::body::Body::from(encode_with(encode))
}

/// The encoded body as `Bytes` of exactly its length.
///
/// Encoded into a reused per-thread buffer, then copied once:
/// `Profile::encode` returns a `Vec` with spare capacity, and `Bytes::from` such a `Vec` allocates a
/// second time for its shared header.
fn encode_bytes(error: &ApiError, profile: Profile) -> Bytes {
    encode_with(|buf| profile.encode_into(error, buf))
}

fn encode_with(encode: impl FnOnce(&mut Vec<u8>)) -> Bytes {
    thread_local! {
        static BUF: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(512));
    }
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            encode(&mut buf);
            let body = Bytes::copy_from_slice(&buf);
            if buf.capacity() > 64 * 1024 {
                // One huge error (many field violations) must not pin its buffer forever.
                *buf = Vec::with_capacity(512);
            }
            body
        }
        // Re-entered (cannot happen: encoders call no user code); encode on the side.
        Err(_) => {
            let mut body = Vec::new();
            encode(&mut body);
            Bytes::from(body)
        }
    })
}

/// Removes the `WWW-Authenticate` that [`Error::into_response`] put on a 401 by default, so the
/// contract can choose the challenge (Basic on a token endpoint); a challenge a handler or layer set
/// itself (any other value) stays and wins.
pub(crate) fn drop_default_challenge(headers: &mut HeaderMap, error: &ApiError) {
    if let Some(default) = www_authenticate(Profile::Backstop.status_for(error), error.code())
        && headers.get(header::WWW_AUTHENTICATE) == Some(&default)
    {
        headers.remove(header::WWW_AUTHENTICATE);
    }
}

/// The `WWW-Authenticate` challenge a 401 calls for (RFC 6750 §3).
fn www_authenticate(status: StatusCode, code: &Code) -> Option<HeaderValue> {
    if status != StatusCode::UNAUTHORIZED {
        return None;
    }
    let value = if *code == Code::INVALID_TOKEN {
        "Bearer error=\"invalid_token\""
    } else if *code == Code::AUTHENTICATION_REQUIRED {
        "Bearer"
    } else {
        "Bearer error=\"invalid_token\""
    };
    Some(HeaderValue::from_static(value))
}
