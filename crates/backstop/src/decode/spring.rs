//! Spring Boot's default error body (`DefaultErrorAttributes`): `{"timestamp", "status": 404,
//! "error": "Not Found", "path", "message"?, "errors"?, "requestId"?}`. `message` is empty unless
//! `server.error.include-message` is set, and `errors` (binding errors: `field`,
//! `defaultMessage`) appear with `server.error.include-binding-errors`.
//!
//! Spring sends no error code: the code comes from the status. The message is `message` when it says
//! something, else `error` (the reason phrase). `requestId` (WebFlux) is the request id.

use std::borrow::Cow;

use super::parts::{Parts, field_and_message, violations};
use super::raw::{Many, Obj, Text, text};

/// Spring's placeholder when the message is hidden.
const NO_MESSAGE: &str = "No message available";

/// A top-level object is Spring's when it has a numeric `status`, an `error` string, a `path` or a
/// `timestamp`, and no code.
pub(crate) fn matches(top: &Obj<'_>, error_message: Option<&str>) -> bool {
    matches!(top.status, Some(Text::Int(_)))
        && error_message.is_some()
        && (top.path.is_some() || top.timestamp.is_some())
        && top.code.is_none()
}

pub(crate) fn parts<'de>(top: Obj<'de>, error_message: Option<Cow<'de, str>>) -> Parts<'de> {
    let message = text(top.message)
        .filter(|m| !m.trim().is_empty() && m != NO_MESSAGE)
        .or(error_message);
    let mut parts = Parts {
        message,
        request_id: text(top.request_id),
        timestamp: text(top.timestamp),
        ..Parts::default()
    };
    if let Some(Many::List(items)) = &top.errors {
        parts.fields(violations(items, field_and_message));
    }
    parts
}
