//! The contract's own four profiles (docs/CONTRACT.md §2.2) and the seeds' variants of them.

use std::borrow::Cow;

use super::parts::{Parts, field_and_message, flag, violations};
use super::raw::{ErrorMember, Many, Obj, text};
use crate::details::Details;

/// `{"error": {"code", "message", "details", "request_id", "timestamp", "retryable"}}`, seed 003's
/// minimal `{"error": {"code", "message"}}` and seed 002's `{"error": {"status", "message"}}`.
pub(crate) fn nested(inner: Obj<'_>) -> Option<Parts<'_>> {
    let code = text(inner.code);
    let message = text(inner.message).or(match inner.error {
        Some(ErrorMember::Message(m)) => Some(m),
        _ => None,
    });
    if code.is_none() && message.is_none() {
        return None;
    }
    Some(Parts {
        code,
        message,
        details: map_details(inner.details),
        request_id: text(inner.request_id),
        timestamp: text(inner.timestamp),
        retryable: flag(inner.retryable),
        ..Parts::default()
    })
}

/// `{"error": message, "error_code": lower_snake, "details", "request_id", ...}` (seeds 000, 001).
pub(crate) fn flat<'de>(top: Obj<'de>, error_message: Option<Cow<'de, str>>) -> Parts<'de> {
    Parts {
        code: text(top.error_code),
        message: error_message.or_else(|| text(top.message)),
        details: map_details(top.details),
        request_id: text(top.request_id),
        timestamp: text(top.timestamp),
        retryable: flag(top.retryable),
        ..Parts::default()
    }
}

/// `{"status", "error": reason phrase, "message", "code", ...}` (seed 002), and the loosest shapes:
/// `{"code", "message"}` at the top level, `{"message"}` or `{"error": "message"}` alone. `None`
/// when there is neither a code nor a message.
pub(crate) fn status<'de>(
    top: Obj<'de>,
    error_message: Option<Cow<'de, str>>,
) -> Option<Parts<'de>> {
    let code = text(top.code);
    let message = text(top.message).or(error_message);
    if code.is_none() && message.is_none() {
        return None;
    }
    let details = match top.errors {
        // A list of field errors beside a message (many hand-written APIs).
        Some(Many::List(items)) => {
            let v = violations(&items, field_and_message);
            (!v.is_empty()).then_some(Details::Fields(v))
        }
        Some(Many::Map(d)) => Some(d),
        _ => None,
    }
    .or_else(|| map_details(top.details));
    Some(Parts {
        code,
        message,
        details,
        request_id: text(top.request_id),
        timestamp: text(top.timestamp),
        retryable: flag(top.retryable),
        ..Parts::default()
    })
}

/// A `details` object (a field map or context); other shapes of `details` are not the profiles'.
fn map_details(d: Option<Many<'_>>) -> Option<Details> {
    match d {
        Some(Many::Map(d)) => Some(d),
        _ => None,
    }
}
