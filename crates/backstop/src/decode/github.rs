//! GitHub's REST API: `{"message": "Validation Failed", "errors": [{"resource", "field", "code",
//! "message"}], "documentation_url", "status": "422"}`.
//!
//! GitHub sends no error code: the code comes from the status (422 gives `VALIDATION_ERROR`). Each
//! `errors` item is a field violation: its `field` (or `""`) with its `message`, or its `code`
//! (`missing_field`, `invalid`, `already_exists`) when it has none. The request id is the
//! `X-GitHub-Request-Id` header.

use super::parts::{Parts, field_and_message, violations};
use super::raw::{Many, Obj, text};

/// A top-level object is GitHub's when it has `documentation_url`, or a `message` beside a list of
/// `errors` and no code.
pub(crate) fn matches(top: &Obj<'_>) -> bool {
    top.documentation_url.is_some()
        || (top.message.is_some()
            && top.code.is_none()
            && matches!(top.errors, Some(Many::List(_))))
}

pub(crate) fn parts(top: Obj<'_>) -> Parts<'_> {
    let mut parts = Parts {
        message: text(top.message),
        ..Parts::default()
    };
    if let Some(Many::List(items)) = &top.errors {
        parts.fields(violations(items, field_and_message));
    }
    parts
}
