//! Decoding any error body (every profile, the seeds' own variants, and anything else) into an [`ApiError`].
//!
//! One pass of serde over a struct that has every member any profile uses; each member is read
//! leniently (a member of an unexpected type is skipped, not fatal), so one odd member never loses the
//! rest. The profile is then recognised from which members were present.

use std::fmt;
use std::time::SystemTime;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::code::Code;
use crate::details::{Details, FieldViolations, pointer_to_path};
use crate::error::ApiError;
use crate::profile::Profile;
use crate::request_id::is_valid_request_id;
use crate::retry_after::parse_retry_after;

/// Bodies longer than this are not parsed: the error is derived from the status, with an excerpt.
pub const MAX_DECODE_BYTES: usize = 256 * 1024;
/// The longest raw-body excerpt kept for unrecognised bodies, in bytes.
pub const MAX_EXCERPT_BYTES: usize = 512;

/// Which shape a decoded body had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// One of the four wire profiles (seed 003's minimal `{"error":{"code","message"}}` counts as `Backstop`).
    Profile(Profile),
    /// JSON with none of the profiles' members.
    UnknownJson,
    /// Not JSON (an HTML error page, plain text), or too large to parse.
    NotJson,
    /// No body at all.
    Empty,
}

/// Decodes an error response. Never panics; reads at most [`MAX_DECODE_BYTES`] of `body`.
///
/// `headers`, where given, supply `Retry-After` and, when the body has none, `X-Request-Id`.
///
/// ```
/// use backstop::decode;
/// use http::StatusCode;
/// let body = br#"{"error":"Validation errors in request data","error_code":"validation_error",
///   "details":{"email":["Enter a valid email address."]}}"#;
/// let e = decode(StatusCode::BAD_REQUEST, None, body);
/// assert_eq!(e.code().name(), "VALIDATION_ERROR");
/// assert_eq!(e.details().unwrap().fields().unwrap().get("email").unwrap()[0], "Enter a valid email address.");
/// ```
pub fn decode(status: StatusCode, headers: Option<&HeaderMap>, body: &[u8]) -> ApiError {
    decode_detailed(status, headers, body).0
}

/// Like [`decode`], also saying which shape the body had.
pub fn decode_detailed(
    status: StatusCode,
    headers: Option<&HeaderMap>,
    body: &[u8],
) -> (ApiError, Detected) {
    let (mut error, detected) = decode_body(status, body);
    if let Some(headers) = headers {
        if error.retry_after().is_none()
            && let Some(d) = headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
        {
            error = error.with_retry_after(d);
        }
        if error.request_id().is_none()
            && let Some(id) = headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .filter(|v| is_valid_request_id(v))
        {
            error.set_request_id(id);
        }
    }
    (error, detected)
}

fn decode_body(status: StatusCode, body: &[u8]) -> (ApiError, Detected) {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return (fallback(status, None), Detected::Empty);
    }
    if body.len() > MAX_DECODE_BYTES || !matches!(trimmed[0], b'{') {
        let detected = if trimmed[0] == b'[' || trimmed[0] == b'"' {
            Detected::UnknownJson
        } else {
            Detected::NotJson
        };
        return (fallback(status, Some(excerpt(body))), detected);
    }
    match serde_json::from_slice::<Wire>(body) {
        Ok(wire) => match interpret(status, wire) {
            Some((e, p)) => (e, Detected::Profile(p)),
            None => (fallback(status, Some(excerpt(body))), Detected::UnknownJson),
        },
        Err(_) => (fallback(status, Some(excerpt(body))), Detected::NotJson),
    }
}

fn fallback(status: StatusCode, excerpt: Option<String>) -> ApiError {
    let mut e = ApiError::from_status(status).with_timestamp(None);
    e.set_body_excerpt(excerpt);
    e
}

/// A printable excerpt: at most [`MAX_EXCERPT_BYTES`], invalid UTF-8 replaced, control characters dropped.
fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_EXCERPT_BYTES)];
    String::from_utf8_lossy(cut)
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect()
}

fn interpret(status: StatusCode, w: Wire) -> Option<(ApiError, Profile)> {
    let Wire {
        error,
        error_code,
        code,
        message,
        details,
        request_id,
        timestamp,
        retryable,
        status: body_status,
        title,
        detail,
        type_,
        errors,
        ..
    } = w;

    // Backstop profile, seed 003's minimal shape, and seed 002's `{"error": {status, message}}`.
    if let Some(ErrorField::Nested(inner)) = error {
        let inner = *inner;
        let name = inner.code.and_then(Scalar::into_string);
        let message = inner
            .message
            .and_then(Scalar::into_string)
            .or(match inner.error {
                Some(ErrorField::Message(m)) => Some(m),
                _ => None,
            });
        if name.is_none() && message.is_none() {
            return None;
        }
        let e = build(
            status,
            name.as_deref(),
            message,
            inner.details,
            inner.request_id.and_then(Scalar::into_string),
            inner.timestamp.and_then(Scalar::into_string),
            inner.retryable.and_then(Scalar::into_bool),
        );
        return Some((e, Profile::Backstop));
    }
    let error_msg = match error {
        Some(ErrorField::Message(m)) => Some(m),
        _ => None,
    };
    let request_id = request_id.and_then(Scalar::into_string);
    let timestamp = timestamp.and_then(Scalar::into_string);
    let retryable = retryable.and_then(Scalar::into_bool);

    // Flat profile (seeds 000, 001).
    if let Some(name) = error_code.and_then(Scalar::into_string) {
        let message = error_msg.or_else(|| message.and_then(Scalar::into_string));
        let e = build(
            status,
            Some(&name),
            message,
            details,
            request_id,
            timestamp,
            retryable,
        );
        return Some((e, Profile::Flat));
    }

    let code = code.and_then(Scalar::into_string);
    let body_status = body_status.as_ref().and_then(Scalar::as_u16);

    // RFC 9457 problem details.
    if type_.is_some() || (title.is_some() && (body_status.is_some() || detail.is_some())) {
        let message = detail
            .and_then(Scalar::into_string)
            .or_else(|| title.and_then(Scalar::into_string));
        let details = match errors {
            Some(list) if !list.0.is_empty() => Some(Details::Fields(list.0)),
            _ => details,
        };
        let e = build(
            status,
            code.as_deref(),
            message,
            details,
            request_id,
            timestamp,
            retryable,
        );
        return Some((e, Profile::Problem));
    }

    // Seed 002's status shape.
    if body_status.is_some() && (message.is_some() || error_msg.is_some()) {
        let message = message.and_then(Scalar::into_string).or(error_msg);
        let e = build(
            status,
            code.as_deref(),
            message,
            details,
            request_id,
            timestamp,
            retryable,
        );
        return Some((e, Profile::Status));
    }

    // `{"code", "message"}` at the top level, or `{"error": "message"}` alone.
    let message = message.and_then(Scalar::into_string).or(error_msg);
    if code.is_some() || message.is_some() {
        let e = build(
            status,
            code.as_deref(),
            message,
            details,
            request_id,
            timestamp,
            retryable,
        );
        return Some((e, Profile::Status));
    }
    None
}

fn build(
    status: StatusCode,
    name: Option<&str>,
    message: Option<String>,
    details: Option<Details>,
    request_id: Option<String>,
    timestamp: Option<String>,
    retryable: Option<bool>,
) -> ApiError {
    let code = match name {
        Some(n) => Code::decoded(n, status, retryable),
        None => Code::for_status(status),
    };
    let mut e = ApiError::unstamped(code);
    if status.is_client_error() || status.is_server_error() {
        e = e.with_status(status);
    }
    if let Some(m) = message {
        e = e.with_message(m);
    }
    if let Some(d) = details.filter(|d| !d.is_empty()) {
        e = e.with_details(d);
    }
    if let Some(id) = request_id {
        e = e.with_request_id(id);
    }
    if let Some(t) = timestamp.and_then(|t| parse_timestamp(&t)) {
        e = e.with_timestamp(Some(t));
    }
    if let Some(r) = retryable {
        e = e.with_retryable(r);
    }
    e
}

/// Parses an RFC 3339 timestamp, with a fast path for the exact shape backstop writes
/// (`2026-11-22T10:15:30.123Z`): the general parser costs as much as the rest of a decode.
fn parse_timestamp(t: &str) -> Option<OffsetDateTime> {
    let b = t.as_bytes();
    if b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
    {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let date = time::Date::from_calendar_date(
            num(0..4)? as i32,
            time::Month::try_from(num(5..7)? as u8).ok()?,
            num(8..10)? as u8,
        )
        .ok()?;
        let clock = time::Time::from_hms_milli(
            num(11..13)? as u8,
            num(14..16)? as u8,
            num(17..19)? as u8,
            num(20..23)? as u16,
        )
        .ok()?;
        return Some(time::PrimitiveDateTime::new(date, clock).assume_utc());
    }
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// Every member any profile uses; unknown members are skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Wire {
    error: Option<ErrorField>,
    error_code: Option<Scalar>,
    code: Option<Scalar>,
    message: Option<Scalar>,
    #[serde(deserialize_with = "lenient_details")]
    details: Option<Details>,
    request_id: Option<Scalar>,
    timestamp: Option<Scalar>,
    retryable: Option<Scalar>,
    status: Option<Scalar>,
    title: Option<Scalar>,
    detail: Option<Scalar>,
    #[serde(rename = "type")]
    type_: Option<Scalar>,
    errors: Option<ProblemErrors>,
}

fn lenient_details<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Details>, D::Error> {
    Details::deserialize(d).map(Some)
}

/// The `error` member: a message string (flat, status) or an object (backstop).
enum ErrorField {
    Message(String),
    Nested(Box<Wire>),
    Other,
}

impl<'de> Deserialize<'de> for ErrorField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error message or object")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ErrorField, E> {
                Ok(ErrorField::Message(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ErrorField, E> {
                Ok(ErrorField::Message(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ErrorField, A::Error> {
                Wire::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|w| ErrorField::Nested(Box::new(w)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorField, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ErrorField::Other)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ErrorField, E> {
                Ok(ErrorField::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ErrorField, E> {
                Ok(ErrorField::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ErrorField, E> {
                Ok(ErrorField::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ErrorField, E> {
                Ok(ErrorField::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<ErrorField, E> {
                Ok(ErrorField::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A member read leniently: strings, booleans and numbers are kept, anything else is skipped.
enum Scalar {
    Str(String),
    Bool(bool),
    Int(i64),
    Other,
}

impl Scalar {
    fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s),
            Scalar::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }
    fn into_bool(self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(b),
            _ => None,
        }
    }
    fn as_u16(&self) -> Option<u16> {
        match self {
            Scalar::Int(i) => u16::try_from(*i).ok(),
            Scalar::Str(s) => s.parse().ok(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(v).map(Scalar::Int).unwrap_or(Scalar::Other))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// RFC 9457 `errors`: `[{"detail", "pointer"}]`, read into field violations; other shapes give none.
#[derive(Default)]
struct ProblemErrors(FieldViolations);

impl<'de> Deserialize<'de> for ProblemErrors {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Item {
            #[serde(default)]
            detail: Option<Scalar>,
            #[serde(default)]
            pointer: Option<Scalar>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProblemErrors;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of problem errors")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ProblemErrors, A::Error> {
                let mut v = FieldViolations::new();
                while let Some(item) = seq.next_element::<Scalarish<Item>>()? {
                    if let Scalarish::Yes(Item {
                        detail: Some(Scalar::Str(detail)),
                        pointer,
                    }) = item
                    {
                        let field = match pointer {
                            Some(Scalar::Str(p)) => pointer_to_path(&p),
                            _ => String::new(),
                        };
                        v.add(field, detail);
                    }
                }
                Ok(ProblemErrors(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProblemErrors, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ProblemErrors::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ProblemErrors, E> {
                Ok(ProblemErrors::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ProblemErrors, E> {
                Ok(ProblemErrors::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ProblemErrors, E> {
                Ok(ProblemErrors::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ProblemErrors, E> {
                Ok(ProblemErrors::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ProblemErrors, E> {
                Ok(ProblemErrors::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<ProblemErrors, E> {
                Ok(ProblemErrors::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read as `T`, or anything else skipped.
enum Scalarish<T> {
    Yes(T),
    No,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Scalarish<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Scalarish<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalarish<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Scalarish::Yes)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalarish<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalarish::No)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Scalarish<T>, E> {
                Ok(Scalarish::No)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalarish<T>, E> {
                Ok(Scalarish::No)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scalarish<T>, E> {
                Ok(Scalarish::No)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Scalarish<T>, E> {
                Ok(Scalarish::No)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalarish<T>, E> {
                Ok(Scalarish::No)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalarish<T>, E> {
                Ok(Scalarish::No)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
