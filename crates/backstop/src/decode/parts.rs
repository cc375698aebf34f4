//! What every shape is read into ([`Parts`]), and how it becomes an [`ApiError`].

use std::borrow::Cow;
use std::time::Duration;

use http::StatusCode;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::raw::{Item, Text};
use crate::code::Code;
use crate::details::{Details, FieldViolations};
use crate::error::ApiError;

/// The facts a shape found in a body. Strings are borrowed from the body where possible.
#[derive(Debug, Default)]
pub(crate) struct Parts<'de> {
    /// The code as the body spells it (made SCREAMING_SNAKE by [`Code::decoded`]).
    pub(crate) code: Option<Cow<'de, str>>,
    /// The code when the body names none (default: the status's own).
    pub(crate) fallback_code: Option<Code>,
    pub(crate) message: Option<Cow<'de, str>>,
    pub(crate) details: Option<Details>,
    pub(crate) request_id: Option<Cow<'de, str>>,
    pub(crate) timestamp: Option<Cow<'de, str>>,
    /// An explicit "retry" / "do not retry" in the body.
    pub(crate) retryable: Option<bool>,
    /// A retry delay given in the body (Google's `RetryInfo`).
    pub(crate) retry_after: Option<Duration>,
}

impl<'de> Parts<'de> {
    /// Sets the details to these violations, when there are any.
    pub(crate) fn fields(&mut self, violations: FieldViolations) {
        if !violations.is_empty() {
            self.details = Some(Details::Fields(violations));
        }
    }
}

/// Field violations from list items, each read with `read` (field path, message); items it gives
/// nothing for are skipped.
pub(crate) fn violations<'a, 'de: 'a>(
    items: &'a [Item<'de>],
    read: impl Fn(&'a Item<'de>) -> Option<(String, &'a str)>,
) -> FieldViolations {
    let mut v = FieldViolations::new();
    for (field, message) in items.iter().filter_map(read) {
        v.add(field, message.to_owned());
    }
    v
}

/// The common reading of a list item: its field path (or `""` for the whole request) and message.
pub(crate) fn field_and_message<'a>(item: &'a Item<'_>) -> Option<(String, &'a str)> {
    let message = item.message_text()?;
    Some((item.field_path().unwrap_or_default(), message))
}

/// A boolean member.
pub(crate) fn flag(t: Option<Text<'_>>) -> Option<bool> {
    t.as_ref().and_then(Text::as_bool)
}

/// Builds the error. The response's status is kept when it is an error status.
pub(crate) fn build(status: StatusCode, parts: Parts<'_>) -> ApiError {
    let Parts {
        code,
        fallback_code,
        message,
        details,
        request_id,
        timestamp,
        retryable,
        retry_after,
    } = parts;
    let code = match code.as_deref().filter(|c| !c.is_empty()) {
        Some(name) => Code::decoded(name, status),
        None => fallback_code.unwrap_or_else(|| Code::for_status(status)),
    };
    let mut e = ApiError::unstamped(code);
    if status.is_client_error() || status.is_server_error() {
        e = e.with_status(status);
    }
    if let Some(m) = message {
        e = e.with_message(m.into_owned());
    }
    if let Some(d) = details.filter(|d| !d.is_empty()) {
        e = e.with_details(d);
    }
    if let Some(id) = request_id.filter(|id| !id.is_empty()) {
        e = e.with_request_id(id.into_owned());
    }
    if let Some(t) = timestamp.and_then(|t| parse_timestamp(&t)) {
        e = e.with_timestamp(Some(t));
    }
    if let Some(r) = retryable {
        e = e.with_retryable(r);
    }
    if let Some(d) = retry_after {
        e = e.with_retry_after(d.min(crate::retry_after::MAX_RETRY_AFTER));
    }
    e
}

/// Parses an RFC 3339 timestamp, with a fast path for the exact shape backstop writes
/// (`2026-11-22T10:15:30.123Z`): the general parser costs as much as the rest of a decode.
pub(crate) fn parse_timestamp(t: &str) -> Option<OffsetDateTime> {
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

/// A decimal number of seconds or milliseconds as a duration: digits with an optional fraction
/// (`"30"`, `"1.5"`). Anything else (signs, exponents, NaN) gives `None`; huge values saturate.
pub(crate) fn decimal_duration(s: &str, unit: Duration) -> Option<Duration> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || s.len() > 40
    {
        return None;
    }
    let value: f64 = s.parse().ok()?;
    let secs = value * unit.as_secs_f64();
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_durations() {
        let s = Duration::from_secs(1);
        let ms = Duration::from_millis(1);
        assert_eq!(decimal_duration("30", s), Some(Duration::from_secs(30)));
        assert_eq!(
            decimal_duration("1.5", s),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            decimal_duration("250", ms),
            Some(Duration::from_millis(250))
        );
        assert_eq!(decimal_duration(".5", s), Some(Duration::from_millis(500)));
        for bad in ["", ".", "-1", "1e3", "NaN", "inf", "1.2.3", " ", "+3"] {
            assert_eq!(decimal_duration(bad, s), None, "{bad:?}");
        }
        assert_eq!(decimal_duration(&"9".repeat(39), s), Some(Duration::MAX));
    }
}
