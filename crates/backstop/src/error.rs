//! [`ApiError`]: one error, whatever layer raised it, with a builder that reads well at the call site.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::code::Code;
use crate::details::{Details, FieldViolations};
use crate::text::Text;

/// A boxed error kept as an [`ApiError`]'s source.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An API error: code, message, details, request id, timestamp, retry hint, and an optional source
/// error that is kept for logging and never serialized.
///
/// ```
/// use backstop::{ApiError, Code};
/// use std::time::Duration;
///
/// let e = ApiError::validation()
///     .with_field("email", "Enter a valid email address.")
///     .with_field("items[2].amount", "Must be at least 0");
/// assert_eq!(e.code(), &Code::VALIDATION_ERROR);
/// assert_eq!(e.details().unwrap().fields().unwrap().len(), 2);
///
/// let e = ApiError::not_found("invoice", "inv_9");
/// assert_eq!(e.code().name(), "INVOICE_NOT_FOUND");
///
/// let e = ApiError::rate_limited(Duration::from_secs(17));
/// assert!(e.is_retryable());
///
/// let io = std::io::Error::other("connection refused by db-7.internal:5432");
/// let e = ApiError::internal(io);
/// assert!(!e.message().contains("db-7"), "the source never reaches the message");
/// ```
pub struct ApiError(Box<Inner>);

struct Inner {
    code: Code,
    status: StatusCode,
    message: Text,
    details: Option<Details>,
    request_id: Option<String>,
    timestamp: Option<OffsetDateTime>,
    retry_after: Option<Duration>,
    /// An explicit "retry" or "do not retry" (a decoded body's `retryable`, `Stripe-Should-Retry`, or
    /// [`ApiError::with_retryable`]); `None` leaves it to the rule.
    retryable: Option<bool>,
    source: Option<BoxError>,
    body_excerpt: Option<String>,
    /// The language of the message (`Content-Language`), when known.
    language: Option<String>,
}

impl ApiError {
    /// An error with this code, its status, retryability and default message, stamped now.
    pub fn new(code: Code) -> Self {
        ApiError(Box::new(Inner {
            status: code.status(),
            retryable: None,
            message: code.message_cow().into(),
            code,
            details: None,
            request_id: None,
            timestamp: Some(OffsetDateTime::now_utc()),
            retry_after: None,
            source: None,
            body_excerpt: None,
            language: None,
        }))
    }

    /// An error with no timestamp, for decoding (skips reading the clock).
    pub(crate) fn unstamped(code: Code) -> Self {
        ApiError(Box::new(Inner {
            status: code.status(),
            retryable: None,
            message: code.message_cow().into(),
            code,
            details: None,
            request_id: None,
            timestamp: None,
            retry_after: None,
            source: None,
            body_excerpt: None,
            language: None,
        }))
    }

    /// 422 `VALIDATION_ERROR`; add fields with [`with_field`](Self::with_field).
    pub fn validation() -> Self {
        Self::new(Code::VALIDATION_ERROR)
    }

    /// 422 `VALIDATION_ERROR` carrying these violations.
    pub fn from_violations(violations: FieldViolations) -> Self {
        Self::new(Code::VALIDATION_ERROR).with_details(Details::Fields(violations))
    }

    /// 404 `<RESOURCE>_NOT_FOUND` with details `{"resource": resource, "id": id}`.
    pub fn not_found(resource: &str, id: impl fmt::Display) -> Self {
        Self::new(Code::not_found_for(resource))
            .with_detail("resource", resource)
            .with_detail("id", id.to_string())
    }

    /// 500 `INTERNAL_ERROR` keeping `source` for the log; the client sees only the catalog message.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::new(Code::INTERNAL_ERROR).with_source(source)
    }

    /// 429 `RATE_LIMIT_EXCEEDED` with `Retry-After`.
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self::new(Code::RATE_LIMIT_EXCEEDED).with_retry_after(retry_after)
    }

    /// 503 `SERVICE_UNAVAILABLE` with `Retry-After`.
    pub fn unavailable(retry_after: Duration) -> Self {
        Self::new(Code::SERVICE_UNAVAILABLE).with_retry_after(retry_after)
    }

    /// The generic error for a status (see [`Code::for_status`]). A status that is not 4xx or 5xx
    /// gives 500 `INTERNAL_ERROR`: an error always carries an error status.
    pub fn from_status(status: StatusCode) -> Self {
        let mut e = Self::new(Code::for_status(status));
        if status.is_client_error() || status.is_server_error() {
            e.0.status = status;
        }
        e
    }

    /// Replaces the human-readable message. It is shown to clients: never put internals in it.
    pub fn with_message(mut self, message: impl Into<Text>) -> Self {
        self.0.message = message.into();
        self
    }

    /// Replaces the message in place (see [`with_message`](Self::with_message)).
    pub fn set_message(&mut self, message: impl Into<Text>) {
        self.0.message = message.into();
    }

    /// Notes the language the message is in (a decoded response's `Content-Language`; the server
    /// side's localization).
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.0.language = Some(language.into());
        self
    }

    /// Notes the language the message is in, in place (see [`with_language`](Self::with_language)).
    pub fn set_language(&mut self, language: impl Into<String>) {
        self.0.language = Some(language.into());
    }

    /// The language the message (and the field-violation messages) are in, when known: on a decoded
    /// error, the response's `Content-Language` (docs/CONTRACT.md §13).
    pub fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }

    /// The details, to change in place (a localization pass, say).
    pub fn details_mut(&mut self) -> Option<&mut Details> {
        self.0.details.as_mut()
    }

    /// Adds a field violation (turning the details into a field map if they were empty).
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<Text>) -> Self {
        match &mut self.0.details {
            Some(Details::Fields(f)) => f.add(field, message),
            Some(Details::Context(c)) => {
                let entry = c
                    .entry(field.into())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = entry {
                    a.push(Value::String(message.into().into_string()));
                }
            }
            None => {
                let mut f = FieldViolations::new();
                f.add(field, message);
                self.0.details = Some(Details::Fields(f));
            }
        }
        self
    }

    /// Adds a context entry to the details (turning a field map into context if needed).
    pub fn with_detail(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        let key = key.into();
        let value = value.into();
        match &mut self.0.details {
            Some(Details::Context(c)) => {
                c.insert(key, value);
            }
            other => {
                let mut c = Map::new();
                if let Some(Details::Fields(f)) = other.take() {
                    for (field, msgs) in f.iter() {
                        c.insert(
                            field.to_owned(),
                            Value::from(msgs.iter().map(Text::as_str).collect::<Vec<_>>()),
                        );
                    }
                }
                c.insert(key, value);
                *other = Some(Details::Context(c));
            }
        }
        self
    }

    /// Replaces the details.
    pub fn with_details(mut self, details: Details) -> Self {
        self.0.details = Some(details);
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// Sets (or, with `None`, clears) the timestamp.
    pub fn with_timestamp(mut self, timestamp: Option<OffsetDateTime>) -> Self {
        self.0.timestamp = timestamp;
        self
    }

    /// Sets when the client may come back (`Retry-After`).
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.0.retry_after = Some(retry_after);
        self
    }

    /// Keeps a source error for the log. It is never serialized.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Overrides the HTTP status (for example a wire profile that answers validation errors with 400).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.0.status = status;
        self
    }

    /// Says explicitly whether a client may retry, overriding the code and the status (step 1 of the
    /// rule, [`is_retryable`](crate::is_retryable)).
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = Some(retryable);
        self
    }

    pub(crate) fn set_body_excerpt(&mut self, excerpt: Option<String>) {
        self.0.body_excerpt = excerpt;
    }

    /// Sets the request id in place.
    pub fn set_request_id(&mut self, request_id: impl Into<String>) {
        self.0.request_id = Some(request_id.into());
    }

    /// The code.
    pub fn code(&self) -> &Code {
        &self.0.code
    }

    /// The HTTP status (the code's, unless overridden).
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The message as it is held (a literal, a shared translation, or owned).
    pub(crate) fn message_text(&self) -> &Text {
        &self.0.message
    }

    /// The details, if any.
    pub fn details(&self) -> Option<&Details> {
        self.0.details.as_ref().filter(|d| !d.is_empty())
    }

    /// The request id, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// When the error occurred.
    pub fn timestamp(&self) -> Option<OffsetDateTime> {
        self.0.timestamp
    }

    /// When the client may come back, if known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Whether a client may retry the same request unchanged: the contract's one rule
    /// ([`is_retryable`](crate::is_retryable), docs/CONTRACT.md §11.1) applied to this error's explicit
    /// signal, code and status. The server writes this value as the `retryable` member.
    pub fn is_retryable(&self) -> bool {
        crate::retry::rule(self.0.status, Some(&self.0.code), self.0.retryable)
    }

    /// The explicit retry signal, if there was one (see [`with_retryable`](Self::with_retryable)).
    pub fn explicit_retryable(&self) -> Option<bool> {
        self.0.retryable
    }

    /// The source error kept for logging.
    pub fn source_error(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        self.0.source.as_deref()
    }

    /// For a decoded error whose body was not recognised: a bounded, printable excerpt of the raw body.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.0.body_excerpt.as_deref()
    }

    /// A copy without the source error (which cannot be cloned).
    pub fn clone_without_source(&self) -> Self {
        ApiError(Box::new(Inner {
            code: self.0.code.clone(),
            status: self.0.status,
            message: self.0.message.clone(),
            details: self.0.details.clone(),
            request_id: self.0.request_id.clone(),
            timestamp: self.0.timestamp,
            retry_after: self.0.retry_after,
            retryable: self.0.retryable,
            source: None,
            body_excerpt: self.0.body_excerpt.clone(),
            language: self.0.language.clone(),
        }))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code.name(), self.0.message)
    }
}

/// Debug shows what a client sees plus whether a source is kept; the source itself is shown by
/// `Display` of [`source_error`](ApiError::source_error) in logs, never here.
impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.0.code)
            .field("status", &self.0.status.as_u16())
            .field("message", &self.0.message)
            .field("details", &self.0.details)
            .field("request_id", &self.0.request_id)
            .field("language", &self.0.language)
            .field("retry_after", &self.0.retry_after)
            .field("retryable", &self.is_retryable())
            .field("has_source", &self.0.source.is_some())
            .finish()
    }
}

impl StdError for ApiError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<Code> for ApiError {
    fn from(code: Code) -> Self {
        ApiError::new(code)
    }
}

impl From<FieldViolations> for ApiError {
    fn from(v: FieldViolations) -> Self {
        ApiError::from_violations(v)
    }
}
