//! Google's AIP-193 errors: `{"error": {"code": 400, "message", "status": "INVALID_ARGUMENT",
//! "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason", ...}, ...]}}`.
//!
//! The code is `ErrorInfo.reason` (the machine-readable identifier AIP-193 asks clients to use), else
//! `status` (the canonical gRPC code name). `BadRequest.fieldViolations` become field violations,
//! `RetryInfo.retryDelay` the retry delay, `RequestInfo.requestId` the request id.

use std::time::Duration;

use super::parts::{Parts, decimal_duration, violations};
use super::raw::{Item, Many, Obj, Text, text};

const TYPE_PREFIX: &str = "type.googleapis.com/google.rpc.";

/// A nested error object is Google's when its `status` is a name (not a number) or its `details`
/// are typed (`@type`).
pub(crate) fn matches(inner: &Obj<'_>) -> bool {
    let named_status = inner
        .status
        .as_ref()
        .and_then(Text::as_str)
        .is_some_and(|s| s.parse::<u16>().is_err());
    let typed_details = matches!(&inner.details, Some(Many::List(items))
        if items.iter().any(|i| i.at_type.as_ref().and_then(Text::as_str).is_some_and(|t| t.starts_with(TYPE_PREFIX))));
    named_status || typed_details
}

pub(crate) fn parts(inner: Obj<'_>) -> Parts<'_> {
    let items = match inner.details {
        Some(Many::List(items)) => items,
        _ => Vec::new(),
    };
    let mut parts = Parts {
        message: text(inner.message),
        ..Parts::default()
    };
    let mut reason = None;
    let mut fields = Vec::new();
    for item in items {
        let Some(kind) = item
            .at_type
            .as_ref()
            .and_then(Text::as_str)
            .and_then(|t| t.strip_prefix(TYPE_PREFIX))
        else {
            continue;
        };
        match kind {
            "ErrorInfo" => reason = reason.or(text(item.reason)),
            "BadRequest" => fields.extend(item.field_violations.unwrap_or_default()),
            "RetryInfo" => {
                parts.retry_after = parts.retry_after.or_else(|| {
                    item.retry_delay
                        .as_ref()
                        .and_then(Text::as_str)
                        .and_then(proto_duration)
                })
            }
            "RequestInfo" => parts.request_id = parts.request_id.or(text(item.request_id)),
            _ => {}
        }
    }
    parts.code = reason.or_else(|| text(inner.status));
    parts.fields(violations(&fields, field_violation));
    parts
}

/// `{"field": "email", "description": "..."}`.
fn field_violation<'a>(v: &'a Item<'_>) -> Option<(String, &'a str)> {
    let message = v
        .description
        .as_ref()
        .and_then(Text::as_str)
        .or_else(|| v.message_text())?;
    Some((v.field_path().unwrap_or_default(), message))
}

/// A `google.protobuf.Duration` in its JSON form: decimal seconds with an `s` suffix (`"30s"`,
/// `"1.500s"`).
fn proto_duration(s: &str) -> Option<Duration> {
    decimal_duration(s.strip_suffix('s')?, Duration::from_secs(1))
}
