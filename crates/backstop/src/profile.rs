//! The four wire profiles of docs/CONTRACT.md §2.2 and how an [`ApiError`] is encoded in each.
//!
//! Every profile carries `timestamp` and `retryable` after the members the contract lists, so that a
//! client decoding any profile gets the same facts (extension members, allowed by each shape).

use std::fmt;
use std::str::FromStr;

use http::StatusCode;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use time::OffsetDateTime;

use crate::code::Code;
use crate::details::{Details, path_to_pointer};
use crate::error::ApiError;
use crate::timestamp::timestamp_bytes;

/// A wire profile: the JSON shape of error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// `{"error": {"code", "message", "details", "request_id", "timestamp", "retryable"}}` (seeds 003, 004).
    #[default]
    Backstop,
    /// `{"error": message, "error_code": lower_snake, "details", "request_id", …}` (seeds 000, 001);
    /// answers `VALIDATION_ERROR` with 400.
    Flat,
    /// `{"status", "error": reason phrase, "message", "code", "request_id", …}` (seed 002).
    Status,
    /// RFC 9457 `application/problem+json`:
    /// `{"type", "title", "status", "detail", "instance", "code", "request_id", …, "errors": [{"detail", "pointer"}]}`.
    Problem,
}

/// The profile name was not one of `backstop`, `flat`, `status`, `problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error profile {0:?}: expected backstop, flat, status or problem")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "backstop" => Ok(Profile::Backstop),
            "flat" => Ok(Profile::Flat),
            "status" => Ok(Profile::Status),
            "problem" => Ok(Profile::Problem),
            _ => Err(UnknownProfile(s.to_owned())),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `application/json`.
pub const JSON: &str = "application/json";
/// `application/problem+json`.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An encoded error: the status to send, the `Content-Type`, and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The HTTP status (after the profile's status moves).
    pub status: StatusCode,
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 4] = [
        Profile::Backstop,
        Profile::Flat,
        Profile::Status,
        Profile::Problem,
    ];

    /// The profile's name as used in configuration (`backstop`, `flat`, `status`, `problem`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Backstop => "backstop",
            Profile::Flat => "flat",
            Profile::Status => "status",
            Profile::Problem => "problem",
        }
    }

    /// The `Content-Type` of this profile's error bodies.
    pub fn content_type(self) -> &'static str {
        match self {
            Profile::Problem => PROBLEM_JSON,
            _ => JSON,
        }
    }

    /// The status this profile answers an error with (seed 000's flat profile answers validation
    /// errors with 400 instead of 422).
    pub fn status_for(self, error: &ApiError) -> StatusCode {
        if self == Profile::Flat
            && error.status() == StatusCode::UNPROCESSABLE_ENTITY
            && *error.code() == Code::VALIDATION_ERROR
        {
            return StatusCode::BAD_REQUEST;
        }
        error.status()
    }

    /// Encodes `error` in this profile.
    ///
    /// ```
    /// use backstop::{ApiError, Profile};
    /// let e = ApiError::validation()
    ///     .with_field("email", "Enter a valid email address.")
    ///     .with_request_id("req_1")
    ///     .with_timestamp(None);
    /// let out = Profile::Flat.encode(&e);
    /// assert_eq!(out.status.as_u16(), 400);
    /// assert_eq!(
    ///     std::str::from_utf8(&out.body).unwrap(),
    ///     r#"{"error":"Request validation failed","error_code":"validation_error","details":{"email":["Enter a valid email address."]},"request_id":"req_1","retryable":false}"#
    /// );
    /// ```
    pub fn encode(self, error: &ApiError) -> Encoded {
        let mut body = Vec::with_capacity(256);
        self.encode_into(error, &mut body);
        Encoded {
            status: self.status_for(error),
            content_type: self.content_type(),
            body,
        }
    }

    /// Appends the envelope of `ApiError::from_status(status)` stamped with `request_id` and
    /// `timestamp` (what a server layer answers for a bare error status: a router's empty 404,
    /// another layer's plain-text 405) without building the [`ApiError`]: the same bytes as
    /// `encode_into` of that error. In the canonical profile nothing is allocated.
    ///
    /// ```
    /// use backstop::{ApiError, Profile, http::StatusCode};
    /// let at = time::OffsetDateTime::UNIX_EPOCH;
    /// let mut direct = Vec::new();
    /// Profile::Backstop.encode_status_into(StatusCode::NOT_FOUND, "req_1", at, &mut direct);
    /// let error = ApiError::from_status(StatusCode::NOT_FOUND)
    ///     .with_request_id("req_1")
    ///     .with_timestamp(Some(at));
    /// assert_eq!(direct, Profile::Backstop.encode(&error).body);
    /// ```
    pub fn encode_status_into(
        self,
        status: StatusCode,
        request_id: &str,
        timestamp: OffsetDateTime,
        out: &mut Vec<u8>,
    ) {
        self.encode_status_with_message_into(status, None, request_id, timestamp, out);
    }

    /// [`encode_status_into`](Self::encode_status_into) with `message` in place of the code's
    /// default message when given (the same message in another language, say).
    pub fn encode_status_with_message_into(
        self,
        status: StatusCode,
        message: Option<&str>,
        request_id: &str,
        timestamp: OffsetDateTime,
        out: &mut Vec<u8>,
    ) {
        let code = Code::for_status(status);
        if self == Profile::Backstop {
            crate::envelope_fast::write_backstop(
                crate::envelope_fast::Parts {
                    code: code.name(),
                    message: message.unwrap_or(code.default_message()),
                    request_id: Some(request_id),
                    timestamp: Some(timestamp),
                    retryable: crate::retry::rule(status, Some(&code), None),
                },
                out,
            );
            return;
        }
        let mut error = ApiError::from_status(status)
            .with_request_id(request_id)
            .with_timestamp(Some(timestamp));
        if let Some(message) = message {
            error.set_message(message.to_owned());
        }
        self.encode_into(&error, out);
    }

    /// Encodes `error` in this profile, appending to `out`.
    pub fn encode_into(self, error: &ApiError, out: &mut Vec<u8>) {
        if self == Profile::Backstop && error.details().is_none() {
            crate::envelope_fast::encode_backstop_without_details(error, out);
            return;
        }
        let mut ser = serde_json::Serializer::new(out);
        let result = match self {
            Profile::Backstop => BackstopWire(error).serialize(&mut ser),
            Profile::Flat => FlatWire(error).serialize(&mut ser),
            Profile::Status => StatusWire(error, self.status_for(error)).serialize(&mut ser),
            Profile::Problem => ProblemWire(error).serialize(&mut ser),
        };
        // Serializing strings, numbers and JSON maps into a Vec cannot fail.
        debug_assert!(result.is_ok());
    }
}

/// The canonical profile through serde, whatever the details (the reference for the fast path).
#[cfg(test)]
pub(crate) fn encode_backstop_with_serde(error: &ApiError) -> Vec<u8> {
    serde_json::to_vec(&BackstopWire(error)).unwrap_or_default()
}

struct Ts(OffsetDateTime);
impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = timestamp_bytes(self.0);
        // Only ASCII digits and fixed punctuation were written.
        s.serialize_str(std::str::from_utf8(&b).unwrap_or("1970-01-01T00:00:00.000Z"))
    }
}

struct LowerSnake<'a>(&'a str);
impl Serialize for LowerSnake<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 64];
        let n = self.0.len();
        if n <= 64 {
            for (d, c) in buf.iter_mut().zip(self.0.bytes()) {
                *d = c.to_ascii_lowercase();
            }
            if let Ok(v) = std::str::from_utf8(&buf[..n]) {
                return s.serialize_str(v);
            }
        }
        s.serialize_str(&self.0.to_ascii_lowercase())
    }
}

fn put_common<M: SerializeMap>(m: &mut M, e: &ApiError) -> Result<(), M::Error> {
    if let Some(id) = e.request_id() {
        m.serialize_entry("request_id", id)?;
    }
    if let Some(t) = e.timestamp() {
        m.serialize_entry("timestamp", &Ts(t))?;
    }
    m.serialize_entry("retryable", &e.is_retryable())
}

struct BackstopWire<'a>(&'a ApiError);
struct BackstopInner<'a>(&'a ApiError);

impl Serialize for BackstopWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("error", &BackstopInner(self.0))?;
        m.end()
    }
}

impl Serialize for BackstopInner<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("code", e.code().name())?;
        m.serialize_entry("message", e.message())?;
        if let Some(d) = e.details() {
            m.serialize_entry("details", d)?;
        }
        put_common(&mut m, e)?;
        m.end()
    }
}

struct FlatWire<'a>(&'a ApiError);
impl Serialize for FlatWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("error", e.message())?;
        m.serialize_entry("error_code", &LowerSnake(e.code().name()))?;
        if let Some(d) = e.details() {
            m.serialize_entry("details", d)?;
        }
        put_common(&mut m, e)?;
        m.end()
    }
}

struct StatusWire<'a>(&'a ApiError, StatusCode);
impl Serialize for StatusWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("status", &self.1.as_u16())?;
        m.serialize_entry("error", self.1.canonical_reason().unwrap_or("Error"))?;
        m.serialize_entry("message", e.message())?;
        m.serialize_entry("code", e.code().name())?;
        if let Some(d) = e.details() {
            m.serialize_entry("details", d)?;
        }
        put_common(&mut m, e)?;
        m.end()
    }
}

struct ProblemWire<'a>(&'a ApiError);
struct ProblemErrors<'a>(&'a crate::details::FieldViolations);

impl Serialize for ProblemErrors<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (field, messages) in self.0.iter() {
            let pointer = format!("#{}", path_to_pointer(field));
            for detail in messages {
                seq.serialize_element(&ProblemError {
                    detail,
                    pointer: &pointer,
                })?;
            }
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct ProblemError<'a> {
    detail: &'a str,
    pointer: &'a str,
}

impl Serialize for ProblemWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let status = e.status();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", "about:blank")?;
        m.serialize_entry("title", status.canonical_reason().unwrap_or("Error"))?;
        m.serialize_entry("status", &status.as_u16())?;
        m.serialize_entry("detail", e.message())?;
        if let Some(id) = e.request_id() {
            m.serialize_entry("instance", &InstanceUrn(id))?;
        }
        m.serialize_entry("code", e.code().name())?;
        put_common(&mut m, e)?;
        match e.details() {
            Some(Details::Fields(f)) => m.serialize_entry("errors", &ProblemErrors(f))?,
            Some(ctx @ Details::Context(_)) => m.serialize_entry("details", ctx)?,
            None => {}
        }
        m.end()
    }
}

/// The problem profile's `instance`: `urn:request:<request_id>`, naming this occurrence.
struct InstanceUrn<'a>(&'a str);
impl Serialize for InstanceUrn<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("urn:request:{}", self.0))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bare_status_encodes_as_its_error_would() {
        use time::macros::datetime;
        let at = datetime!(2026-11-22 10:15:30.123 UTC);
        let mut checked = 0;
        for n in 400..=599u16 {
            let status = StatusCode::from_u16(n).unwrap();
            for profile in [
                super::Profile::Backstop,
                super::Profile::Flat,
                super::Profile::Status,
                super::Profile::Problem,
            ] {
                for id in ["req_1", "01890a5d-ac96-774b-bcce-b302099a8057"] {
                    let mut direct = Vec::new();
                    profile.encode_status_into(status, id, at, &mut direct);
                    let error = ApiError::from_status(status)
                        .with_request_id(id)
                        .with_timestamp(Some(at));
                    let mut via_error = Vec::new();
                    profile.encode_into(&error, &mut via_error);
                    assert_eq!(
                        String::from_utf8(direct).unwrap(),
                        String::from_utf8(via_error).unwrap(),
                        "{n} in {profile:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 200 * 4 * 2);
    }

    #[test]
    fn timestamps_in_one_second_differ_in_milliseconds_only() {
        use time::macros::datetime;
        let plain = |t: OffsetDateTime| {
            let u = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                u.year(),
                u8::from(u.month()),
                u.day(),
                u.hour(),
                u.minute(),
                u.second(),
                u.millisecond()
            )
        };
        let times = [
            datetime!(2026-11-22 10:15:30.123 UTC),
            datetime!(2026-11-22 10:15:30.000 UTC),
            datetime!(2026-11-22 10:15:30.999999 UTC),
            // The same instant's second at another offset, then the next second, then back.
            datetime!(2026-11-22 11:15:30.5 +01:00),
            datetime!(2026-11-22 10:15:31.001 UTC),
            datetime!(2026-11-22 10:15:30.002 UTC),
            datetime!(1999-12-31 23:59:59.999 UTC),
            datetime!(2000-01-01 00:00:00.0 UTC),
        ];
        for t in times {
            assert_eq!(crate::format_timestamp(t), plain(t), "{t}");
        }
    }

    use super::*;
    use crate::format_timestamp;
    use time::macros::datetime;

    #[test]
    fn timestamp_format() {
        assert_eq!(
            format_timestamp(datetime!(2026-11-22 10:15:30.123456 UTC)),
            "2026-11-22T10:15:30.123Z"
        );
        assert_eq!(
            format_timestamp(datetime!(2026-11-22 11:15:30.1 +01:00)),
            "2026-11-22T10:15:30.100Z"
        );
    }
}
