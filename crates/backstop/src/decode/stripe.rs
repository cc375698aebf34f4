//! Stripe: `{"error": {"type": "card_error", "code": "card_declined", "decline_code", "message",
//! "param", "doc_url", "request_log_url"}}`.
//!
//! The code is `code`, else `type` (`invalid_request_error`, `api_error`, ...). `param` names the
//! field of the message. The request id is the `Request-Id` header, else the `req_...` at the end of
//! `request_log_url`. `Stripe-Should-Retry` is read with the other headers (`super::headers`).

use super::parts::Parts;
use super::raw::{Obj, Text, text};
use crate::details::FieldViolations;

/// A nested error object is Stripe's when it has a `type` (no other nested shape has one) or any
/// of Stripe's own members.
pub(crate) fn matches(inner: &Obj<'_>) -> bool {
    inner.type_.as_ref().and_then(Text::as_str).is_some()
        || inner.doc_url.is_some()
        || inner.request_log_url.is_some()
        || inner.decline_code.is_some()
}

pub(crate) fn parts(inner: Obj<'_>) -> Parts<'_> {
    let message = text(inner.message);
    let mut fields = FieldViolations::new();
    if let (Some(param), Some(message)) = (
        inner
            .param
            .as_ref()
            .and_then(Text::as_str)
            .filter(|p| !p.is_empty()),
        &message,
    ) {
        fields.add(param, message.to_string());
    }
    let request_id = inner
        .request_log_url
        .as_ref()
        .and_then(Text::as_str)
        .and_then(request_id_from_log_url)
        .map(|id| std::borrow::Cow::Owned(id.to_owned()));
    let mut parts = Parts {
        code: text(inner.code).or_else(|| text(inner.type_)),
        message,
        request_id,
        ..Parts::default()
    };
    parts.fields(fields);
    parts
}

/// `https://dashboard.stripe.com/test/logs/req_xyz?t=1700000000` gives `req_xyz`.
fn request_id_from_log_url(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    (last.starts_with("req_") && crate::request_id::is_valid_request_id(last)).then_some(last)
}
