//! Error response schemas: the core's JSON Schema of the running profile (`backstop::schema`),
//! narrowed to each response's status and codes, carried into utoipa's model unchanged.

use backstop::schema::{DetailsSchema, EnvelopeSchema};
use backstop::{Code, Profile};
#[cfg(test)]
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// What a code's details hold: a field map for validation and parameter errors (docs/CONTRACT.md
/// §5), nothing for the idempotency conflicts, context for everything else.
fn details_kind(code: &Code) -> Option<DetailsSchema> {
    if *code == Code::VALIDATION_ERROR
        || *code == Code::INVALID_PARAMETER
        || *code == Code::MISSING_PARAMETER
    {
        Some(DetailsSchema::Fields)
    } else if *code == Code::IDEMPOTENCY_KEY_MISMATCH || *code == Code::IDEMPOTENCY_KEY_IN_USE {
        None
    } else {
        Some(DetailsSchema::Context)
    }
}

/// What the details of a response with these codes hold.
pub fn details_of(codes: &[Code]) -> DetailsSchema {
    let mut kinds = codes.iter().filter_map(details_kind);
    match kinds.next() {
        None => DetailsSchema::Context,
        Some(first) if kinds.all(|k| k == first) => first,
        Some(_) => DetailsSchema::Any,
    }
}

/// The `Error` component: any error in `profile`.
pub fn error_component(profile: Profile) -> Schema {
    into_utoipa(EnvelopeSchema::new(profile).schema())
}

/// The schema of one error response: `profile`'s envelope with this status and these codes.
pub fn response_schema(profile: Profile, status: u16, codes: &[Code]) -> Schema {
    let mut schema = EnvelopeSchema::new(profile)
        .codes(codes)
        .details(details_of(codes));
    if let Ok(status) = backstop::http::StatusCode::from_u16(status) {
        schema = schema.status(status);
    }
    into_utoipa(schema.schema())
}

/// The schema of one error response of an OAuth2 token endpoint (docs/CONTRACT.md §7.4).
pub fn oauth2_response_schema(codes: &[Code]) -> Schema {
    into_utoipa(backstop::schema::oauth2_error_schema(codes))
}

/// The core's schemas use only keywords utoipa models (a test checks the round trip is lossless).
fn into_utoipa(value: serde_json::Value) -> Schema {
    serde_json::from_value(value).unwrap_or_default()
}

/// For tests: a schema as JSON.
#[cfg(test)]
fn as_json(schema: &Schema) -> serde_json::Value {
    serde_json::to_value(RefOr::T(schema.clone())).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_schemas_survive_utoipa_unchanged() {
        let code_sets: [&[Code]; 4] = [
            &[],
            &[Code::VALIDATION_ERROR],
            &[Code::INVALID_FORMAT, Code::INVALID_PARAMETER],
            &[Code::not_found_for("invoice"), Code::NOT_FOUND],
        ];
        for profile in Profile::ALL {
            let general = EnvelopeSchema::new(profile).schema();
            assert_eq!(as_json(&error_component(profile)), general, "{profile:?}");
            for codes in code_sets {
                for status in [400u16, 404, 422] {
                    let mut expected = EnvelopeSchema::new(profile)
                        .codes(codes)
                        .details(details_of(codes));
                    expected =
                        expected.status(backstop::http::StatusCode::from_u16(status).unwrap());
                    assert_eq!(
                        as_json(&response_schema(profile, status, codes)),
                        expected.schema(),
                        "{profile:?} {status} {codes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_oauth2_schema_survives_utoipa_unchanged() {
        let codes = [Code::INVALID_API_KEY, Code::SUSPENDED_ACCOUNT];
        assert_eq!(
            as_json(&oauth2_response_schema(&codes)),
            backstop::schema::oauth2_error_schema(&codes)
        );
    }

    #[test]
    fn details_follow_the_codes() {
        assert_eq!(
            details_of(&[Code::VALIDATION_ERROR, Code::INVALID_PARAMETER]),
            DetailsSchema::Fields
        );
        assert_eq!(details_of(&[Code::INVALID_FORMAT]), DetailsSchema::Context);
        assert_eq!(
            details_of(&[Code::INVALID_FORMAT, Code::VALIDATION_ERROR]),
            DetailsSchema::Any
        );
        assert_eq!(
            details_of(&[Code::IDEMPOTENCY_KEY_MISMATCH, Code::VALIDATION_ERROR]),
            DetailsSchema::Fields
        );
    }
}
