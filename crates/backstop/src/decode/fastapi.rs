//! FastAPI / pydantic: `{"detail": [{"loc": ["body", "items", 2, "amount"], "msg", "type"}]}` for
//! request validation (422), and `{"detail": "Item not found"}` for an `HTTPException` (a shape
//! Django REST framework uses too for its non-field errors).
//!
//! FastAPI sends no error code: the code comes from the status (422 gives `VALIDATION_ERROR`). A
//! `loc` becomes a field path, without its leading source (`body`, `query`, `path`, `header`,
//! `cookie`): `items[2].amount`.

use super::parts::{Parts, field_and_message, violations};
use super::raw::{Many, Obj};

/// A top-level object is FastAPI's when its `detail` is a list, or a string with no problem members.
pub(crate) fn matches(top: &Obj<'_>) -> bool {
    matches!(top.detail, Some(Many::List(_) | Many::Text(_)))
}

pub(crate) fn parts(top: Obj<'_>) -> Parts<'_> {
    match top.detail {
        Some(Many::Text(message)) => Parts {
            message: Some(message),
            ..Parts::default()
        },
        Some(Many::List(items)) => {
            let mut parts = Parts::default();
            parts.fields(violations(&items, field_and_message));
            parts
        }
        _ => Parts::default(),
    }
}
