//! Decoding any error body into an [`ApiError`]: the contract's four profiles and the seeds' variants
//! of them, the error shapes of the major public APIs, and anything else.
//!
//! One pass of serde reads the body into a struct with a slot for every member any shape uses
//! ([`raw`]); each member is read leniently, so one odd member never loses the rest. The shape is then
//! recognised from which members were present, one file per shape, and the response's headers add
//! what the body did not say ([`headers`]).
//!
//! | shape | recognised by | code from |
//! |---|---|---|
//! | backstop profile | `error` object with `code`/`message` | `code` |
//! | flat profile | `error_code` | `error_code` |
//! | status profile | numeric `status` with `message` | `code`, else the status |
//! | RFC 9457 | `type`, or `title` with `status`/`detail` | `code` extension, else the `type` URI's last segment |
//! | Google AIP-193 | `error.status` is a name, or typed `error.details` | `ErrorInfo.reason`, else `error.status` |
//! | Microsoft | `error.code` with `target`, `innererror` or a `details` list | `error.code` |
//! | Stripe | `error.type` (or `doc_url`, `request_log_url`, `decline_code`) | `error.code`, else `error.type` |
//! | GitHub | `documentation_url`, or `message` with an `errors` list | the status |
//! | FastAPI / pydantic | `detail` list (or `detail` string alone) | the status |
//! | Spring Boot | numeric `status`, `error`, `path`/`timestamp`, no code | the status |
//! | AWS JSON | `__type` (or the `X-Amzn-ErrorType` header) | the type, sanitized |
//! | Django REST framework | an object of nothing but messages | `VALIDATION_ERROR` for 400/422 |
//!
//! Codes are spelled SCREAMING_SNAKE ([`crate::screaming_snake`]); a code that is in the catalog
//! (`RATE_LIMIT_EXCEEDED`, `not_found`) is the catalog's.

mod aws;
mod drf;
mod fastapi;
mod github;
mod google;
mod headers;
mod microsoft;
mod oauth2;
mod parts;
mod problem;
mod profiles;
mod raw;
mod spring;
mod stripe;

use http::{HeaderMap, StatusCode};

use self::parts::{Parts, build};
use self::raw::{ErrorMember, Obj};
use crate::error::ApiError;
use crate::profile::Profile;

/// Bodies longer than this are not parsed: the error is derived from the status, with an excerpt.
pub const MAX_DECODE_BYTES: usize = 256 * 1024;
/// The longest raw-body excerpt kept for unrecognised bodies, in bytes.
pub const MAX_EXCERPT_BYTES: usize = 512;

/// Which shape a decoded body had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detected {
    /// One of the four wire profiles (seed 003's minimal `{"error":{"code","message"}}` counts as
    /// `Backstop`; RFC 9457 bodies from any server count as `Problem`).
    Profile(Profile),
    /// The error shape of a public API or framework.
    Provider(Provider),
    /// JSON with none of the known shapes.
    UnknownJson,
    /// Not JSON (an HTML error page, plain text), or too large to parse.
    NotJson,
    /// No body at all.
    Empty,
}

/// The public APIs and frameworks whose error bodies [`decode`] understands (besides RFC 9457,
/// reported as [`Profile::Problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// Google APIs (AIP-193): `ErrorInfo`, `BadRequest`, `RetryInfo`, `RequestInfo`.
    Google,
    /// Microsoft REST API guidelines (Azure, Graph): `code`, `target`, `details`, `innererror`.
    Microsoft,
    /// Stripe: `type`, `code`, `param`.
    Stripe,
    /// GitHub's REST API: `message`, `errors[]`.
    GitHub,
    /// FastAPI and pydantic: `detail[]` with `loc` (also `{"detail": "..."}` alone).
    FastApi,
    /// Django REST framework field maps.
    DjangoRestFramework,
    /// Spring Boot's default error body.
    SpringBoot,
    /// AWS JSON protocols: `__type`.
    AwsJson,
    /// OAuth2 token endpoints (RFC 6749 §5.2): `error`, `error_description`.
    OAuth2,
}

/// Decodes an error response. Never panics; reads at most [`MAX_DECODE_BYTES`] of `body`.
///
/// `headers`, where given, supply the retry delay (`retry-after-ms`, `Retry-After`), an explicit
/// retry signal (`Stripe-Should-Retry`) and, when the body has none, the request id (`X-Request-Id`
/// and the providers' own); see [`ApiError::retry_after`] and [`ApiError::is_retryable`].
///
/// ```
/// use backstop::decode;
/// use http::StatusCode;
/// let body = br#"{"error":"Validation errors in request data","error_code":"validation_error",
///   "details":{"email":["Enter a valid email address."]}}"#;
/// let e = decode(StatusCode::BAD_REQUEST, None, body);
/// assert_eq!(e.code().name(), "VALIDATION_ERROR");
/// assert_eq!(e.details().unwrap().fields().unwrap().get("email").unwrap()[0], "Enter a valid email address.");
///
/// // Stripe's shape.
/// let body = br#"{"error":{"type":"invalid_request_error","code":"parameter_missing",
///   "message":"Missing required param: amount.","param":"amount"}}"#;
/// let e = decode(StatusCode::BAD_REQUEST, None, body);
/// assert_eq!(e.code().name(), "PARAMETER_MISSING");
/// assert_eq!(e.details().unwrap().fields().unwrap().get("amount").unwrap()[0], "Missing required param: amount.");
/// ```
pub fn decode(status: StatusCode, headers: Option<&HeaderMap>, body: &[u8]) -> ApiError {
    decode_detailed(status, headers, body).0
}

/// Like [`decode`], also saying which shape the body had.
pub fn decode_detailed(
    status: StatusCode,
    headers: Option<&HeaderMap>,
    body: &[u8],
) -> (ApiError, Detected) {
    let (error, detected) = decode_body(status, headers, body);
    match headers {
        Some(h) => (headers::apply(error, h), detected),
        None => (error, detected),
    }
}

fn decode_body(
    status: StatusCode,
    headers: Option<&HeaderMap>,
    body: &[u8],
) -> (ApiError, Detected) {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return (fallback(status, None), Detected::Empty);
    }
    if body.len() > MAX_DECODE_BYTES || !matches!(trimmed[0], b'{') {
        let detected = if trimmed[0] == b'[' || trimmed[0] == b'"' {
            Detected::UnknownJson
        } else {
            Detected::NotJson
        };
        return (fallback(status, Some(excerpt(body))), detected);
    }
    match serde_json::from_slice::<Obj<'_>>(body) {
        Ok(top) => match interpret(headers, top, body) {
            Some((parts, detected)) => (build(status, parts), detected),
            None => match drf::parts(status, body) {
                Some(parts) => (
                    build(status, parts),
                    Detected::Provider(Provider::DjangoRestFramework),
                ),
                None => (fallback(status, Some(excerpt(body))), Detected::UnknownJson),
            },
        },
        Err(_) => (fallback(status, Some(excerpt(body))), Detected::NotJson),
    }
}

/// Recognises the shape of a JSON object and reads it. `None` when no shape fits.
fn interpret<'de>(
    headers: Option<&HeaderMap>,
    mut top: Obj<'de>,
    body: &'de [u8],
) -> Option<(Parts<'de>, Detected)> {
    let provider = |p| Detected::Provider(p);
    let error_message = match top.error.take() {
        Some(ErrorMember::Nested(inner)) => {
            let inner = *inner;
            return if google::matches(&inner) {
                Some((google::parts(inner), provider(Provider::Google)))
            } else if stripe::matches(&inner) {
                Some((stripe::parts(inner), provider(Provider::Stripe)))
            } else if microsoft::matches(&inner) {
                Some((microsoft::parts(inner), provider(Provider::Microsoft)))
            } else {
                profiles::nested(inner).map(|p| (p, Detected::Profile(Profile::Backstop)))
            };
        }
        Some(ErrorMember::Message(m)) => Some(m),
        _ => None,
    };
    if oauth2::matches(&top, error_message.as_deref()) {
        return Some((
            oauth2::parts(top, error_message),
            provider(Provider::OAuth2),
        ));
    }
    if top.error_code.is_some() {
        return Some((
            profiles::flat(top, error_message),
            Detected::Profile(Profile::Flat),
        ));
    }
    if aws::matches(&top, headers) {
        return Some((aws::parts(top, headers), provider(Provider::AwsJson)));
    }
    if problem::matches(&top) {
        return Some((
            problem::parts(top, body),
            Detected::Profile(Profile::Problem),
        ));
    }
    if fastapi::matches(&top) {
        return Some((fastapi::parts(top), provider(Provider::FastApi)));
    }
    if github::matches(&top) {
        return Some((github::parts(top), provider(Provider::GitHub)));
    }
    if spring::matches(&top, error_message.as_deref()) {
        return Some((
            spring::parts(top, error_message),
            provider(Provider::SpringBoot),
        ));
    }
    profiles::status(top, error_message).map(|p| (p, Detected::Profile(Profile::Status)))
}

fn fallback(status: StatusCode, excerpt: Option<String>) -> ApiError {
    let mut e = ApiError::from_status(status).with_timestamp(None);
    e.set_body_excerpt(excerpt);
    e
}

/// A printable excerpt: at most [`MAX_EXCERPT_BYTES`], invalid UTF-8 replaced, control characters dropped.
fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_EXCERPT_BYTES)];
    String::from_utf8_lossy(cut)
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect()
}
