//! RFC 9457 problem details: `{"type", "title", "status", "detail", "instance"}` plus any extension
//! members (RFC 9457 §3.2).
//!
//! The code is the `code` extension (the contract's problem profile writes one), else the last
//! segment of the `type` URI (`https://example.com/probs/out-of-credit` gives `OUT_OF_CREDIT`;
//! `about:blank` and links to the HTTP RFCs, as ASP.NET Core writes, give the status's code). The
//! message is `detail`, else `title`. Field violations come from `errors`: a list of
//! `{"detail", "pointer"}` (RFC 9457 §3's example) or a field map (ASP.NET Core's
//! `ValidationProblemDetails`). Other extension members (`balance`, `accounts`) are kept as context
//! details when there are no field violations. The request id is the `request_id`, `requestId` or
//! `traceId` extension, else an `instance` of the form `urn:request:<id>`.

use serde_json::{Map, Value};

use super::parts::{Parts, field_and_message, flag, violations};
use super::raw::{Many, Obj, Text, text};
use crate::details::Details;

/// Members that are not extensions, or that [`parts`] reads itself.
const READ: [&str; 14] = [
    "type",
    "title",
    "status",
    "detail",
    "instance",
    "code",
    "request_id",
    "requestId",
    "traceId",
    "timestamp",
    "retryable",
    "errors",
    "details",
    "message",
];

/// A top-level object is a problem when it has a `type`, or a `title` with a `status` or `detail`.
pub(crate) fn matches(top: &Obj<'_>) -> bool {
    top.type_.as_ref().and_then(Text::as_str).is_some()
        || (top.title.is_some() && (top.status.is_some() || top.detail.is_some()))
}

pub(crate) fn parts<'de>(top: Obj<'de>, body: &'de [u8]) -> Parts<'de> {
    let type_code = top
        .type_
        .as_ref()
        .and_then(Text::as_str)
        .and_then(code_from_type)
        .map(|c| std::borrow::Cow::Owned(c.to_owned()));
    let message = match top.detail {
        Some(Many::Text(d)) => Some(d),
        _ => None,
    }
    .or_else(|| text(top.title));
    let request_id = text(top.request_id).or_else(|| {
        top.instance
            .as_ref()
            .and_then(Text::as_str)
            .and_then(|i| i.strip_prefix("urn:request:"))
            .filter(|id| crate::request_id::is_valid_request_id(id))
            .map(|id| std::borrow::Cow::Owned(id.to_owned()))
    });
    let fields = match &top.errors {
        Some(Many::List(items)) => {
            let v = violations(items, field_and_message);
            (!v.is_empty()).then_some(Details::Fields(v))
        }
        Some(Many::Map(d @ Details::Fields(_))) => Some(d.clone()),
        _ => None,
    };
    let details = fields.or_else(|| {
        let mut context = match top.details {
            Some(Many::Map(Details::Context(c))) => c,
            Some(Many::Map(d @ Details::Fields(_))) => return Some(d),
            _ => Map::new(),
        };
        if top.unknown > 0 {
            context.extend(extensions(body));
        }
        (!context.is_empty()).then_some(Details::Context(context))
    });
    Parts {
        code: text(top.code).or(type_code),
        message,
        details,
        request_id,
        timestamp: text(top.timestamp),
        retryable: flag(top.retryable),
        ..Parts::default()
    }
}

/// The extension members of a problem body (read again, which only happens for bodies that have
/// some).
fn extensions(body: &[u8]) -> Map<String, Value> {
    let mut all: Map<String, Value> = serde_json::from_slice(body).unwrap_or_default();
    all.retain(|k, _| !READ.contains(&k.as_str()));
    all
}

/// The code a problem type names: the last segment of its path, unless it is `about:blank` or a link
/// to an HTTP RFC section.
fn code_from_type(type_: &str) -> Option<&str> {
    let t = type_.split(['?', '#']).next()?.trim_end_matches('/');
    if t.is_empty() || t.eq_ignore_ascii_case("about:blank") {
        return None;
    }
    let last = t.rsplit(['/', ':']).next()?;
    let last = last
        .strip_suffix(".html")
        .or_else(|| last.strip_suffix(".htm"))
        .unwrap_or(last);
    let is_rfc = last.len() > 3
        && last[..3].eq_ignore_ascii_case("rfc")
        && last[3..].bytes().all(|b| b.is_ascii_digit());
    (!last.is_empty() && !is_rfc).then_some(last)
}

#[cfg(test)]
mod tests {
    use super::code_from_type;

    #[test]
    fn codes_from_problem_types() {
        assert_eq!(
            code_from_type("https://example.com/probs/out-of-credit"),
            Some("out-of-credit")
        );
        assert_eq!(code_from_type("about:blank"), None);
        assert_eq!(
            code_from_type("https://tools.ietf.org/html/rfc9110#section-15.5.1"),
            None
        );
        assert_eq!(
            code_from_type("https://www.rfc-editor.org/rfc/rfc9110.html#name-400-bad-request"),
            None
        );
        assert_eq!(code_from_type("tag:example.com,2024:quota"), Some("quota"));
        assert_eq!(code_from_type("/errors/not_found/"), Some("not_found"));
        assert_eq!(code_from_type(""), None);
    }
}
