//! docs/CONTRACT.md §13: a decoded error says which language its message is in, from the
//! response's `Content-Language`; without that header, it does not guess.

use backstop::decode;
use http::{HeaderMap, HeaderValue, StatusCode};

const BODY: &str = r#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Limite de débit dépassée","request_id":"r1","timestamp":"2026-11-22T10:15:30.123Z","retryable":true}}"#;

#[test]
fn the_language_comes_from_content_language() {
    let mut headers = HeaderMap::new();
    headers.insert("content-language", HeaderValue::from_static("fr"));
    let e = decode(
        StatusCode::TOO_MANY_REQUESTS,
        Some(&headers),
        BODY.as_bytes(),
    );
    assert_eq!(e.language(), Some("fr"));
    assert_eq!(e.message(), "Limite de débit dépassée");

    headers.insert("content-language", HeaderValue::from_static("de-CH, fr"));
    let e = decode(
        StatusCode::TOO_MANY_REQUESTS,
        Some(&headers),
        BODY.as_bytes(),
    );
    assert_eq!(e.language(), Some("de-CH"), "the first tag");

    headers.insert("content-language", HeaderValue::from_static("<script>"));
    let e = decode(
        StatusCode::TOO_MANY_REQUESTS,
        Some(&headers),
        BODY.as_bytes(),
    );
    assert_eq!(e.language(), None, "not a language tag");

    let e = decode(StatusCode::TOO_MANY_REQUESTS, None, BODY.as_bytes());
    assert_eq!(e.language(), None);
}
