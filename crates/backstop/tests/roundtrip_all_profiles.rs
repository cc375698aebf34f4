//! For every profile, decode(encode(e)) preserves code, message, details, request_id and retryable.

use backstop::{ApiError, CATALOG, Code, Details, FieldViolations, Profile, decode};
use http::StatusCode;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        (0..CATALOG.len()).prop_map(|i| CATALOG[i].clone()),
        (
            "[A-Z][A-Z0-9]{0,6}(_[A-Z0-9]{1,6}){0,3}",
            400u16..600,
            any::<bool>()
        )
            .prop_filter_map("catalog names are not custom", |(name, status, retry)| {
                if Code::from_catalog(&name).is_some() {
                    return None;
                }
                Code::custom(name, StatusCode::from_u16(status).ok()?, retry).ok()
            }),
    ]
}

fn field_path() -> impl Strategy<Value = String> {
    (
        "[a-z_][a-z0-9_]{0,8}",
        prop::collection::vec(
            prop_oneof![
                "[a-z_][a-z0-9_]{0,6}".prop_map(|s| format!(".{s}")),
                (0u32..50).prop_map(|i| format!("[{i}]")),
            ],
            0..3,
        ),
    )
        .prop_map(|(head, tail)| format!("{head}{}", tail.concat()))
}

fn details() -> impl Strategy<Value = Option<Details>> {
    prop_oneof![
        Just(None),
        prop::collection::vec((field_path(), ".{0,30}"), 1..6)
            .prop_map(|v| Some(Details::Fields(v.into_iter().collect::<FieldViolations>()))),
        (
            prop::collection::btree_map(
                "[a-z]{1,8}",
                prop_oneof![
                    ".{0,20}".prop_map(Value::String),
                    any::<i64>().prop_map(Value::from),
                    any::<bool>().prop_map(Value::Bool),
                ],
                0..4
            ),
            ".{0,12}",
        )
            .prop_map(|(m, id)| {
                let mut ctx: Map<String, Value> = m.into_iter().collect();
                ctx.insert("id".into(), Value::String(id));
                Some(Details::Context(ctx))
            }),
    ]
}

fn api_error() -> impl Strategy<Value = ApiError> {
    (
        code(),
        ".{0,80}",
        details(),
        prop::option::of("[A-Za-z0-9._:-]{1,128}"),
    )
        .prop_map(|(code, message, details, request_id)| {
            let mut e = ApiError::new(code).with_message(message);
            if let Some(d) = details {
                e = e.with_details(d);
            }
            if let Some(id) = request_id {
                e = e.with_request_id(id);
            }
            e
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn decode_encode_round_trips(e in api_error(), pi in 0usize..4) {
        let profile = Profile::ALL[pi];
        let wire = profile.encode(&e);
        let back = decode(wire.status, None, &wire.body);
        prop_assert_eq!(back.code().name(), e.code().name());
        prop_assert_eq!(back.message(), e.message());
        prop_assert_eq!(back.details(), e.details());
        prop_assert_eq!(back.request_id(), e.request_id());
        prop_assert_eq!(back.is_retryable(), e.is_retryable());
        prop_assert_eq!(back.timestamp().map(|t| t.unix_timestamp()), e.timestamp().map(|t| t.unix_timestamp()));
    }
}
