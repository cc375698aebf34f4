//! Each profile's members (docs/CONTRACT.md §2.1, §2.2): how a body is recognised as one, and what it must carry.

use backstop::{Profile, is_screaming_snake, pointer_to_path};
use reqwest::StatusCode;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Issue, media_type};

/// The contract's shape for a profile, for "expected" lines; the canonical one when no profile was recognised.
pub fn expected_shape(profile: Option<Profile>) -> &'static str {
    match profile {
        None | Some(Profile::Backstop) => {
            r#"{"error":{"code","message","details"?,"request_id","timestamp","retryable"}} as application/json"#
        }
        Some(Profile::Flat) => {
            r#"{"error":message,"error_code","details"?,"request_id","timestamp"} as application/json"#
        }
        Some(Profile::Status) => {
            r#"{"status","error":reason,"message","code","request_id","timestamp"} as application/json"#
        }
        Some(Profile::Problem) => {
            r#"{"type","title","status","detail","code","request_id","timestamp","errors"?} as application/problem+json"#
        }
    }
}

/// The name of the request-id member in a profile, as the report shows it.
pub fn request_id_member(profile: Profile) -> &'static str {
    match profile {
        Profile::Backstop => "error.request_id",
        _ => "request_id",
    }
}

/// The profile a body is an envelope of, from its anchor members and `Content-Type`; `None` when it is none:
/// - problem: `Content-Type: application/problem+json`, or `type`, `title` and `status` members;
/// - canonical: `error` is an object;
/// - flat: an `error_code` member, or a string `error` with nothing but flat members beside it;
/// - status: a numeric `status` and a string `error`.
pub fn recognise(json: &Value, content_type: &str) -> Option<Profile> {
    let obj = json.as_object()?;
    let is_problem_type =
        media_type(content_type).is_some_and(|m| m.eq_ignore_ascii_case(backstop::PROBLEM_JSON));
    if is_problem_type
        || (obj.contains_key("type") && obj.contains_key("title") && obj.contains_key("status"))
    {
        return Some(Profile::Problem);
    }
    match obj.get("error") {
        Some(Value::Object(_)) => return Some(Profile::Backstop),
        Some(Value::String(_)) if obj.get("status").is_some_and(Value::is_number) => {
            return Some(Profile::Status);
        }
        _ => {}
    }
    const FLAT: [&str; 6] = [
        "error",
        "error_code",
        "details",
        "request_id",
        "timestamp",
        "retryable",
    ];
    if obj.contains_key("error_code")
        || (obj.get("error").is_some_and(Value::is_string)
            && obj.keys().all(|k| FLAT.contains(&k.as_str())))
    {
        return Some(Profile::Flat);
    }
    None
}

/// What [`check`] read from an envelope.
pub struct Read {
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub fields: Option<Vec<String>>,
    pub issues: Vec<Issue>,
}

/// Requires `profile`'s members of the envelope `json` (already recognised as that profile).
pub fn check(profile: Profile, json: &Value, status: StatusCode, content_type: &str) -> Read {
    let top = json.as_object().cloned().unwrap_or_default();
    let empty = Map::new();
    // The object holding the members: `error` in the canonical profile, the body itself in the others.
    let (obj, prefix) = match profile {
        Profile::Backstop => (
            top.get("error")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
            "error.",
        ),
        _ => (&top, ""),
    };
    let mut r = Read {
        code: None,
        request_id: None,
        fields: None,
        issues: Vec::new(),
    };
    let name = profile.name();
    let missing = |member: &str, r: &mut Read| {
        r.issues.push(Issue::new(
            "2.1",
            format!("envelope.{name}.{member}.missing"),
            format!("{name}-profile error bodies without `{prefix}{member}`"),
            expected_shape(Some(profile)),
        ));
    };
    let invalid = |member: &str, why: String, r: &mut Read| {
        r.issues.push(Issue::new(
            "2.1",
            format!("envelope.{name}.{member}.invalid"),
            format!("`{prefix}{member}` {why}"),
            expected_shape(Some(profile)),
        ));
    };

    // Content type (§2.3).
    let want = profile.content_type();
    let got = media_type(content_type).unwrap_or("none");
    if !got.eq_ignore_ascii_case(want) {
        r.issues.push(Issue::new(
            "2.3",
            format!("content-type.{name}.{got}"),
            format!("{name}-profile error bodies sent as {got}"),
            format!("Content-Type: {want}"),
        ));
    }

    // The code.
    let code_member = if profile == Profile::Flat {
        "error_code"
    } else {
        "code"
    };
    match obj.get(code_member) {
        None => missing(code_member, &mut r),
        Some(Value::String(c)) => {
            let ok = if profile == Profile::Flat {
                is_screaming_snake(&c.to_ascii_uppercase()) && c.to_ascii_lowercase() == *c
            } else {
                is_screaming_snake(c)
            };
            if !ok {
                let spelling = if profile == Profile::Flat {
                    "lower_snake"
                } else {
                    "SCREAMING_SNAKE"
                };
                invalid(code_member, format!("{c:?} is not {spelling}"), &mut r);
            }
            r.code = Some(c.clone());
        }
        Some(other) => invalid(
            code_member,
            format!("is {}, not a string", kind(other)),
            &mut r,
        ),
    }

    // The message.
    let message_member = match profile {
        Profile::Backstop | Profile::Status => "message",
        Profile::Flat => "error",
        Profile::Problem => "detail",
    };
    match obj.get(message_member) {
        None => missing(message_member, &mut r),
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(other) => invalid(
            message_member,
            format!("is {}, not a message", kind(other)),
            &mut r,
        ),
    }

    // Profile-specific members.
    match profile {
        Profile::Status | Profile::Problem => {
            match obj.get("status") {
                None => missing("status", &mut r),
                Some(Value::Number(n)) if n.as_u64() == Some(u64::from(status.as_u16())) => {}
                Some(other) => invalid(
                    "status",
                    format!("is {other}, but the response status is {}", status.as_u16()),
                    &mut r,
                ),
            }
            let reason = if profile == Profile::Status {
                "error"
            } else {
                "title"
            };
            match obj.get(reason) {
                None => missing(reason, &mut r),
                Some(Value::String(_)) => {}
                Some(other) => invalid(reason, format!("is {}, not a string", kind(other)), &mut r),
            }
        }
        Profile::Backstop => match obj.get("retryable") {
            None => missing("retryable", &mut r),
            Some(Value::Bool(_)) => {}
            Some(other) => invalid(
                "retryable",
                format!("is {}, not a boolean", kind(other)),
                &mut r,
            ),
        },
        Profile::Flat => {}
    }
    if profile != Profile::Backstop
        && let Some(v) = obj.get("retryable")
        && !v.is_boolean()
    {
        invalid(
            "retryable",
            format!("is {}, not a boolean", kind(v)),
            &mut r,
        );
    }

    // The request id (its presence is judged with the header, by the caller).
    match obj.get("request_id") {
        None => {}
        Some(Value::String(s)) => r.request_id = Some(s.clone()),
        Some(other) => invalid(
            "request_id",
            format!("is {}, not a string", kind(other)),
            &mut r,
        ),
    }

    // The timestamp: RFC 3339, UTC.
    match obj.get("timestamp") {
        None => missing("timestamp", &mut r),
        Some(Value::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) if t.offset().is_utc() => {}
            Ok(_) => invalid("timestamp", format!("{s:?} is not in UTC"), &mut r),
            Err(_) => invalid("timestamp", format!("{s:?} is not RFC 3339"), &mut r),
        },
        Some(other) => invalid(
            "timestamp",
            format!("is {}, not an RFC 3339 string", kind(other)),
            &mut r,
        ),
    }

    // Details: a field map for validation errors (§5), an object otherwise.
    let is_validation = r
        .code
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("VALIDATION_ERROR"));
    if profile == Profile::Problem && is_validation {
        r.fields = problem_fields(obj.get("errors"), &mut r.issues);
    } else {
        match obj.get("details") {
            None if is_validation => r.issues.push(Issue::new(
                "5",
                format!("validation.{name}.no-field-map"),
                format!("VALIDATION_ERROR bodies without `{prefix}details`"),
                format!(r#"`{prefix}details`: {{"field": ["message", ...], ...}}, every offending field"#),
            )),
            None => {}
            Some(Value::Object(m)) if is_validation => {
                r.fields = field_map(m, prefix, name, &mut r.issues);
            }
            Some(Value::Object(_)) => {}
            Some(other) => invalid("details", format!("is {}, not an object", kind(other)), &mut r),
        }
    }
    r
}

/// The fields of a `{"field": ["message", ...]}` map; an issue when a value is not a list of messages.
fn field_map(
    m: &Map<String, Value>,
    prefix: &str,
    name: &str,
    issues: &mut Vec<Issue>,
) -> Option<Vec<String>> {
    let well_formed = |v: &Value| {
        v.as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
    };
    if let Some((field, _)) = m.iter().find(|(_, v)| !well_formed(v)) {
        issues.push(Issue::new(
            "5",
            format!("validation.{name}.field-map-shape"),
            format!("`{prefix}details.{field}` is not a list of messages"),
            format!(r#"`{prefix}details`: {{"field": ["message", ...], ...}}"#),
        ));
    }
    Some(m.keys().cloned().collect())
}

/// The fields of a problem body's `errors: [{"detail", "pointer"}]`, as paths.
fn problem_fields(errors: Option<&Value>, issues: &mut Vec<Issue>) -> Option<Vec<String>> {
    let expected =
        r##"`errors`: [{"detail": "message", "pointer": "#/field"}, ...], every offending field"##;
    let Some(Value::Array(list)) = errors else {
        issues.push(Issue::new(
            "5",
            "validation.problem.no-errors",
            "problem-profile VALIDATION_ERROR bodies without an `errors` list",
            expected,
        ));
        return None;
    };
    let mut fields = Vec::new();
    let mut bad = false;
    for e in list {
        match (
            e.get("detail").and_then(Value::as_str),
            e.get("pointer").and_then(Value::as_str),
        ) {
            (Some(_), Some(p)) => {
                let path = pointer_to_path(p.strip_prefix('#').unwrap_or(p));
                if !fields.contains(&path) {
                    fields.push(path);
                }
            }
            _ => bad = true,
        }
    }
    if bad {
        issues.push(Issue::new(
            "5",
            "validation.problem.errors-shape",
            "problem-profile `errors` entries without a string `detail` and `pointer`",
            expected,
        ));
    }
    Some(fields)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop::ApiError;

    #[test]
    fn every_profile_backstop_encodes_is_recognised_and_complete() {
        let error = ApiError::validation()
            .with_field("email", "Enter a valid email address.")
            .with_field("items[2].amount", "Must be at least 0")
            .with_request_id("req_1");
        for profile in Profile::ALL {
            let wire = profile.encode(&error);
            let json: Value = serde_json::from_slice(&wire.body).unwrap();
            assert_eq!(recognise(&json, wire.content_type), Some(profile));
            let read = check(profile, &json, wire.status, wire.content_type);
            assert!(read.issues.is_empty(), "{profile:?}: {:?}", read.issues);
            assert_eq!(read.code.unwrap().to_ascii_uppercase(), "VALIDATION_ERROR");
            assert_eq!(read.fields.unwrap(), vec!["email", "items[2].amount"]);
            assert_eq!(read.request_id.as_deref(), Some("req_1"));
        }
    }

    #[test]
    fn a_bare_problem_names_its_missing_members() {
        let json = serde_json::json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no"});
        assert_eq!(
            recognise(&json, "application/problem+json"),
            Some(Profile::Problem)
        );
        let read = check(
            Profile::Problem,
            &json,
            StatusCode::NOT_FOUND,
            "application/problem+json",
        );
        assert_eq!(read.code, None, "no code is made up");
        let keys: Vec<&str> = read.issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "envelope.problem.code.missing",
                "envelope.problem.timestamp.missing"
            ]
        );
    }
}
