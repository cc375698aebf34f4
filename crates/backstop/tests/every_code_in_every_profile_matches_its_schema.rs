//! Every catalog code (and application codes such as `INVOICE_NOT_FOUND`), encoded in every profile
//! with and without details, validates against that profile's published JSON Schema, and against the
//! schema narrowed to its status and code. Bodies that break the contract do not.

use backstop::schema::{DetailsSchema, EnvelopeSchema};
use backstop::{ApiError, CATALOG, Code, Profile, envelope_schema};
use http::StatusCode;
use serde_json::{Value, json};

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("a valid schema")
}

fn codes() -> Vec<Code> {
    let mut codes: Vec<Code> = CATALOG.to_vec();
    codes.push(Code::not_found_for("invoice"));
    codes.push(Code::custom("CARD_DECLINED", StatusCode::PAYMENT_REQUIRED, false).unwrap());
    codes.push(Code::for_status(StatusCode::GONE));
    codes
}

/// The error without details, with field violations, and with context.
fn variants(code: &Code) -> Vec<(ApiError, DetailsSchema)> {
    let base =
        || ApiError::new(code.clone()).with_request_id("0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22");
    vec![
        (base(), DetailsSchema::Context),
        (
            base()
                .with_field("email", "Enter a valid email address.")
                .with_field("items[2].amount", "Must be at least 0")
                .with_field("items[2].amount", "Must be a whole number"),
            DetailsSchema::Fields,
        ),
        (
            base()
                .with_detail("resource", "invoice")
                .with_detail("id", "inv_9")
                .with_detail("limit", 100),
            DetailsSchema::Context,
        ),
    ]
}

fn body(profile: Profile, e: &ApiError) -> (StatusCode, Value) {
    let wire = profile.encode(e);
    (wire.status, serde_json::from_slice(&wire.body).unwrap())
}

#[test]
fn every_code_in_every_profile_with_and_without_details_is_valid() {
    let mut checked = 0;
    for profile in Profile::ALL {
        let general = validator(&envelope_schema(profile));
        for code in codes() {
            for (error, details) in variants(&code) {
                let (status, body) = body(profile, &error);
                let errors: Vec<String> =
                    general.iter_errors(&body).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{profile:?} {code}: {errors:?}\n{body}");

                let narrowed = validator(
                    &EnvelopeSchema::new(profile)
                        .status(status)
                        .codes([&code])
                        .details(details)
                        .schema(),
                );
                let errors: Vec<String> =
                    narrowed.iter_errors(&body).map(|e| e.to_string()).collect();
                assert!(
                    errors.is_empty(),
                    "narrowed {profile:?} {code}: {errors:?}\n{body}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * (CATALOG.len() + 3) * 3);
}

#[test]
fn a_body_of_another_profile_is_not_valid() {
    let e = ApiError::new(Code::INVALID_TOKEN).with_request_id("req_1");
    for schema_profile in Profile::ALL {
        let v = validator(&envelope_schema(schema_profile));
        for body_profile in Profile::ALL {
            let (_, body) = body(body_profile, &e);
            assert_eq!(
                v.is_valid(&body),
                schema_profile == body_profile,
                "{body_profile:?} body against the {schema_profile:?} schema: {body}"
            );
        }
    }
}

#[test]
fn bodies_that_break_the_contract_are_not_valid() {
    let e = ApiError::validation()
        .with_field("email", "Enter a valid email address.")
        .with_request_id("req_1");
    for profile in Profile::ALL {
        let v = validator(&envelope_schema(profile));
        let (_, good) = body(profile, &e);
        assert!(v.is_valid(&good));
        // No request id: the contract puts one in every error body.
        let (_, no_id) = body(profile, &ApiError::validation().with_field("email", "x"));
        assert!(!v.is_valid(&no_id), "{profile:?}: {no_id}");
        // Each required member removed in turn.
        let object = |b: &Value| -> serde_json::Map<String, Value> {
            match profile {
                Profile::Backstop => b["error"].as_object().unwrap().clone(),
                _ => b.as_object().unwrap().clone(),
            }
        };
        let wrap = |m: serde_json::Map<String, Value>| -> Value {
            match profile {
                Profile::Backstop => json!({ "error": m }),
                _ => Value::Object(m),
            }
        };
        for member in object(&good).keys() {
            if matches!(member.as_str(), "details" | "errors") {
                continue;
            }
            let mut m = object(&good);
            m.remove(member);
            assert!(!v.is_valid(&wrap(m)), "{profile:?} without {member}");
        }
        // A bad timestamp, a bad request id, a code in the wrong spelling.
        let mut m = object(&good);
        m.insert("timestamp".into(), json!("22/11/2026 10:15"));
        assert!(!v.is_valid(&wrap(m)), "{profile:?}: bad timestamp");
        let mut m = object(&good);
        m.insert("request_id".into(), json!("bad id with spaces"));
        assert!(!v.is_valid(&wrap(m)), "{profile:?}: bad request id");
        let (code_member, wrong) = match profile {
            Profile::Flat => ("error_code", "VALIDATION_ERROR"),
            _ => ("code", "validation_error"),
        };
        let mut m = object(&good);
        m.insert(code_member.into(), json!(wrong));
        assert!(!v.is_valid(&wrap(m)), "{profile:?}: {wrong}");
    }
}

#[test]
fn a_narrowed_schema_refuses_other_codes_and_statuses() {
    for profile in Profile::ALL {
        let not_found = validator(
            &EnvelopeSchema::new(profile)
                .status(StatusCode::NOT_FOUND)
                .codes([&Code::not_found_for("invoice")])
                .details(DetailsSchema::Context)
                .schema(),
        );
        let (_, invoice) = body(
            profile,
            &ApiError::not_found("invoice", "inv_9").with_request_id("r"),
        );
        assert!(not_found.is_valid(&invoice), "{profile:?}: {invoice}");
        let (_, customer) = body(
            profile,
            &ApiError::not_found("customer", "cus_9").with_request_id("r"),
        );
        assert!(!not_found.is_valid(&customer), "{profile:?}: {customer}");

        let fields = validator(
            &EnvelopeSchema::new(profile)
                .status(profile.wire_status(&Code::VALIDATION_ERROR))
                .codes([&Code::VALIDATION_ERROR])
                .details(DetailsSchema::Fields)
                .schema(),
        );
        let (_, with_fields) = body(
            profile,
            &ApiError::validation()
                .with_field("a", "b")
                .with_request_id("r"),
        );
        assert!(fields.is_valid(&with_fields), "{profile:?}: {with_fields}");
        let (_, with_context) = body(
            profile,
            &ApiError::validation()
                .with_detail("a", 1)
                .with_request_id("r"),
        );
        // (The problem profile puts field messages in `errors`, and allows a `details` extension.)
        if profile != Profile::Problem {
            assert!(
                !fields.is_valid(&with_context),
                "{profile:?}: {with_context}"
            );
        }
    }
    // The status and problem profiles carry the status in the body.
    for profile in [Profile::Status, Profile::Problem] {
        let v = validator(
            &EnvelopeSchema::new(profile)
                .status(StatusCode::NOT_FOUND)
                .schema(),
        );
        let (_, gone) = body(
            profile,
            &ApiError::from_status(StatusCode::GONE).with_request_id("r"),
        );
        assert!(!v.is_valid(&gone), "{profile:?}: {gone}");
    }
}
