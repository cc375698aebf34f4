//! OAuth2 token endpoint errors (docs/CONTRACT.md §7.4): the one documented exception to §2's shapes.
//!
//! An OAuth2 client library reads a token endpoint's errors as RFC 6749 §5.2 bodies, so a token
//! endpoint answers `{"error": "invalid_client", "error_description": "…"}` with the contract's
//! `code`, `request_id`, `timestamp` and `retryable` as extra members. The contract error stays the
//! source of truth (codes, logs, records); [`OAuth2Error::for_error`] maps it to RFC 6749's code and
//! status.
//!
//! ```
//! use backstop::{ApiError, Code, oauth2};
//!
//! let e = ApiError::new(Code::INVALID_API_KEY).with_request_id("r-1");
//! let (status, body) = oauth2::encode(&e);
//! assert_eq!(status.as_u16(), 401);
//! let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
//! assert_eq!(body["error"], "invalid_client");
//! assert_eq!(body["code"], "INVALID_API_KEY");
//! assert_eq!(body["request_id"], "r-1");
//!
//! let e = ApiError::new(oauth2::unsupported_grant_type());
//! assert_eq!(oauth2::encode(&e).0.as_u16(), 400);
//! assert_eq!(oauth2::OAuth2Error::for_error(&e).as_str(), "unsupported_grant_type");
//! ```

use http::StatusCode;
use serde::Serialize;

use crate::code::Code;
use crate::error::ApiError;
use crate::timestamp::format_timestamp;

/// An error code of RFC 6749 §5.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuth2Error {
    /// `invalid_request`: a parameter missing, repeated or malformed; an unreadable body.
    InvalidRequest,
    /// `invalid_client`: client authentication failed (none, unknown client, bad secret).
    InvalidClient,
    /// `invalid_grant`: the grant itself is invalid or expired.
    InvalidGrant,
    /// `unauthorized_client`: the client may not use this grant (a suspended account).
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`.
    InvalidScope,
    /// `temporarily_unavailable` (RFC 6749 §4.1.2.1, used by token endpoints too): rate limited,
    /// overloaded, a store down.
    TemporarilyUnavailable,
    /// `server_error`.
    ServerError,
}

/// `UNSUPPORTED_GRANT_TYPE` (400): an application code for a `grant_type` the endpoint does not
/// support.
pub fn unsupported_grant_type() -> Code {
    custom("UNSUPPORTED_GRANT_TYPE", StatusCode::BAD_REQUEST)
        .with_default_message("The grant type is not supported")
}

/// `INVALID_SCOPE` (400): an application code for a requested scope the client may not have.
pub fn invalid_scope() -> Code {
    custom("INVALID_SCOPE", StatusCode::BAD_REQUEST)
        .with_default_message("The requested scope is invalid or not allowed")
}

/// `INVALID_GRANT` (400): an application code for an invalid or expired grant.
pub fn invalid_grant() -> Code {
    custom("INVALID_GRANT", StatusCode::BAD_REQUEST)
        .with_default_message("The grant is invalid or has expired")
}

fn custom(name: &'static str, status: StatusCode) -> Code {
    // Both arguments are fixed above and valid; `for_status` is a fallback that cannot happen.
    Code::custom(name, status, false).unwrap_or_else(|_| Code::for_status(status))
}

impl OAuth2Error {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuth2Error::InvalidRequest => "invalid_request",
            OAuth2Error::InvalidClient => "invalid_client",
            OAuth2Error::InvalidGrant => "invalid_grant",
            OAuth2Error::UnauthorizedClient => "unauthorized_client",
            OAuth2Error::UnsupportedGrantType => "unsupported_grant_type",
            OAuth2Error::InvalidScope => "invalid_scope",
            OAuth2Error::TemporarilyUnavailable => "temporarily_unavailable",
            OAuth2Error::ServerError => "server_error",
        }
    }

    /// The RFC 6749 code for a contract error (the table of docs/CONTRACT.md §7.4).
    pub fn for_error(error: &ApiError) -> Self {
        let status = error.status();
        match error.code().name() {
            "UNSUPPORTED_GRANT_TYPE" => return OAuth2Error::UnsupportedGrantType,
            "INVALID_SCOPE" => return OAuth2Error::InvalidScope,
            "INVALID_GRANT" => return OAuth2Error::InvalidGrant,
            "SUSPENDED_ACCOUNT" => return OAuth2Error::UnauthorizedClient,
            _ => {}
        }
        match status.as_u16() {
            401 => OAuth2Error::InvalidClient,
            429 | 503 | 504 => OAuth2Error::TemporarilyUnavailable,
            500..=599 => OAuth2Error::ServerError,
            _ => OAuth2Error::InvalidRequest,
        }
    }

    /// The status RFC 6749 gives it: 401 for `invalid_client`, the error's own status for
    /// `temporarily_unavailable` (429, 503, 504) and `server_error`, 400 for the rest.
    pub fn status(self, error: &ApiError) -> StatusCode {
        match self {
            OAuth2Error::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuth2Error::TemporarilyUnavailable | OAuth2Error::ServerError => error.status(),
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Whether a token endpoint answers this status in RFC 6749 form: every error but 404 and 405,
/// which the router gives before the endpoint is reached (docs/CONTRACT.md §6) and which OAuth2
/// has no code for.
pub fn applies_to(status: StatusCode) -> bool {
    (status.is_client_error() || status.is_server_error())
        && status != StatusCode::NOT_FOUND
        && status != StatusCode::METHOD_NOT_ALLOWED
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'static str,
    error_description: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    timestamp: String,
    retryable: bool,
}

/// Appends the RFC 6749 §5.2 body of `error` to `buf`; returns its status.
pub fn encode_into(error: &ApiError, buf: &mut Vec<u8>) -> StatusCode {
    let kind = OAuth2Error::for_error(error);
    let timestamp = error
        .timestamp()
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    let body = Body {
        error: kind.as_str(),
        error_description: error.message(),
        code: error.code().name(),
        request_id: error.request_id(),
        timestamp: format_timestamp(timestamp),
        retryable: error.is_retryable(),
    };
    // Serializing strings and a bool into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, &body);
    kind.status(error)
}

/// The status and RFC 6749 §5.2 body of `error`.
pub fn encode(error: &ApiError) -> (StatusCode, Vec<u8>) {
    let mut buf = Vec::with_capacity(256);
    let status = encode_into(error, &mut buf);
    (status, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_situation_of_the_table_maps_to_its_code_and_status() {
        let cases: [(ApiError, &str, u16); 12] = [
            (
                ApiError::new(Code::AUTHENTICATION_REQUIRED),
                "invalid_client",
                401,
            ),
            (ApiError::new(Code::INVALID_API_KEY), "invalid_client", 401),
            (ApiError::new(Code::EXPIRED_API_KEY), "invalid_client", 401),
            (ApiError::new(Code::REVOKED_API_KEY), "invalid_client", 401),
            (
                ApiError::new(Code::SUSPENDED_ACCOUNT),
                "unauthorized_client",
                400,
            ),
            (
                ApiError::new(Code::VALIDATION_ERROR),
                "invalid_request",
                400,
            ),
            (
                ApiError::new(Code::UNSUPPORTED_MEDIA_TYPE),
                "invalid_request",
                400,
            ),
            (
                ApiError::new(Code::PAYLOAD_TOO_LARGE),
                "invalid_request",
                400,
            ),
            (
                ApiError::new(unsupported_grant_type()),
                "unsupported_grant_type",
                400,
            ),
            (
                ApiError::rate_limited(std::time::Duration::from_secs(3)),
                "temporarily_unavailable",
                429,
            ),
            (
                ApiError::unavailable(std::time::Duration::from_secs(1)),
                "temporarily_unavailable",
                503,
            ),
            (ApiError::new(Code::DATABASE_ERROR), "server_error", 500),
        ];
        for (error, code, status) in cases {
            let kind = OAuth2Error::for_error(&error);
            assert_eq!(kind.as_str(), code, "{}", error.code().name());
            assert_eq!(
                kind.status(&error).as_u16(),
                status,
                "{}",
                error.code().name()
            );
        }
    }

    #[test]
    fn the_body_carries_the_contract_code_and_request_id() {
        let e = ApiError::new(Code::SUSPENDED_ACCOUNT).with_request_id("abc");
        let (status, body) = encode(&e);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "unauthorized_client");
        assert_eq!(v["code"], "SUSPENDED_ACCOUNT");
        assert_eq!(v["request_id"], "abc");
        assert_eq!(v["retryable"], false);
        assert!(
            v["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
}
