//! Server hints (docs/CONTRACT.md §11.3): the retry delay comes from the body's `RetryInfo`, then
//! `retry-after-ms`, then `Retry-After`; an explicit "do not retry" (`retryable: false`,
//! `Stripe-Should-Retry: false`, `X-Should-Retry: false`) always wins.

use std::time::{Duration, SystemTime};

use backstop::{MAX_RETRY_AFTER, decode};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

const S503: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

const RETRY_INFO_2S: &[u8] =
    br#"{"error":{"code":503,"message":"Backend unavailable","status":"UNAVAILABLE",
  "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.500s"}]}}"#;

#[test]
fn retry_info_in_the_body() {
    let e = decode(S503, None, RETRY_INFO_2S);
    assert_eq!(e.retry_after(), Some(Duration::from_millis(2500)));
}

#[test]
fn retry_after_ms() {
    let e = decode(S503, Some(&headers(&[("retry-after-ms", "750")])), b"");
    assert_eq!(e.retry_after(), Some(Duration::from_millis(750)));
    let e = decode(
        S503,
        Some(&headers(&[("x-ms-retry-after-ms", "1200")])),
        b"",
    );
    assert_eq!(e.retry_after(), Some(Duration::from_millis(1200)));
}

#[test]
fn retry_after_seconds_and_http_date() {
    let e = decode(S503, Some(&headers(&[("retry-after", "7")])), b"");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    let e = decode(S503, Some(&headers(&[("retry-after", &at)])), b"");
    let got = e.retry_after().unwrap();
    assert!(
        got > Duration::from_secs(3590) && got <= Duration::from_secs(3600),
        "{got:?}"
    );
}

#[test]
fn precedence_body_then_milliseconds_then_retry_after() {
    let all = headers(&[("retry-after-ms", "750"), ("retry-after", "7")]);
    assert_eq!(
        decode(S503, Some(&all), RETRY_INFO_2S).retry_after(),
        Some(Duration::from_millis(2500)),
        "the body's RetryInfo first"
    );
    assert_eq!(
        decode(S503, Some(&all), b"").retry_after(),
        Some(Duration::from_millis(750)),
        "then retry-after-ms"
    );
}

#[test]
fn malformed_and_huge_hints() {
    for bad in ["-5", "soon", "1e3", "", "NaN"] {
        let e = decode(
            S503,
            Some(&headers(&[("retry-after-ms", bad), ("retry-after", "3")])),
            b"",
        );
        assert_eq!(
            e.retry_after(),
            Some(Duration::from_secs(3)),
            "{bad:?} is ignored"
        );
    }
    let e = decode(
        S503,
        Some(&headers(&[("retry-after-ms", "99999999999999999999")])),
        b"",
    );
    assert_eq!(e.retry_after(), Some(MAX_RETRY_AFTER), "clamped");
    let body = br#"{"error":{"code":503,"status":"UNAVAILABLE","message":"m","details":[
        {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"315576000000s"}]}}"#;
    assert_eq!(
        decode(S503, None, body).retry_after(),
        Some(MAX_RETRY_AFTER)
    );
    let body = br#"{"error":{"code":503,"status":"UNAVAILABLE","message":"m","details":[
        {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"-1s"}]}}"#;
    assert_eq!(decode(S503, None, body).retry_after(), None);
}

#[test]
fn body_retryable_false_wins_over_a_retryable_status() {
    let body = br#"{"error":{"code":"SERVICE_UNAVAILABLE","message":"m","retryable":false}}"#;
    assert!(!decode(S503, None, body).is_retryable());
}

#[test]
fn should_retry_headers_win_and_false_beats_true() {
    let retryable_body =
        br#"{"error":{"code":"SERVICE_UNAVAILABLE","message":"m","retryable":true}}"#;
    for name in ["stripe-should-retry", "x-should-retry"] {
        let e = decode(S503, Some(&headers(&[(name, "false")])), retryable_body);
        assert!(!e.is_retryable(), "{name}: false beats the body's true");
        let e = decode(StatusCode::CONFLICT, Some(&headers(&[(name, "true")])), b"");
        assert!(e.is_retryable(), "{name}: true makes a 409 retryable");
        let e = decode(S503, Some(&headers(&[(name, "maybe")])), b"");
        assert!(e.is_retryable(), "{name}: other values are ignored");
    }
    let no_body = br#"{"error":{"code":"SERVICE_UNAVAILABLE","message":"m","retryable":false}}"#;
    let e = decode(
        S503,
        Some(&headers(&[("stripe-should-retry", "true")])),
        no_body,
    );
    assert!(!e.is_retryable(), "the body's false beats a header's true");
    let both = headers(&[("stripe-should-retry", "true"), ("x-should-retry", "false")]);
    assert!(!decode(S503, Some(&both), b"").is_retryable());
}
