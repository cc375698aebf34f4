//! The one retryability rule (docs/CONTRACT.md §11.1), as a table over status × code × explicit
//! flag, and the proof that decode, the server's `retryable` member and `ApiError::is_retryable` all
//! apply it.

use backstop::{ApiError, CATALOG, Code, Profile, decode, is_retryable};
use http::StatusCode;

fn st(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap()
}

/// (status, code, explicit flag, retryable), written out by hand from the rule's four steps.
const TABLE: &[(u16, Option<&str>, Option<bool>, bool)] = &[
    // 4. the status alone
    (400, None, None, false),
    (401, None, None, false),
    (403, None, None, false),
    (404, None, None, false),
    (408, None, None, true),
    (409, None, None, false),
    (418, None, None, false),
    (422, None, None, false),
    (429, None, None, true),
    (500, None, None, true),
    (501, None, None, false),
    (502, None, None, true),
    (503, None, None, true),
    (504, None, None, true),
    (505, None, None, false),
    // 3. a catalog code with its own status keeps its value...
    (409, Some("CONFLICT"), None, false),
    (500, Some("PROCESSING_FAILED"), None, false),
    (500, Some("processing_failed"), None, false),
    (500, Some("INTERNAL_ERROR"), None, true),
    (429, Some("RATE_LIMIT_EXCEEDED"), None, true),
    (422, Some("VALIDATION_ERROR"), None, false),
    // ...with another status it says nothing, and the status decides
    (503, Some("CONFLICT"), None, true),
    (503, Some("PROCESSING_FAILED"), None, true),
    (400, Some("RATE_LIMIT_EXCEEDED"), None, false),
    (400, Some("VALIDATION_ERROR"), None, false),
    (502, Some("VALIDATION_ERROR"), None, true),
    // unknown codes: the status
    (500, Some("CARD_DECLINED"), None, true),
    (402, Some("CARD_DECLINED"), None, false),
    // 2. IDEMPOTENCY_KEY_IN_USE, whatever the status
    (409, Some("IDEMPOTENCY_KEY_IN_USE"), None, true),
    (400, Some("IDEMPOTENCY_KEY_IN_USE"), None, true),
    // 1. an explicit flag wins over everything
    (409, Some("IDEMPOTENCY_KEY_IN_USE"), Some(false), false),
    (503, None, Some(false), false),
    (500, Some("INTERNAL_ERROR"), Some(false), false),
    (400, None, Some(true), true),
    (500, Some("PROCESSING_FAILED"), Some(true), true),
    (409, Some("CONFLICT"), Some(true), true),
];

#[test]
fn the_rule_table() {
    for &(status, code, flag, want) in TABLE {
        assert_eq!(
            is_retryable(st(status), code, flag),
            want,
            "{status} {code:?} {flag:?}"
        );
    }
}

/// The error a server builds for a row: the code (catalog, or a made-up one) sent with this status.
fn server_error(status: StatusCode, code: Option<&str>, flag: Option<bool>) -> ApiError {
    let mut e = match code {
        Some(name) => match Code::from_catalog(name) {
            Some(c) => ApiError::new(c),
            None => ApiError::new(
                Code::custom(
                    name.to_ascii_uppercase(),
                    status,
                    backstop::status_is_retryable(status),
                )
                .unwrap(),
            ),
        },
        None => ApiError::from_status(status),
    }
    .with_status(status);
    if let Some(f) = flag {
        e = e.with_retryable(f);
    }
    e
}

/// Removes the `retryable` member from an encoded body, as a server that never writes it would send.
fn without_retryable(body: &[u8]) -> Vec<u8> {
    let s = String::from_utf8(body.to_vec()).unwrap();
    s.replace(",\"retryable\":true", "")
        .replace(",\"retryable\":false", "")
        .into_bytes()
}

#[test]
fn server_member_decode_and_error_agree_on_every_row() {
    for &(status, code, flag, want) in TABLE {
        let status = st(status);
        let e = server_error(status, code, flag);
        assert_eq!(
            e.is_retryable(),
            want,
            "ApiError: {status} {code:?} {flag:?}"
        );
        for profile in Profile::ALL {
            let wire = profile.encode(&e);
            let json: serde_json::Value = serde_json::from_slice(&wire.body).unwrap();
            let member = json
                .get("retryable")
                .or_else(|| json["error"].get("retryable"));
            assert_eq!(
                member.and_then(|m| m.as_bool()),
                Some(want),
                "server member, {profile:?}: {status} {code:?} {flag:?}"
            );
            let back = decode(wire.status, None, &wire.body);
            assert_eq!(back.is_retryable(), want, "decoded, {profile:?}");
            if flag.is_none() && wire.status == status {
                let bare = decode(wire.status, None, &without_retryable(&wire.body));
                assert_eq!(bare.explicit_retryable(), None);
                assert_eq!(
                    bare.is_retryable(),
                    want,
                    "decoded without the member, {profile:?}: {status} {code:?}"
                );
            }
        }
    }
}

#[test]
fn every_catalog_code_at_every_error_status_follows_the_string_rule() {
    let statuses: Vec<StatusCode> = (400..=599).map(st).collect();
    for code in CATALOG {
        for &status in &statuses {
            for flag in [None, Some(true), Some(false)] {
                let e = server_error(status, Some(code.name()), flag);
                assert_eq!(
                    e.is_retryable(),
                    is_retryable(status, Some(code.name()), flag),
                    "{status} {code:?} {flag:?}"
                );
            }
        }
    }
}

#[test]
fn an_applications_own_code_keeps_its_declared_retryability_at_its_status() {
    let code = Code::custom(
        "QUOTA_RESET_PENDING",
        StatusCode::SERVICE_UNAVAILABLE,
        false,
    )
    .unwrap();
    let e = ApiError::new(code.clone());
    assert!(
        !e.is_retryable(),
        "declared not retryable at its own status"
    );
    let e = ApiError::new(code).with_status(StatusCode::BAD_GATEWAY);
    assert!(e.is_retryable(), "another status: the status decides");
}
