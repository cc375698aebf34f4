//! Every error example printed in the seeds decodes to the right code, message, details and status.

use backstop::{Code, Detected, Profile, decode, decode_detailed};
use http::{HeaderMap, HeaderValue, StatusCode};

fn st(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap()
}

#[test]
fn seed_000_validation_example_flat_profile() {
    let body = br#"{
"error" : "Validation errors in request data" ,
"error_code" : "validation_error" ,
"details" : {
"email" : [ "Enter a valid email address." ],
"currency" : [ "Invalid currency code. Must be one of: GBP, EUR, USD" ]
}
}"#;
    let (e, detected) = decode_detailed(st(400), None, body);
    assert_eq!(detected, Detected::Profile(Profile::Flat));
    assert_eq!(e.code(), &Code::VALIDATION_ERROR);
    assert_eq!(
        e.status(),
        st(400),
        "the HTTP status the server sent is kept"
    );
    assert_eq!(e.message(), "Validation errors in request data");
    let fields = e.details().unwrap().fields().unwrap();
    assert_eq!(
        fields.get("email").unwrap(),
        ["Enter a valid email address."]
    );
    assert_eq!(
        fields.get("currency").unwrap(),
        ["Invalid currency code. Must be one of: GBP, EUR, USD"]
    );
    assert_eq!(
        fields.iter().map(|(f, _)| f).collect::<Vec<_>>(),
        ["email", "currency"],
        "field order as sent"
    );
    assert!(!e.is_retryable());
}

#[test]
fn seed_000_standard_shape_with_unknown_code() {
    let body = br#"{
"error" : "Human-readable error message" ,
"error_code" : "specific_error_code" ,
"details" : {
"field_name" : [ "Specific validation error" ]
}
}"#;
    let e = decode(st(400), None, body);
    assert_eq!(e.code().name(), "SPECIFIC_ERROR_CODE");
    assert_eq!(e.code().status(), st(400));
    assert_eq!(e.message(), "Human-readable error message");
    assert_eq!(
        e.details()
            .unwrap()
            .fields()
            .unwrap()
            .get("field_name")
            .unwrap(),
        ["Specific validation error"]
    );
}

#[test]
fn seed_000_and_001_resource_codes() {
    for (name, status, upper) in [
        ("authentication_required", 401, "AUTHENTICATION_REQUIRED"),
        ("invalid_token", 401, "INVALID_TOKEN"),
        ("permission_denied", 403, "PERMISSION_DENIED"),
        ("business_not_found", 404, "BUSINESS_NOT_FOUND"),
        ("invoice_not_found", 404, "INVOICE_NOT_FOUND"),
        ("duplicate_external_id", 409, "DUPLICATE_EXTERNAL_ID"),
    ] {
        let body = format!(r#"{{"error":"x","error_code":"{name}"}}"#);
        let e = decode(st(status), None, body.as_bytes());
        assert_eq!(e.code().name(), upper);
        assert_eq!(e.code().status(), st(status), "{name}");
        assert!(!e.is_retryable(), "{name} is a 4xx: not retryable");
    }
}

#[test]
fn seed_002_status_shape() {
    let body = br#"{
"status": 400,
"error": "Bad Request",
"message": "string"
}"#;
    let (e, detected) = decode_detailed(st(400), None, body);
    assert_eq!(detected, Detected::Profile(Profile::Status));
    assert_eq!(
        e.code(),
        &Code::INVALID_REQUEST,
        "no code: derived from the status"
    );
    assert_eq!(e.message(), "string");
    assert_eq!(e.status(), st(400));
}

#[test]
fn seed_002_status_table() {
    for (status, code, retryable) in [
        (400, "INVALID_REQUEST", false),
        (401, "AUTHENTICATION_FAILED", false),
        (403, "PERMISSION_DENIED", false),
        (404, "NOT_FOUND", false),
        (409, "CONFLICT", false),
        (422, "VALIDATION_ERROR", false),
        (429, "RATE_LIMIT_EXCEEDED", true),
        (500, "INTERNAL_ERROR", true),
    ] {
        let body = format!(r#"{{"status":{status},"error":"x","message":"m"}}"#);
        let e = decode(st(status), None, body.as_bytes());
        assert_eq!(e.code().name(), code, "{status}");
        assert_eq!(
            e.is_retryable(),
            retryable,
            "{status}: seed 002 retries only 429 and 5xx"
        );
    }
}

#[test]
fn seed_002_nested_status_object_from_its_snippets() {
    let body = br#"{"error":{"status":404,"message":"No such course"}}"#;
    let e = decode(st(404), None, body);
    assert_eq!(e.code(), &Code::NOT_FOUND);
    assert_eq!(e.message(), "No such course");
}

#[test]
fn seed_003_minimal_shape_and_every_code_of_its_tables() {
    let body = br#"{
"error": {
"code": "ERROR_CODE",
"message": "Human-readable error message"
}
}"#;
    let (e, detected) = decode_detailed(st(400), None, body);
    assert_eq!(detected, Detected::Profile(Profile::Backstop));
    assert_eq!(e.code().name(), "ERROR_CODE");
    assert_eq!(e.message(), "Human-readable error message");

    for (code, status) in [
        ("AUTHENTICATION_FAILED", 401),
        ("INVALID_API_KEY", 401),
        ("EXPIRED_API_KEY", 401),
        ("REVOKED_API_KEY", 401),
        ("AUTHORIZATION_FAILED", 403),
        ("SUSPENDED_ACCOUNT", 403),
        ("INSUFFICIENT_PERMISSIONS", 403),
        ("INVALID_REQUEST", 400),
        ("MISSING_PARAMETER", 400),
        ("INVALID_PARAMETER", 400),
        ("INVALID_FORMAT", 400),
        ("INSUFFICIENT_BALANCE", 400),
        ("RESOURCE_NOT_FOUND", 404),
        ("JOB_NOT_FOUND", 404),
        ("CLIENT_NOT_FOUND", 404),
        ("API_KEY_NOT_FOUND", 404),
        ("RATE_LIMIT_EXCEEDED", 429),
        ("INTERNAL_ERROR", 500),
        ("PROCESSING_FAILED", 500),
        ("DATABASE_ERROR", 500),
        ("EXTERNAL_SERVICE_ERROR", 500),
        ("SERVICE_UNAVAILABLE", 503),
    ] {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        let e = decode(st(status), None, body.as_bytes());
        assert_eq!(e.code().name(), code);
        assert_eq!(e.code().status(), st(status), "{code}");
        let retry = matches!(status, 429 | 503) || (status == 500 && code != "PROCESSING_FAILED");
        assert_eq!(e.is_retryable(), retry, "{code}");
    }
}

#[test]
fn seed_004_full_shape_and_retryable_column() {
    let body = br#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Too many requests",
        "details":{"limit":100,"window_seconds":60},
        "request_id":"req_abc123","timestamp":"2026-11-22T10:15:30.123Z"}}"#;
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("17"));
    let e = decode(st(429), Some(&headers), body);
    assert_eq!(e.code(), &Code::RATE_LIMIT_EXCEEDED);
    assert_eq!(e.request_id(), Some("req_abc123"));
    assert_eq!(e.details().unwrap().context().unwrap()["limit"], 100);
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(17)));
    assert_eq!(
        e.timestamp().map(backstop::format_timestamp).as_deref(),
        Some("2026-11-22T10:15:30.123Z")
    );

    // Seed 004's table: status, code, retryable.
    for (status, code, retryable) in [
        (400, "INVALID_REQUEST", false),
        (401, "UNAUTHORIZED", false),
        (403, "FORBIDDEN", false),
        (404, "NOT_FOUND", false),
        (409, "CONFLICT", false),
        (422, "VALIDATION_ERROR", false),
        (429, "RATE_LIMIT_EXCEEDED", true),
        (500, "INTERNAL_ERROR", true),
        (502, "BAD_GATEWAY", true),
        (503, "SERVICE_UNAVAILABLE", true),
        (504, "TIMEOUT", true),
    ] {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        let e = decode(st(status), None, body.as_bytes());
        assert_eq!(e.code().name(), code);
        assert_eq!(e.is_retryable(), retryable, "{code}");
    }
}

#[test]
fn request_id_falls_back_to_the_header() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("hdr-1"));
    let e = decode(st(500), Some(&headers), b"");
    assert_eq!(e.request_id(), Some("hdr-1"));
    headers.insert(
        "x-request-id",
        HeaderValue::from_static("bad id with spaces"),
    );
    let e = decode(st(500), Some(&headers), b"");
    assert_eq!(e.request_id(), None, "invalid ids are not adopted");
}

#[test]
fn html_pages_and_empty_bodies_fall_back_to_the_status() {
    let html = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n";
    let (e, detected) = decode_detailed(st(502), None, html);
    assert_eq!(detected, Detected::NotJson);
    assert_eq!(e.code(), &Code::BAD_GATEWAY);
    assert!(e.is_retryable());
    assert!(e.body_excerpt().unwrap().contains("502 Bad Gateway"));
    assert!(!e.body_excerpt().unwrap().contains('\r'));

    let (e, detected) = decode_detailed(st(504), None, b"");
    assert_eq!(detected, Detected::Empty);
    assert_eq!(e.code(), &Code::TIMEOUT);

    let (e, _) = decode_detailed(st(408), None, b"   ");
    assert_eq!(e.code().name(), "REQUEST_TIMEOUT");
    assert!(e.is_retryable());

    let (e, detected) = decode_detailed(st(500), None, b"Service panicked");
    assert_eq!(detected, Detected::NotJson);
    assert_eq!(e.code(), &Code::INTERNAL_ERROR);
    assert_eq!(e.body_excerpt(), Some("Service panicked"));

    let (e, detected) = decode_detailed(st(404), None, br#"{"unexpected":true}"#);
    assert_eq!(detected, Detected::UnknownJson);
    assert_eq!(e.code(), &Code::NOT_FOUND);
}
