//! A token endpoint's error body in RFC 6749 §5.2 form, with the contract's code and request id
//! (docs/CONTRACT.md §7.4), validates against `schema::oauth2_error_schema`; a body without the
//! request id, with a non-standard `error`, or in the envelope's shape does not.

use backstop::Code;
use backstop::schema::oauth2_error_schema;
use serde_json::json;

#[test]
fn rfc_6749_bodies_with_the_contract_s_members_are_valid() {
    let schema = oauth2_error_schema(&[Code::INVALID_API_KEY, Code::AUTHENTICATION_REQUIRED]);
    let v = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let good = json!({"error": "invalid_client", "error_description": "The provided API key is invalid",
                      "code": "INVALID_API_KEY", "request_id": "0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22"});
    assert!(v.is_valid(&good));
    let mut with_extras = good.clone();
    with_extras["timestamp"] = json!("2026-11-22T10:15:30.123Z");
    with_extras["retryable"] = json!(false);
    assert!(v.is_valid(&with_extras));

    let mut no_id = good.clone();
    no_id.as_object_mut().unwrap().remove("request_id");
    assert!(!v.is_valid(&no_id));
    let mut odd = good.clone();
    odd["error"] = json!("bad_key");
    assert!(!v.is_valid(&odd));
    let mut other_code = good.clone();
    other_code["code"] = json!("INVALID_TOKEN");
    assert!(!v.is_valid(&other_code));
    let envelope = json!({"error": {"code": "INVALID_API_KEY", "message": "m", "request_id": "r",
                                    "timestamp": "2026-11-22T10:15:30.123Z", "retryable": false}});
    assert!(!v.is_valid(&envelope));
}
