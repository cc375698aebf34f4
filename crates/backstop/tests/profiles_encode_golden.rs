//! Every profile's encoding matches its golden JSON, byte for byte.

use backstop::{ApiError, Profile};
use time::macros::datetime;

fn validation() -> ApiError {
    ApiError::validation()
        .with_field("email", "Enter a valid email address.")
        .with_field("items[2].amount", "Must be at least 0")
        .with_request_id("0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22")
        .with_timestamp(Some(datetime!(2026-11-22 10:15:30.123 UTC)))
}

fn not_found() -> ApiError {
    ApiError::not_found("invoice", "inv_9")
        .with_request_id("req_1")
        .with_timestamp(Some(datetime!(2026-11-22 10:15:30.123 UTC)))
}

fn body(p: Profile, e: &ApiError) -> (u16, &'static str, String) {
    let out = p.encode(e);
    (
        out.status.as_u16(),
        out.content_type,
        String::from_utf8(out.body).unwrap(),
    )
}

#[test]
fn backstop_profile() {
    assert_eq!(
        body(Profile::Backstop, &validation()),
        (
            422,
            "application/json",
            r#"{"error":{"code":"VALIDATION_ERROR","message":"Request validation failed","details":{"email":["Enter a valid email address."],"items[2].amount":["Must be at least 0"]},"request_id":"0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22","timestamp":"2026-11-22T10:15:30.123Z","retryable":false}}"#.to_owned()
        )
    );
    assert_eq!(
        body(Profile::Backstop, &not_found()).2,
        r#"{"error":{"code":"INVOICE_NOT_FOUND","message":"The requested invoice was not found","details":{"id":"inv_9","resource":"invoice"},"request_id":"req_1","timestamp":"2026-11-22T10:15:30.123Z","retryable":false}}"#
    );
}

#[test]
fn flat_profile_moves_validation_to_400_and_lower_snakes_codes() {
    assert_eq!(
        body(Profile::Flat, &validation()),
        (
            400,
            "application/json",
            r#"{"error":"Request validation failed","error_code":"validation_error","details":{"email":["Enter a valid email address."],"items[2].amount":["Must be at least 0"]},"request_id":"0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22","timestamp":"2026-11-22T10:15:30.123Z","retryable":false}"#.to_owned()
        )
    );
    assert_eq!(body(Profile::Flat, &not_found()).0, 404);
}

#[test]
fn status_profile() {
    assert_eq!(
        body(Profile::Status, &not_found()),
        (
            404,
            "application/json",
            r#"{"status":404,"error":"Not Found","message":"The requested invoice was not found","code":"INVOICE_NOT_FOUND","details":{"id":"inv_9","resource":"invoice"},"request_id":"req_1","timestamp":"2026-11-22T10:15:30.123Z","retryable":false}"#.to_owned()
        )
    );
}

#[test]
fn problem_profile() {
    assert_eq!(
        body(Profile::Problem, &validation()),
        (
            422,
            "application/problem+json",
            r##"{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"Request validation failed","instance":"urn:request:0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22","code":"VALIDATION_ERROR","request_id":"0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22","timestamp":"2026-11-22T10:15:30.123Z","retryable":false,"errors":[{"detail":"Enter a valid email address.","pointer":"#/email"},{"detail":"Must be at least 0","pointer":"#/items/2/amount"}]}"##.to_owned()
        )
    );
    assert_eq!(
        body(Profile::Problem, &not_found()).2,
        r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"The requested invoice was not found","instance":"urn:request:req_1","code":"INVOICE_NOT_FOUND","request_id":"req_1","timestamp":"2026-11-22T10:15:30.123Z","retryable":false,"details":{"id":"inv_9","resource":"invoice"}}"#
    );
}

#[test]
fn retry_after_is_not_in_the_body_and_source_is_never_serialized() {
    let e = ApiError::internal(std::io::Error::other("password=hunter2 at db-7.internal"))
        .with_request_id("r");
    for p in Profile::ALL {
        let out = String::from_utf8(p.encode(&e).body).unwrap();
        assert!(
            !out.contains("hunter2") && !out.contains("db-7"),
            "{p}: {out}"
        );
        assert!(out.to_ascii_uppercase().contains("INTERNAL_ERROR"));
    }
    assert!(
        !format!("{e:?}").contains("hunter2"),
        "Debug never shows the source"
    );
}
