//! `Retry-After` (RFC 9110 §10.2.3): parsing delta-seconds and HTTP-dates, and formatting.

use std::time::{Duration, SystemTime};

/// The longest wait [`parse_retry_after`] returns: one day. Larger values are clamped to it, so a
/// hostile or broken server cannot park a client for years.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses a `Retry-After` value: delta-seconds (`"120"`) or an HTTP-date
/// (`"Sun, 22 Nov 2026 10:15:30 GMT"`, relative to `now`; a date in the past gives zero).
/// Returns `None` for anything else. The result is at most [`MAX_RETRY_AFTER`].
///
/// ```
/// use backstop::parse_retry_after;
/// use std::time::{Duration, SystemTime};
/// assert_eq!(parse_retry_after("2", SystemTime::now()), Some(Duration::from_secs(2)));
/// assert_eq!(parse_retry_after("soon", SystemTime::now()), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: saturate rather than fail on huge values.
        let secs = value
            .bytes()
            .try_fold(0u64, |acc, b| {
                acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
            })
            .unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    if value.len() > 64 {
        return None;
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

/// Formats a wait as delta-seconds, rounding up so a client never comes back early.
///
/// ```
/// use backstop::format_retry_after;
/// use std::time::Duration;
/// assert_eq!(format_retry_after(Duration::from_millis(1200)), "2");
/// assert_eq!(format_retry_after(Duration::ZERO), "0");
/// ```
pub fn format_retry_after(wait: Duration) -> String {
    retry_after_secs(wait).to_string()
}

/// The whole seconds a `Retry-After` header should carry for `wait` (rounded up).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs();
    if wait.subsec_nanos() > 0 {
        secs.saturating_add(1)
    } else {
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_relative_to_now() {
        let now = httpdate::parse_http_date("Sun, 22 Nov 2026 10:15:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Sun, 22 Nov 2026 10:15:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 22 Nov 2026 10:14:30 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn huge_and_odd_values() {
        let now = SystemTime::now();
        assert_eq!(
            parse_retry_after("99999999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(&"x".repeat(10_000), now), None);
    }
}
