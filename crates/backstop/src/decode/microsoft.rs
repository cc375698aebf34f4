//! Microsoft's REST API guidelines: `{"error": {"code": "BadArgument", "message", "target",
//! "details": [{"code", "target", "message"}], "innererror": {"code", "innererror": {...}}}}`.
//!
//! The code is the top-level `code` (the small stable set every client must handle). `details` items
//! with a `target` become field violations; with no `details`, a top-level `target` names the field
//! of the message. The `innererror` chain's codes (more specific, optional to understand) are kept as
//! context `{"innererror": ["PasswordError", "PasswordDoesNotMeetPolicy"]}` when there are no field
//! violations.

use serde_json::{Map, Value};

use super::parts::{Parts, field_and_message, violations};
use super::raw::{Many, Obj, Text, text};
use crate::details::{Details, FieldViolations};

/// The most `innererror` levels followed.
const MAX_INNER: usize = 16;

/// A nested error object is Microsoft's when its code is a string and it has a `target`, an
/// `innererror` or a list of `details`.
pub(crate) fn matches(inner: &Obj<'_>) -> bool {
    inner.code.as_ref().and_then(Text::as_str).is_some()
        && (inner.target.is_some()
            || inner.innererror.is_some()
            || matches!(inner.details, Some(Many::List(_))))
}

pub(crate) fn parts(inner: Obj<'_>) -> Parts<'_> {
    let Obj {
        code,
        message,
        target,
        details,
        innererror,
        ..
    } = inner;
    let message = text(message);
    let mut fields = match &details {
        Some(Many::List(items)) => violations(items, field_and_message),
        _ => FieldViolations::new(),
    };
    if fields.is_empty()
        && let (Some(target), Some(message)) = (target.as_ref().and_then(Text::as_str), &message)
    {
        fields.add(target, message.to_string());
    }
    let mut chain = Vec::new();
    let mut next = innererror;
    while let Some(inner) = next {
        if chain.len() >= MAX_INNER {
            break;
        }
        if let Some(code) = inner.code.as_ref().and_then(Text::as_str) {
            chain.push(Value::String(code.to_owned()));
        }
        next = inner.innererror;
    }
    let details = if !fields.is_empty() {
        Some(Details::Fields(fields))
    } else if !chain.is_empty() {
        let mut m = Map::new();
        m.insert("innererror".to_owned(), Value::Array(chain));
        Some(Details::Context(m))
    } else {
        None
    };
    Parts {
        code: text(code),
        message,
        details,
        ..Parts::default()
    }
}
