//! Django REST framework's validation errors: the body is a field map, `{"email": ["Enter a valid
//! email address."], "non_field_errors": ["..."]}`, nested for nested serializers
//! (`{"address": {"city": ["..."]}}`) and lists (`{"items": [{}, {"qty": ["..."]}]}`).
//!
//! Tried last, on a JSON object none of the other shapes recognised: it must hold only messages
//! (strings, lists and objects of them) and at least one. The code is `VALIDATION_ERROR` for a 400 or
//! 422 (DRF answers validation errors with 400), else the status's. Keys are kept as DRF sends them
//! (`non_field_errors` included); nesting becomes a path (`address.city`, `items[1].qty`).

use serde_json::{Map, Value};

use super::parts::Parts;
use super::raw::MAX_ITEMS;
use crate::code::Code;
use crate::details::FieldViolations;

/// The field violations of a DRF body, or `None` when the body is not one.
pub(crate) fn parts(status: http::StatusCode, body: &[u8]) -> Option<Parts<'static>> {
    let map: Map<String, Value> = serde_json::from_slice(body).ok()?;
    let mut fields = FieldViolations::new();
    let mut count = 0;
    for (key, value) in &map {
        if !walk(key.clone(), value, &mut fields, &mut count) {
            return None;
        }
    }
    if fields.is_empty() {
        return None;
    }
    let mut parts = Parts::default();
    if matches!(status.as_u16(), 400 | 422) {
        parts.fallback_code = Some(Code::VALIDATION_ERROR);
    }
    parts.fields(fields);
    Some(parts)
}

/// Adds the messages under `path`; `false` when `value` holds something other than messages.
fn walk(path: String, value: &Value, out: &mut FieldViolations, count: &mut usize) -> bool {
    match value {
        Value::String(message) => {
            if *count < MAX_ITEMS {
                *count += 1;
                out.add(path, message.clone());
            }
            true
        }
        Value::Array(items) => items.iter().enumerate().all(|(i, item)| match item {
            Value::String(_) => walk(path.clone(), item, out, count),
            _ => walk(format!("{path}[{i}]"), item, out, count),
        }),
        Value::Object(members) => members.iter().all(|(k, v)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            walk(p, v, out, count)
        }),
        _ => false,
    }
}
