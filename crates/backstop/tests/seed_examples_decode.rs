//! Every error example the seeds print, and every code of their tables, decodes to the right code,
//! message, details, status and retryability; the seeds' client rules agree with the contract's
//! retry classification except where the contract says otherwise. The examples are data files in
//! `tests/fixtures/seeds/` (byte for byte as printed), described by `manifest.json`, `codes.json`
//! and `client_behaviours.json`.

use backstop::{
    Code, Detected, Profile, decode, decode_detailed, is_idempotent_method, is_retryable,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seeds/");
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

fn st(n: u64) -> StatusCode {
    StatusCode::from_u16(u16::try_from(n).unwrap()).unwrap()
}

#[test]
fn every_example_body_decodes_as_the_manifest_says() {
    let manifest = json_fixture("manifest.json");
    let cases = manifest["bodies"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let body = fixture(file);
        let mut headers = HeaderMap::new();
        if let Some(h) = case["headers"].as_object() {
            for (k, v) in h {
                headers.insert(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
                );
            }
        }
        let status = st(case["status"].as_u64().unwrap());
        let (e, detected) = decode_detailed(status, Some(&headers), &body);

        let expected_shape = match case["profile"].as_str() {
            Some(p) => Detected::Profile(p.parse::<Profile>().unwrap()),
            None => Detected::NotJson,
        };
        assert_eq!(detected, expected_shape, "{file}");
        assert_eq!(e.code().name(), case["code"].as_str().unwrap(), "{file}");
        assert_eq!(
            e.code().status(),
            st(case["code_status"].as_u64().unwrap()),
            "{file}"
        );
        assert_eq!(
            e.status(),
            status,
            "{file}: the status the server sent is kept"
        );
        assert_eq!(
            e.is_retryable(),
            case["retryable"].as_bool().unwrap(),
            "{file}"
        );
        if let Some(m) = case["message"].as_str() {
            assert_eq!(e.message(), m, "{file}");
        }
        if let Some(fields) = case["fields"].as_object() {
            let got = e
                .details()
                .and_then(|d| d.fields())
                .unwrap_or_else(|| panic!("{file}: no fields"));
            assert_eq!(got.len(), fields.len(), "{file}");
            for (field, messages) in fields {
                let messages: Vec<&str> = messages
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_str().unwrap())
                    .collect();
                assert_eq!(
                    got.get(field).unwrap(),
                    messages.as_slice(),
                    "{file}: {field}"
                );
            }
        }
        if let Some(order) = case["field_order"].as_array() {
            let got: Vec<&str> = e
                .details()
                .unwrap()
                .fields()
                .unwrap()
                .iter()
                .map(|(f, _)| f)
                .collect();
            let order: Vec<&str> = order.iter().map(|f| f.as_str().unwrap()).collect();
            assert_eq!(
                got, order,
                "{file}: fields keep the order they were sent in"
            );
        }
        if let Some(context) = case["context"].as_object() {
            assert_eq!(e.details().unwrap().context().unwrap(), context, "{file}");
        }
        if let Some(id) = case["request_id"].as_str() {
            assert_eq!(e.request_id(), Some(id), "{file}");
        }
        if let Some(t) = case["timestamp"].as_str() {
            assert_eq!(
                e.timestamp().map(backstop::format_timestamp).as_deref(),
                Some(t),
                "{file}"
            );
        }
        if let Some(secs) = case["retry_after_seconds"].as_u64() {
            assert_eq!(
                e.retry_after(),
                Some(std::time::Duration::from_secs(secs)),
                "{file}"
            );
        }
        if let Some(excerpt) = case["excerpt_contains"].as_str() {
            let got = e.body_excerpt().unwrap();
            assert!(got.contains(excerpt), "{file}: {got}");
            assert!(!got.contains('\r'), "{file}: the excerpt is printable");
        }
    }
}

#[test]
fn every_code_of_the_seeds_tables_decodes_with_its_status_and_retryability() {
    let codes = json_fixture("codes.json");
    let rows = codes["codes"].as_array().unwrap();
    assert!(rows.len() >= 45);
    for row in rows {
        let status = row["status"].as_u64().unwrap();
        let code = row["code"].as_str();
        let body = match (row["body"].as_str().unwrap(), code) {
            ("flat", Some(c)) => format!(r#"{{"error":"m","error_code":"{c}"}}"#),
            ("backstop", Some(c)) => format!(r#"{{"error":{{"code":"{c}","message":"m"}}}}"#),
            ("status", None) => format!(r#"{{"status":{status},"error":"x","message":"m"}}"#),
            other => panic!("unknown body kind {other:?}"),
        };
        let e = decode(st(status), None, body.as_bytes());
        let what = format!("seed {} {:?} {status}", row["seed"], code);
        assert_eq!(
            e.code().name(),
            row["canonical"].as_str().unwrap(),
            "{what}"
        );
        let code_status = row["code_status"].as_u64().unwrap_or(status);
        assert_eq!(e.code().status(), st(code_status), "{what}");
        assert_eq!(e.status(), st(status), "{what}");
        assert_eq!(
            e.is_retryable(),
            row["retryable"].as_bool().unwrap(),
            "{what}"
        );
    }
}

#[test]
fn the_seeds_retry_rules_are_the_contract_s_classification() {
    let rules = json_fixture("client_behaviours.json");
    for d in rules["retry_decisions"].as_array().unwrap() {
        let status = st(d["status"].as_u64().unwrap());
        let code = d["code"].as_str();
        let expected = d["retryable"].as_bool().unwrap();
        assert_eq!(
            is_retryable(status, code, None),
            expected,
            "seed {}: {} ({status} {code:?})",
            d["seed"],
            d["rule"]
        );
        // The body's own `retryable` wins over everything (docs/CONTRACT.md §11.1, rule 1).
        assert_eq!(is_retryable(status, code, Some(!expected)), !expected);
    }
    let methods = &rules["methods"];
    for m in methods["retried_without_idempotency_key"]
        .as_array()
        .unwrap()
    {
        let m: Method = m.as_str().unwrap().parse().unwrap();
        assert!(is_idempotent_method(&m), "{m}");
    }
    for m in methods["not_retried_without_idempotency_key"]
        .as_array()
        .unwrap()
    {
        let m: Method = m.as_str().unwrap().parse().unwrap();
        assert!(!is_idempotent_method(&m), "{m}");
    }
}

#[test]
fn the_seeds_codes_are_in_the_catalog_where_the_contract_adopts_them() {
    // Every code of seeds 000, 003 and 004 that names a condition (not a resource) is a catalog code,
    // except seed 004's UNAUTHORIZED/FORBIDDEN and seed 003's AUTHORIZATION_FAILED, which the contract
    // splits into the finer authentication and authorization codes (docs/CONTRACT.md §7.2).
    let codes = json_fixture("codes.json");
    for row in codes["codes"].as_array().unwrap() {
        let name = row["canonical"].as_str().unwrap();
        let resource =
            name.ends_with("_NOT_FOUND") && name != "RESOURCE_NOT_FOUND" && name != "NOT_FOUND";
        let split = matches!(name, "UNAUTHORIZED" | "FORBIDDEN" | "AUTHORIZATION_FAILED");
        assert_eq!(
            Code::from_catalog(name).is_some(),
            !resource && !split,
            "{name}"
        );
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
fn empty_and_plain_text_bodies_fall_back_to_the_status() {
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
