//! `decode` never panics and never allocates without bound, whatever the bytes.

use backstop::{Code, Detected, MAX_EXCERPT_BYTES, decode, decode_detailed};
use http::StatusCode;
use proptest::prelude::*;

const S: StatusCode = StatusCode::BAD_GATEWAY;

#[test]
fn a_100_mb_body_is_not_parsed() {
    let mut body = Vec::with_capacity(100 * 1024 * 1024);
    body.extend_from_slice(br#"{"error":{"code":"X","message":""#);
    body.resize(100 * 1024 * 1024, b'a');
    let (e, detected) = decode_detailed(S, None, &body);
    assert_eq!(detected, Detected::NotJson);
    assert_eq!(e.code(), &Code::BAD_GATEWAY);
    assert!(e.body_excerpt().unwrap().len() <= MAX_EXCERPT_BYTES);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let depth = 100_000;
    let mut body = String::new();
    for _ in 0..depth {
        body.push_str(r#"{"error":"#);
    }
    body.push('1');
    for _ in 0..depth {
        body.push('}');
    }
    let e = decode(S, None, &body.as_bytes()[..body.len().min(200_000)]);
    assert_eq!(e.code(), &Code::BAD_GATEWAY);

    let arrays = "[".repeat(200_000);
    let e = decode(S, None, format!(r#"{{"details":{arrays}"#).as_bytes());
    assert_eq!(e.code(), &Code::BAD_GATEWAY);
}

#[test]
fn huge_numbers_and_odd_types_do_not_lose_the_rest() {
    let body = br#"{"error":{"code":"TIMEOUT","message":"slow","status":1e999999,"retryable":"yes","request_id":12345678901234567890123}}"#;
    let e = decode(StatusCode::GATEWAY_TIMEOUT, None, body);
    // 1e999999 is out of range for serde_json: the body is not JSON it can read, so the status decides.
    assert_eq!(e.code(), &Code::TIMEOUT);

    let body = br#"{"error":{"code":"TIMEOUT","message":"slow","status":99999999999999999999,"retryable":"yes","details":7}}"#;
    let e = decode(StatusCode::GATEWAY_TIMEOUT, None, body);
    assert_eq!(e.message(), "slow");
    assert!(
        e.is_retryable(),
        "a non-boolean retryable is ignored, the code decides"
    );
}

#[test]
fn invalid_utf8_falls_back_with_a_printable_excerpt() {
    let body = b"{\"error\":\"\xff\xfe\"}";
    let e = decode(S, None, body);
    assert_eq!(e.code(), &Code::BAD_GATEWAY);
    let body = b"\xff\xfe\x00\x01\x1b[31mred";
    let e = decode(S, None, body);
    let ex = e.body_excerpt().unwrap();
    assert!(ex.chars().all(|c| !c.is_control()), "{ex:?}");
}

#[test]
fn codes_that_are_not_screaming_snake_are_replaced() {
    let body = br#"{"error":{"code":"<script>alert(1)</script>","message":"m"}}"#;
    let e = decode(StatusCode::BAD_REQUEST, None, body);
    assert_eq!(e.code(), &Code::INVALID_REQUEST);
    let long = "A".repeat(500);
    let e = decode(
        StatusCode::BAD_REQUEST,
        None,
        format!(r#"{{"error":{{"code":"{long}"}}}}"#).as_bytes(),
    );
    assert_eq!(e.code(), &Code::INVALID_REQUEST);
}

#[test]
fn non_error_statuses_still_give_an_error_status() {
    let e = decode(
        StatusCode::OK,
        None,
        br#"{"error":{"code":"WEIRD","message":"m"}}"#,
    );
    assert!(e.status().is_server_error() || e.status().is_client_error());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048), status in 100u16..1000) {
        let status = StatusCode::from_u16(status).unwrap();
        let e = decode(status, None, &body);
        prop_assert!(e.body_excerpt().map_or(0, str::len) <= MAX_EXCERPT_BYTES * 3);
    }

    #[test]
    fn arbitrary_json_shaped_text_never_panics(body in r#"\{("(error|code|message|details|status|errors|type|title|detail|error_code|request_id|retryable)":([0-9]+|"[a-z_A-Z]*"|\{|\[|true|null|\}|\]|,)){0,30}"#) {
        let _ = decode(StatusCode::INTERNAL_SERVER_ERROR, None, body.as_bytes());
    }
}
