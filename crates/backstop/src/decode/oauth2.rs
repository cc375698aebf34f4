//! OAuth2 token endpoints (RFC 6749 §5.2): `{"error": "invalid_client", "error_description": "…",
//! "error_uri": "…"}`, with the contract's `code`, `request_id`, `timestamp` and `retryable` when a
//! backstop server sends it (docs/CONTRACT.md §7.4).
//!
//! The code is the contract's `code` when there is one, else RFC 6749's `error` (`invalid_client`
//! becomes `INVALID_CLIENT`); the message is `error_description`.

use std::borrow::Cow;

use super::parts::{Parts, flag};
use super::raw::{Obj, text};

/// A top-level object is an OAuth2 error when it has `error_description` beside a string `error`.
pub(crate) fn matches(top: &Obj<'_>, error: Option<&str>) -> bool {
    top.error_description.is_some() && error.is_some()
}

pub(crate) fn parts<'de>(top: Obj<'de>, error: Option<Cow<'de, str>>) -> Parts<'de> {
    Parts {
        code: text(top.code).or(error),
        message: text(top.error_description),
        request_id: text(top.request_id),
        timestamp: text(top.timestamp),
        retryable: flag(top.retryable),
        ..Parts::default()
    }
}
