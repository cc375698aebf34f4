//! Strict verdicts on what was on the wire.
//!
//! [`inspect`] recognises an error body's wire profile from its members and `Content-Type`
//! (docs/CONTRACT.md §2.2, §2.3), then requires that profile's members (§2.1): a code, a message, a `request_id`
//! equal to the `X-Request-Id` header (§4), an RFC 3339 UTC `timestamp`, and for validation errors a field map
//! (§5). It names each missing member and never makes a code up: [`Inspection::code`] is what the server sent or
//! nothing. (`backstop::decode` is the forgiving client decoder, which fills a code in from the status and a
//! request id from the header; a verdict must not.) It also looks for leaked internals ([`leaks`]), input echoed
//! back, and bodies over [`MAX_BODY`].

pub mod leaks;
mod members;
mod parse;

use backstop::Profile;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub use leaks::Leak;
pub use members::expected_shape;

/// The most of a body the check reads and parses; a bigger error body is a finding of its own.
pub const MAX_BODY: usize = 1024 * 1024;

/// What the check puts in every request body it sends, so that a body echoing the input back can be recognised.
pub const ECHO_MARKER: &str = "backstop-check-echo";

/// The shape an error body had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// An envelope of this profile (whatever members it lacks).
    Envelope(Profile),
    /// JSON, but an envelope of no profile; the top-level members it had.
    Unrecognised {
        /// The body's top-level member names (at most 8), or `array`, `string`... for a non-object.
        members: Vec<String>,
    },
    /// Not JSON; the `Content-Type` it came with.
    NotJson {
        /// The `Content-Type` header, or `none`.
        content_type: String,
    },
    /// No body at all.
    Empty,
}

/// One way a response breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The section of docs/CONTRACT.md, e.g. `2.1`.
    pub clause: &'static str,
    /// Groups the same problem across responses and probes (one capability missing is one finding).
    pub key: String,
    /// What is wrong, in one line.
    pub problem: String,
    /// What the contract expects instead.
    pub expected: String,
}

impl Issue {
    pub(crate) fn new(
        clause: &'static str,
        key: impl Into<String>,
        problem: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Issue {
            clause,
            key: key.into(),
            problem: problem.into(),
            expected: expected.into(),
        }
    }
}

/// The strict reading of one error response.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The body's shape.
    pub shape: Shape,
    /// The code exactly as the body sent it (`validation_error` in the flat profile), or `None`.
    pub code: Option<String>,
    /// The body's `request_id` member, if it had one.
    pub request_id: Option<String>,
    /// For a body with a field map (validation errors), the fields it names, as paths (`items[2].amount`).
    pub fields: Option<Vec<String>>,
    /// Envelope problems: shape, members, `Content-Type`, request id.
    pub issues: Vec<Issue>,
    /// Leaks, echoed input and oversize.
    pub exposures: Vec<Issue>,
}

impl Inspection {
    /// The code in SCREAMING_SNAKE spelling, for comparing with the catalog.
    pub fn code_upper(&self) -> Option<String> {
        self.code.as_ref().map(|c| c.to_ascii_uppercase())
    }

    /// Whether the body was an envelope of some profile.
    pub fn is_envelope(&self) -> bool {
        matches!(self.shape, Shape::Envelope(_))
    }

    /// The issue that explains why there is no code, if any: no envelope, or an envelope without its code member.
    pub fn missing_code_issue(&self) -> Option<&Issue> {
        if self.code.is_some() {
            return None;
        }
        self.issues.iter().find(|i| {
            i.key.starts_with("envelope.none")
                || i.key.ends_with(".code.missing")
                || i.key.ends_with(".error_code.missing")
        })
    }
}

/// Reads an error response strictly. `body` holds at most [`MAX_BODY`] bytes; `truncated` says the body was longer
/// (`total` its size when known).
pub fn inspect(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    truncated: bool,
    total: Option<u64>,
) -> Inspection {
    let content_type = header(headers, "content-type").unwrap_or("").to_owned();
    let mut out = Inspection {
        shape: Shape::Empty,
        code: None,
        request_id: None,
        fields: None,
        issues: Vec::new(),
        exposures: exposures(body, truncated, total),
    };
    let header_id = header(headers, "x-request-id").map(str::to_owned);
    if body.iter().all(u8::is_ascii_whitespace) {
        out.issues.push(Issue::new(
            "2.1",
            "envelope.none.empty",
            "error responses with an empty body",
            members::expected_shape(None),
        ));
        request_id_issues(&mut out, header_id.as_deref(), None);
        return out;
    }
    let Some(json) = parse::json(body, truncated) else {
        out.shape = Shape::NotJson {
            content_type: media_type(&content_type).unwrap_or("none").to_owned(),
        };
        out.issues.push(Issue::new(
            "2.1",
            "envelope.none.not-json",
            format!(
                "error bodies that are not JSON (e.g. Content-Type {})",
                if content_type.is_empty() {
                    "none"
                } else {
                    &content_type
                }
            ),
            members::expected_shape(None),
        ));
        request_id_issues(&mut out, header_id.as_deref(), None);
        return out;
    };
    match members::recognise(&json, &content_type) {
        None => {
            let names = top_level_names(&json);
            out.issues.push(Issue::new(
                "2.2",
                "envelope.none.unrecognised",
                format!(
                    "JSON error bodies that match no profile (e.g. members: {})",
                    names.join(", ")
                ),
                members::expected_shape(None),
            ));
            out.shape = Shape::Unrecognised { members: names };
            request_id_issues(&mut out, header_id.as_deref(), None);
        }
        Some(profile) => {
            out.shape = Shape::Envelope(profile);
            let read = members::check(profile, &json, status, &content_type);
            out.code = read.code;
            out.fields = read.fields;
            out.request_id = read.request_id.clone();
            out.issues.extend(read.issues);
            request_id_issues(&mut out, header_id.as_deref(), Some(profile));
        }
    }
    out
}

/// The request-id rules (docs/CONTRACT.md §4): the header on every response, equal to the body's member. A server
/// with no request ids at all is one finding, not one per member.
fn request_id_issues(out: &mut Inspection, header_id: Option<&str>, profile: Option<Profile>) {
    let member = profile.map(members::request_id_member);
    match (header_id, out.request_id.as_deref(), member) {
        (None, None, _) => out.issues.push(Issue::new(
            "4",
            "request-id.absent",
            "responses carry no request id (no X-Request-Id header, no request_id member)",
            "X-Request-Id on every response, equal to the error body's request_id",
        )),
        (None, Some(_), _) => out.issues.push(Issue::new(
            "4",
            "request-id.header-missing",
            "error responses without an X-Request-Id header",
            "X-Request-Id on every response, equal to the error body's request_id",
        )),
        (Some(_), None, Some(m)) => out.issues.push(Issue::new(
            "4",
            format!(
                "envelope.{}.request_id.missing",
                profile.map(|p| p.name()).unwrap_or("")
            ),
            format!("error bodies without `{m}` although X-Request-Id is sent"),
            format!("`{m}` equal to the X-Request-Id header"),
        )),
        (Some(h), Some(b), Some(m)) if h != b => out.issues.push(Issue::new(
            "4",
            "request-id.mismatch",
            format!("`{m}` differs from the X-Request-Id header ({b:?} vs {h:?})"),
            format!("`{m}` equal to the X-Request-Id header"),
        )),
        _ => {}
    }
}

/// Leaks, echoed input and oversize, over whatever part of the body was read.
fn exposures(body: &[u8], truncated: bool, total: Option<u64>) -> Vec<Issue> {
    let mut out = Vec::new();
    if truncated {
        let size = match total {
            Some(n) => format!("{n} bytes"),
            None => format!("over {MAX_BODY} bytes"),
        };
        out.push(Issue::new(
            "10.4",
            "body.oversize",
            format!("error bodies over 1 MiB ({size})"),
            "a small envelope: an error body never grows with the request",
        ));
    }
    let text = String::from_utf8_lossy(body);
    for leak in leaks::find(body) {
        out.push(Issue::new(
            "2.1",
            format!("leak.{}", leak.what),
            format!("error bodies leak {} (`{}`)", leak.what, leak.excerpt),
            "a message safe to show: no stack traces, file paths, SQL or debug pages",
        ));
    }
    if let Some(at) = text.find(ECHO_MARKER) {
        let start = text[..at]
            .char_indices()
            .rev()
            .nth(20)
            .map(|(i, _)| i)
            .unwrap_or(0);
        out.push(Issue::new(
            "5",
            "body.echo",
            format!(
                "error bodies echo the request's input back (`{}`)",
                excerpt(&text[start..], 60)
            ),
            "errors that name the offending field, never repeat the rejected value",
        ));
    }
    out
}

/// A header's value as text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `application/json` of `application/json; charset=utf-8`, lower-cased.
pub(crate) fn media_type(content_type: &str) -> Option<&str> {
    let m = content_type.split(';').next()?.trim();
    (!m.is_empty()).then_some(m)
}

fn top_level_names(json: &Value) -> Vec<String> {
    match json {
        Value::Object(m) => m.keys().take(8).cloned().collect(),
        Value::Array(_) => vec!["(an array)".to_owned()],
        Value::String(_) => vec!["(a string)".to_owned()],
        Value::Number(_) => vec!["(a number)".to_owned()],
        Value::Bool(_) => vec!["(a boolean)".to_owned()],
        Value::Null => vec!["(null)".to_owned()],
    }
}

/// `text` without control characters, whitespace runs collapsed, cut to `max` characters.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if n >= max {
            out.push('…');
            break;
        }
        if space {
            out.push(' ');
            n += 1;
            space = false;
        }
        out.push(c);
        n += 1;
    }
    out
}
