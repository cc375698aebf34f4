//! Machine-readable error codes and the catalog of docs/CONTRACT.md §3.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;

/// The family a [`Code`] belongs to; clients branch on it when the exact code is new to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// The request itself is malformed or refers to something invalid (400).
    InvalidRequest,
    /// No or bad credentials (401).
    Authentication,
    /// Credentials are fine but do not grant this (403).
    Authorization,
    /// The route or resource does not exist (404).
    NotFound,
    /// The route exists but not for this method (405).
    MethodNotAllowed,
    /// The request conflicts with the state of a resource (409).
    Conflict,
    /// The body is larger than the server accepts (413).
    PayloadTooLarge,
    /// The body's media type is not accepted (415).
    UnsupportedMediaType,
    /// The body is well-formed but its values are invalid (422).
    Validation,
    /// The caller sent too many requests (429).
    RateLimit,
    /// The server failed (500).
    Server,
    /// An upstream the server depends on failed (502).
    Upstream,
    /// The server is temporarily unable to serve (503).
    Unavailable,
    /// The server gave up waiting (504).
    Timeout,
    /// Any other status.
    Other,
}

impl Category {
    /// The category of an HTTP status.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Authentication,
            403 => Self::Authorization,
            404 | 410 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::Validation,
            429 => Self::RateLimit,
            502 => Self::Upstream,
            503 => Self::Unavailable,
            408 | 504 => Self::Timeout,
            400..=499 => Self::InvalidRequest,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }
}

/// A machine-readable error code: its `SCREAMING_SNAKE_CASE` name, HTTP status, retryability, category
/// and default message.
///
/// The catalog's codes are associated constants (`Code::VALIDATION_ERROR`); applications make their own
/// with [`Code::custom`] or [`Code::not_found_for`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Code {
    name: Cow<'static, str>,
    status: StatusCode,
    retryable: bool,
    category: Category,
    message: Cow<'static, str>,
}

/// A custom code was refused: its name is not `SCREAMING_SNAKE_CASE` or its status is not an error status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCode {
    /// The name is empty, longer than 64 bytes, or not `[A-Z][A-Z0-9]*(_[A-Z0-9]+)*`.
    #[error(
        "error code {0:?} is not SCREAMING_SNAKE_CASE (A-Z, 0-9 and single underscores, at most 64 bytes)"
    )]
    NotScreamingSnake(String),
    /// Error codes only go with 4xx and 5xx statuses.
    #[error("status {0} is not an error status (4xx or 5xx)")]
    NotAnErrorStatus(u16),
}

macro_rules! catalog {
    ($( $(#[$doc:meta])* $name:ident = ($status:literal, $retry:literal, $cat:ident, $msg:literal); )*) => {
        impl Code {
            $(
                $(#[$doc])*
                pub const $name: Code = Code {
                    name: Cow::Borrowed(stringify!($name)),
                    status: match StatusCode::from_u16($status) { Ok(s) => s, Err(_) => panic!("bad status") },
                    retryable: $retry,
                    category: Category::$cat,
                    message: Cow::Borrowed($msg),
                };
            )*
        }

        /// Every code of the contract's catalog (docs/CONTRACT.md §3), in catalog order.
        pub static CATALOG: &[Code] = &[$(Code::$name),*];
    };
}

catalog! {
    /// 400: the request is malformed or contains invalid parameters.
    INVALID_REQUEST = (400, false, InvalidRequest, "The request is malformed or contains invalid parameters");
    /// 400: the body is not valid JSON (or not valid in its declared format).
    INVALID_FORMAT = (400, false, InvalidRequest, "The request body is not valid JSON");
    /// 400: a required parameter is missing.
    MISSING_PARAMETER = (400, false, InvalidRequest, "A required parameter is missing");
    /// 400: a parameter has an invalid value.
    INVALID_PARAMETER = (400, false, InvalidRequest, "A parameter has an invalid value");
    /// 400: the account balance is below the minimum required.
    INSUFFICIENT_BALANCE = (400, false, InvalidRequest, "Account balance is below the minimum required");
    /// 401: no credentials were provided.
    AUTHENTICATION_REQUIRED = (401, false, Authentication, "Authentication credentials were not provided");
    /// 401: the credentials were not accepted.
    AUTHENTICATION_FAILED = (401, false, Authentication, "Authentication failed");
    /// 401: the API key is unknown or malformed.
    INVALID_API_KEY = (401, false, Authentication, "The provided API key is invalid");
    /// 401: the API key has expired.
    EXPIRED_API_KEY = (401, false, Authentication, "The API key has expired");
    /// 401: the API key has been revoked.
    REVOKED_API_KEY = (401, false, Authentication, "The API key has been revoked");
    /// 401: the bearer token is malformed, has a bad signature, or has expired.
    INVALID_TOKEN = (401, false, Authentication, "The access token is invalid or has expired");
    /// 403: the request is outside the credential's scope (e.g. another business).
    PERMISSION_DENIED = (403, false, Authorization, "You do not have permission to access this resource");
    /// 403: the credential lacks a required permission.
    INSUFFICIENT_PERMISSIONS = (403, false, Authorization, "The credential does not have the required permissions");
    /// 403: the account is suspended.
    SUSPENDED_ACCOUNT = (403, false, Authorization, "The account has been suspended");
    /// 404: no such route.
    NOT_FOUND = (404, false, NotFound, "The requested URL was not found");
    /// 404: no such resource.
    RESOURCE_NOT_FOUND = (404, false, NotFound, "The requested resource was not found");
    /// 405: the route exists, but not for this method (sent with an `Allow` header).
    METHOD_NOT_ALLOWED = (405, false, MethodNotAllowed, "The method is not allowed for this URL");
    /// 409: the request conflicts with the resource's state.
    CONFLICT = (409, false, Conflict, "The request conflicts with the current state of the resource");
    /// 409: a resource with this external_id exists (its id is in the details).
    DUPLICATE_EXTERNAL_ID = (409, false, Conflict, "A resource with this external_id already exists");
    /// 409: a request with this idempotency key is still in flight; retry later.
    IDEMPOTENCY_KEY_IN_USE = (409, true, Conflict, "A request with this idempotency key is still being processed");
    /// 413: the body is too large.
    PAYLOAD_TOO_LARGE = (413, false, PayloadTooLarge, "The request body is too large");
    /// 415: the body's media type is not supported.
    UNSUPPORTED_MEDIA_TYPE = (415, false, UnsupportedMediaType, "The request body's media type is not supported");
    /// 422: the body failed validation (per-field details).
    VALIDATION_ERROR = (422, false, Validation, "Request validation failed");
    /// 422: the idempotency key was used with a different request.
    IDEMPOTENCY_KEY_MISMATCH = (422, false, Validation, "This idempotency key was used with a different request");
    /// 429: too many requests (sent with `Retry-After`).
    RATE_LIMIT_EXCEEDED = (429, true, RateLimit, "Rate limit exceeded");
    /// 500: an internal error.
    INTERNAL_ERROR = (500, true, Server, "An internal server error occurred");
    /// 500: a database error.
    DATABASE_ERROR = (500, true, Server, "A database error occurred");
    /// 500: an external service failed.
    EXTERNAL_SERVICE_ERROR = (500, true, Server, "An external service error occurred");
    /// 500: a job failed; retrying the same request will not help.
    PROCESSING_FAILED = (500, false, Server, "Processing failed");
    /// 502: an upstream service answered badly.
    BAD_GATEWAY = (502, true, Upstream, "An upstream service failed");
    /// 503: temporarily unavailable (sent with `Retry-After`).
    SERVICE_UNAVAILABLE = (503, true, Unavailable, "The service is temporarily unavailable");
    /// 504: the request took too long.
    TIMEOUT = (504, true, Timeout, "The request timed out");
}

/// Whether `name` is `SCREAMING_SNAKE_CASE`: `[A-Z][A-Z0-9]*(_[A-Z0-9]+)*`, at most 64 bytes.
pub fn is_screaming_snake(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 64 || !b[0].is_ascii_uppercase() || b[b.len() - 1] == b'_' {
        return false;
    }
    let mut prev_underscore = false;
    for &c in b {
        match c {
            b'A'..=b'Z' | b'0'..=b'9' => prev_underscore = false,
            b'_' if !prev_underscore => prev_underscore = true,
            _ => return false,
        }
    }
    true
}

/// Whether a status alone says a retry may succeed (408, 429, 500, 502, 503, 504).
pub fn status_is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

impl Code {
    /// An application-defined code. The name must be `SCREAMING_SNAKE_CASE` and the status 4xx or 5xx.
    ///
    /// ```
    /// use backstop::Code;
    /// use http::StatusCode;
    /// let code = Code::custom("CARD_DECLINED", StatusCode::PAYMENT_REQUIRED, false).unwrap();
    /// assert_eq!(code.name(), "CARD_DECLINED");
    /// assert!(Code::custom("card-declined", StatusCode::BAD_REQUEST, false).is_err());
    /// ```
    pub fn custom(
        name: impl Into<Cow<'static, str>>,
        status: StatusCode,
        retryable: bool,
    ) -> Result<Code, InvalidCode> {
        let name = name.into();
        if !is_screaming_snake(&name) {
            return Err(InvalidCode::NotScreamingSnake(name.into_owned()));
        }
        if !(status.is_client_error() || status.is_server_error()) {
            return Err(InvalidCode::NotAnErrorStatus(status.as_u16()));
        }
        let message = Cow::Owned(default_message_for(&name, status));
        Ok(Code {
            name,
            status,
            retryable,
            category: Category::for_status(status),
            message,
        })
    }

    /// `<RESOURCE>_NOT_FOUND` (404, not retryable) for a resource name such as `"invoice"` or
    /// `"api key"`: letters and digits are upper-cased, anything else becomes one underscore.
    ///
    /// ```
    /// use backstop::Code;
    /// assert_eq!(Code::not_found_for("invoice").name(), "INVOICE_NOT_FOUND");
    /// assert_eq!(Code::not_found_for("api key").name(), "API_KEY_NOT_FOUND");
    /// ```
    pub fn not_found_for(resource: &str) -> Code {
        let mut name = String::with_capacity(resource.len() + 10);
        for c in resource.chars() {
            if c.is_ascii_alphanumeric() {
                name.push(c.to_ascii_uppercase());
            } else if !name.is_empty() && !name.ends_with('_') {
                name.push('_');
            }
            if name.len() >= 54 {
                break;
            }
        }
        let name = name.trim_end_matches('_');
        let name = if name.is_empty() || !name.as_bytes()[0].is_ascii_uppercase() {
            "RESOURCE_NOT_FOUND".to_owned()
        } else {
            format!("{name}_NOT_FOUND")
        };
        let message = Cow::Owned(format!(
            "The requested {} was not found",
            resource.trim().to_ascii_lowercase()
        ));
        Code {
            name: Cow::Owned(name),
            status: StatusCode::NOT_FOUND,
            retryable: false,
            category: Category::NotFound,
            message,
        }
    }

    /// The catalog code with this name, if any. Accepts the `lower_snake` spelling of the flat profile too.
    pub fn from_catalog(name: &str) -> Option<Code> {
        Self::catalog_entry(name).cloned()
    }

    /// The catalog entry with this name (any ASCII case), without cloning it.
    pub(crate) fn catalog_entry(name: &str) -> Option<&'static Code> {
        CATALOG.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The generic code for a status: the catalog's own where it has one (`404` gives `NOT_FOUND`,
    /// `401` `AUTHENTICATION_REQUIRED`…), otherwise one built from the reason phrase (`410` gives `GONE`).
    pub fn for_status(status: StatusCode) -> Code {
        let known = match status.as_u16() {
            400 => Some(Code::INVALID_REQUEST),
            401 => Some(Code::AUTHENTICATION_FAILED),
            403 => Some(Code::PERMISSION_DENIED),
            404 => Some(Code::NOT_FOUND),
            405 => Some(Code::METHOD_NOT_ALLOWED),
            409 => Some(Code::CONFLICT),
            413 => Some(Code::PAYLOAD_TOO_LARGE),
            415 => Some(Code::UNSUPPORTED_MEDIA_TYPE),
            422 => Some(Code::VALIDATION_ERROR),
            429 => Some(Code::RATE_LIMIT_EXCEEDED),
            500 => Some(Code::INTERNAL_ERROR),
            502 => Some(Code::BAD_GATEWAY),
            503 => Some(Code::SERVICE_UNAVAILABLE),
            504 => Some(Code::TIMEOUT),
            _ => None,
        };
        if let Some(code) = known {
            return code;
        }
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        let name: String = match status.canonical_reason() {
            Some(reason) => {
                let mut n = String::with_capacity(reason.len());
                for c in reason.chars() {
                    if c.is_ascii_alphanumeric() {
                        n.push(c.to_ascii_uppercase());
                    } else if !n.ends_with('_') {
                        n.push('_');
                    }
                }
                n.trim_matches('_').to_owned()
            }
            None => format!("HTTP_{}", status.as_u16()),
        };
        let name = if is_screaming_snake(&name) {
            name
        } else {
            format!("HTTP_{}", status.as_u16())
        };
        let message = Cow::Owned(default_message_for(&name, status));
        Code {
            name: Cow::Owned(name),
            status,
            retryable: status_is_retryable(status),
            category: Category::for_status(status),
            message,
        }
    }

    /// The code's `SCREAMING_SNAKE_CASE` name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The code's HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether a client may retry the same request unchanged.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// The code's family.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The default human-readable message, used when an error is built without one.
    pub fn default_message(&self) -> &str {
        &self.message
    }

    /// The default message, cheaply cloned (catalog messages are borrowed).
    pub(crate) fn message_cow(&self) -> Cow<'static, str> {
        self.message.clone()
    }

    /// Whether this code is one of the catalog's.
    pub fn is_catalog(&self) -> bool {
        CATALOG.iter().any(|c| c.name == self.name)
    }

    /// The same code with another default message.
    pub fn with_default_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = message.into();
        self
    }

    /// The `lower_snake` spelling used by the flat profile.
    pub fn lower_snake(&self) -> String {
        self.name.to_ascii_lowercase()
    }

    /// Builds a code from a decoded name: the catalog's own entry when there is one, otherwise a code
    /// with the response's status and the status's retryability (a body's own `retryable` is kept on
    /// the error, not on the code). The name is spelled SCREAMING_SNAKE first ([`screaming_snake`]:
    /// `card_declined`, `BadArgument`, `out-of-credit` and `ResourceNotFoundException` all have one);
    /// a name that has none is replaced by the status's generic code.
    pub(crate) fn decoded(name: &str, status: StatusCode) -> Code {
        if let Some(code) = Code::catalog_entry(name) {
            return code.clone();
        }
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        let Some(upper) = screaming_snake(name) else {
            return Code::for_status(status);
        };
        if let Some(code) = Code::catalog_entry(&upper) {
            return code.clone();
        }
        match Code::custom(upper, status, status_is_retryable(status)) {
            Ok(code) => code,
            Err(_) => Code::for_status(status),
        }
    }
}

/// A decoded code name spelled `SCREAMING_SNAKE_CASE`, or `None` when it cannot be (empty, over 64
/// bytes once spelled, no letter first, or characters other than ASCII letters, digits and the
/// separators `_`, `-`, `.`, space).
///
/// Providers spell codes in every case: `card_declined` (Stripe), `BadArgument` (Microsoft),
/// `ResourceNotFoundException` (AWS), `out-of-credit` (an RFC 9457 type). Words are split at
/// separators, at a lower-case letter or digit followed by an upper-case one, and before the last
/// capital of a run of capitals followed by a lower-case letter (`HTTPError` gives `HTTP_ERROR`).
///
/// ```
/// use backstop::screaming_snake;
/// assert_eq!(screaming_snake("card_declined").as_deref(), Some("CARD_DECLINED"));
/// assert_eq!(screaming_snake("BadArgument").as_deref(), Some("BAD_ARGUMENT"));
/// assert_eq!(screaming_snake("ResourceNotFoundException").as_deref(), Some("RESOURCE_NOT_FOUND_EXCEPTION"));
/// assert_eq!(screaming_snake("out-of-credit").as_deref(), Some("OUT_OF_CREDIT"));
/// assert_eq!(screaming_snake("HTTPError").as_deref(), Some("HTTP_ERROR"));
/// assert_eq!(screaming_snake("INVALID_ARGUMENT").as_deref(), Some("INVALID_ARGUMENT"));
/// assert_eq!(screaming_snake("<script>"), None);
/// ```
pub fn screaming_snake(name: &str) -> Option<String> {
    if is_screaming_snake(name) {
        return Some(name.to_owned());
    }
    let b = name.trim().as_bytes();
    if b.is_empty() || b.len() > 64 {
        return None;
    }
    let mut out = String::with_capacity(b.len() + 8);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'_' | b'-' | b'.' | b' ' => {
                if !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
            }
            b'A'..=b'Z' => {
                let prev = i.checked_sub(1).map(|j| b[j]);
                let next = b.get(i + 1).copied();
                let boundary = match prev {
                    Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                    Some(p) if p.is_ascii_uppercase() => {
                        next.is_some_and(|n| n.is_ascii_lowercase())
                    }
                    _ => false,
                };
                if boundary && !out.ends_with('_') {
                    out.push('_');
                }
                out.push(c as char);
            }
            b'a'..=b'z' | b'0'..=b'9' => out.push(c.to_ascii_uppercase() as char),
            _ => return None,
        }
    }
    let out = out.trim_end_matches('_');
    is_screaming_snake(out).then(|| out.to_owned())
}

fn default_message_for(name: &str, status: StatusCode) -> String {
    if name.ends_with("_NOT_FOUND") {
        let resource = name.trim_end_matches("_NOT_FOUND").replace('_', " ");
        return format!(
            "The requested {} was not found",
            resource.to_ascii_lowercase()
        );
    }
    status
        .canonical_reason()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP error {}", status.as_u16()))
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.status.as_u16())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_codes_are_screaming_snake_and_unique() {
        for (i, c) in CATALOG.iter().enumerate() {
            assert!(is_screaming_snake(c.name()), "{}", c.name());
            assert!(CATALOG[..i].iter().all(|o| o.name() != c.name()));
        }
        assert_eq!(CATALOG.len(), 32);
    }

    #[test]
    fn screaming_snake_rules() {
        for ok in ["A", "NOT_FOUND", "HTTP_404", "A1_B2"] {
            assert!(is_screaming_snake(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "_A",
            "A_",
            "A__B",
            "1A",
            "A-B",
            "Ä",
            &"A".repeat(65),
        ] {
            assert!(!is_screaming_snake(bad), "{bad}");
        }
    }

    #[test]
    fn for_status_builds_names_from_reason_phrases() {
        assert_eq!(Code::for_status(StatusCode::GONE).name(), "GONE");
        assert_eq!(
            Code::for_status(StatusCode::REQUEST_TIMEOUT).name(),
            "REQUEST_TIMEOUT"
        );
        assert!(Code::for_status(StatusCode::REQUEST_TIMEOUT).is_retryable());
        assert_eq!(
            Code::for_status(StatusCode::IM_A_TEAPOT).name(),
            "I_M_A_TEAPOT"
        );
        assert_eq!(
            Code::for_status(StatusCode::from_u16(599).unwrap()).name(),
            "HTTP_599"
        );
    }

    #[test]
    fn not_found_for_handles_odd_names() {
        assert_eq!(Code::not_found_for("").name(), "RESOURCE_NOT_FOUND");
        assert_eq!(Code::not_found_for("9lives").name(), "RESOURCE_NOT_FOUND");
        assert_eq!(Code::not_found_for("  job  ").name(), "JOB_NOT_FOUND");
        assert!(is_screaming_snake(
            Code::not_found_for(&"x".repeat(500)).name()
        ));
    }
}
