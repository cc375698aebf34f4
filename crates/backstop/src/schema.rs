//! JSON Schema (2020-12) of the error envelope in each wire profile (docs/CONTRACT.md §2), built
//! as plain `serde_json` values with no I/O.
//!
//! The documents published under `docs/schemas/` are [`envelope_schema`] of each profile; an OpenAPI
//! document embeds [`EnvelopeSchema::schema`], narrowed to one response's status and codes. The
//! schemas use only keywords that OpenAPI 3.1 tools model (`type`, `properties`, `required`,
//! `enum`, `pattern`, `anyOf`, …) and no `$ref`, so a schema can be embedded anywhere unchanged.

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::code::Code;
use crate::profile::Profile;
use crate::request_id::MAX_REQUEST_ID_LEN;

/// The JSON Schema dialect of every schema here.
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// `SCREAMING_SNAKE_CASE`, the canonical spelling of codes (at most 64 bytes).
pub const SCREAMING_SNAKE_PATTERN: &str = "^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$";
/// `lower_snake`, the flat profile's spelling of codes (at most 64 bytes).
pub const LOWER_SNAKE_PATTERN: &str = "^[a-z][a-z0-9]*(_[a-z0-9]+)*$";
/// A request id the contract keeps: 1 to 128 characters of `[A-Za-z0-9._:-]` (docs/CONTRACT.md §4).
pub const REQUEST_ID_PATTERN: &str = "^[A-Za-z0-9._:-]{1,128}$";
/// The timestamp format: RFC 3339 UTC with milliseconds (`2026-11-22T10:15:30.123Z`).
pub const TIMESTAMP_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$";

/// What an envelope's `details` member holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetailsSchema {
    /// Either a field map or context (the general case).
    #[default]
    Any,
    /// A field map `{"<field path>": ["message", …]}` (validation and parameter errors); in the
    /// problem profile these are the `errors` array.
    Fields,
    /// Context such as `{"resource": "invoice", "id": "inv_9"}`.
    Context,
}

/// The schema of one profile's envelope, optionally narrowed to one status, a set of codes and one
/// kind of details (what one response of an API operation can carry).
///
/// ```
/// use backstop::{Code, Profile, schema::{DetailsSchema, EnvelopeSchema}};
/// use backstop::http::StatusCode;
///
/// let schema = EnvelopeSchema::new(Profile::Flat)
///     .status(StatusCode::BAD_REQUEST)
///     .codes([&Code::VALIDATION_ERROR, &Code::INVALID_FORMAT])
///     .details(DetailsSchema::Any)
///     .schema();
/// assert_eq!(
///     schema["properties"]["error_code"]["enum"],
///     serde_json::json!(["validation_error", "invalid_format"])
/// );
/// ```
#[derive(Debug, Clone)]
pub struct EnvelopeSchema {
    profile: Profile,
    status: Option<StatusCode>,
    codes: Vec<Code>,
    details: DetailsSchema,
}

/// The published JSON Schema document of `profile`'s envelope (what `docs/schemas/<profile>.schema.json`
/// holds): every error any server speaking the contract sends in that profile validates against it.
pub fn envelope_schema(profile: Profile) -> Value {
    EnvelopeSchema::new(profile).document()
}

impl EnvelopeSchema {
    /// Any error in `profile`.
    pub fn new(profile: Profile) -> Self {
        EnvelopeSchema {
            profile,
            status: None,
            codes: Vec::new(),
            details: DetailsSchema::Any,
        }
    }

    /// Only errors sent with this status (the status after the profile's moves).
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Only these codes (an `enum` of their spellings in the profile). No codes: any well-formed code.
    pub fn codes<'a>(mut self, codes: impl IntoIterator<Item = &'a Code>) -> Self {
        self.codes = codes.into_iter().cloned().collect();
        self
    }

    /// What `details` holds.
    pub fn details(mut self, details: DetailsSchema) -> Self {
        self.details = details;
        self
    }

    /// A standalone document: [`schema`](Self::schema) with `$schema`, `$id` and `title`.
    pub fn document(&self) -> Value {
        let mut doc = Map::new();
        doc.insert("$schema".into(), json!(JSON_SCHEMA_DIALECT));
        doc.insert(
            "$id".into(),
            json!(format!(
                "urn:backstop:schema:envelope:{}",
                self.profile.name()
            )),
        );
        doc.insert(
            "title".into(),
            json!(format!(
                "backstop error envelope, {} profile",
                self.profile.name()
            )),
        );
        if let Value::Object(body) = self.schema() {
            doc.extend(body);
        }
        Value::Object(doc)
    }

    /// The schema without `$schema` and `$id`, to embed (an OpenAPI 3.1 schema object).
    pub fn schema(&self) -> Value {
        match self.profile {
            Profile::Backstop => self.backstop(),
            Profile::Flat => self.flat(),
            Profile::Status => self.status_profile(),
            Profile::Problem => self.problem(),
        }
    }

    fn backstop(&self) -> Value {
        let mut inner = Props::default();
        inner.add("code", self.code(), true);
        inner.add("message", message(), true);
        inner.add("details", self.details_schema(), false);
        self.common(&mut inner);
        let mut outer = Props::default();
        outer.add(
            "error",
            inner.object(
                "The error: its code, message, details, request id, timestamp and retryability.",
            ),
            true,
        );
        outer.object(&self.description())
    }

    fn flat(&self) -> Value {
        let mut p = Props::default();
        p.add("error", message(), true);
        p.add("error_code", self.code(), true);
        p.add("details", self.details_schema(), false);
        self.common(&mut p);
        p.object(&self.description())
    }

    fn status_profile(&self) -> Value {
        let mut p = Props::default();
        p.add("status", self.status_member(), true);
        p.add("error", self.reason_phrase(), true);
        p.add("message", message(), true);
        p.add("code", self.code(), true);
        p.add("details", self.details_schema(), false);
        self.common(&mut p);
        p.object(&self.description())
    }

    fn problem(&self) -> Value {
        let mut p = Props::default();
        p.add(
            "type",
            json!({"type": "string", "enum": ["about:blank"],
                   "description": "Always `about:blank`: the `code` member carries the meaning."}),
            true,
        );
        p.add("title", self.reason_phrase(), true);
        p.add("status", self.status_member(), true);
        p.add("detail", message(), true);
        p.add(
            "instance",
            json!({"type": "string", "pattern": "^urn:request:[A-Za-z0-9._:-]{1,128}$",
                   "description": "`urn:request:<request_id>`: this occurrence."}),
            true,
        );
        p.add("code", self.code(), true);
        self.common(&mut p);
        if self.details != DetailsSchema::Context {
            p.add("errors", problem_errors(), false);
        }
        if self.details != DetailsSchema::Fields {
            p.add("details", context(), false);
        }
        p.object(&self.description())
    }

    fn common(&self, p: &mut Props) {
        p.add(
            "request_id",
            json!({"type": "string", "pattern": REQUEST_ID_PATTERN,
                   "minLength": 1, "maxLength": MAX_REQUEST_ID_LEN,
                   "description": "Equals the `X-Request-Id` response header."}),
            true,
        );
        p.add(
            "timestamp",
            json!({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN,
                   "description": "When the error occurred: RFC 3339, UTC, milliseconds."}),
            true,
        );
        p.add(
            "retryable",
            json!({"type": "boolean",
                   "description": "Whether the same request may be retried unchanged."}),
            true,
        );
    }

    fn description(&self) -> String {
        let mut s = format!(
            "An error response in the `{}` profile of the backstop contract (docs/CONTRACT.md §2).",
            self.profile.name()
        );
        if !self.codes.is_empty() {
            let names: Vec<String> = self
                .codes
                .iter()
                .map(|c| self.profile.wire_code(c))
                .collect();
            s.push_str(&format!(" Codes: {}.", names.join(", ")));
        }
        s
    }

    fn code(&self) -> Value {
        let pattern = match self.profile {
            Profile::Flat => LOWER_SNAKE_PATTERN,
            _ => SCREAMING_SNAKE_PATTERN,
        };
        let mut code = json!({
            "type": "string",
            "pattern": pattern,
            "minLength": 1,
            "maxLength": 64,
            "description": "The machine-readable error code: stable, never translated.",
        });
        if !self.codes.is_empty() {
            let mut names: Vec<String> = Vec::with_capacity(self.codes.len());
            for c in &self.codes {
                let name = self.profile.wire_code(c);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            code["enum"] = json!(names);
        }
        code
    }

    fn status_member(&self) -> Value {
        match self.status {
            Some(s) => json!({"type": "integer", "enum": [s.as_u16()],
                              "description": "The HTTP status of the response."}),
            None => json!({"type": "integer", "minimum": 400, "maximum": 599,
                           "description": "The HTTP status of the response."}),
        }
    }

    fn reason_phrase(&self) -> Value {
        let mut v = json!({"type": "string", "minLength": 1,
                           "description": "The status's reason phrase, such as `Bad Request`."});
        if let Some(s) = self.status {
            v["enum"] = json!([s.canonical_reason().unwrap_or("Error")]);
        }
        v
    }

    fn details_schema(&self) -> Value {
        match self.details {
            DetailsSchema::Fields => field_violations(),
            DetailsSchema::Context => context(),
            DetailsSchema::Any => json!({
                "description": "Per-field messages for validation errors, otherwise context.",
                "anyOf": [field_violations(), context()],
            }),
        }
    }
}

/// The `error` values of an OAuth2 token endpoint's error bodies: RFC 6749 §5.2's, plus
/// `temporarily_unavailable` and `server_error` (RFC 6749 §4.1.2.1) for overload and failures.
pub const OAUTH2_ERRORS: [&str; 8] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "temporarily_unavailable",
    "server_error",
];

/// The schema of an OAuth2 token endpoint's error body (docs/CONTRACT.md §7.4): RFC 6749 §5.2's
/// `error` and `error_description`, plus the contract's `code` (one of `codes`, when given) and
/// `request_id`; `timestamp` and `retryable` may be added.
///
/// ```
/// let schema = backstop::schema::oauth2_error_schema(&[backstop::Code::INVALID_API_KEY]);
/// assert_eq!(schema["properties"]["code"]["enum"], serde_json::json!(["INVALID_API_KEY"]));
/// ```
pub fn oauth2_error_schema(codes: &[Code]) -> Value {
    let mut p = Props::default();
    p.add(
        "error",
        json!({"type": "string", "enum": OAUTH2_ERRORS,
               "description": "The OAuth2 error code (RFC 6749 §5.2)."}),
        true,
    );
    p.add("error_description", message(), true);
    p.add(
        "code",
        EnvelopeSchema::new(Profile::Backstop).codes(codes).code(),
        true,
    );
    let mut common = Props::default();
    EnvelopeSchema::new(Profile::Backstop).common(&mut common);
    for (name, schema) in common.properties {
        let required = name == "request_id";
        p.add(name, schema, required);
    }
    p.object(
        "An OAuth2 token endpoint's error (RFC 6749 §5.2) with the contract's code and request id \
         (docs/CONTRACT.md §7.4).",
    )
}

fn message() -> Value {
    json!({"type": "string",
           "description": "A human-readable message, safe to show; in the request's language."})
}

fn field_violations() -> Value {
    json!({
        "type": "object",
        "description": "Messages per field path (`email`, `items[2].amount`), every offending field at once.",
        "minProperties": 1,
        "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    })
}

fn context() -> Value {
    json!({
        "type": "object",
        "description": "Context, such as `{\"resource\": \"invoice\", \"id\": \"inv_9\"}`.",
        "minProperties": 1,
    })
}

fn problem_errors() -> Value {
    json!({
        "type": "array",
        "description": "One entry per field message; `pointer` is a JSON Pointer fragment into the request body.",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["detail", "pointer"],
            "properties": {
                "detail": {"type": "string"},
                "pointer": {"type": "string", "pattern": "^#(/.*)?$"},
            },
        },
    })
}

/// Properties and the required list of an object schema, in insertion order.
#[derive(Default)]
struct Props {
    properties: Map<String, Value>,
    required: Vec<String>,
}

impl Props {
    fn add(&mut self, name: impl Into<String>, schema: Value, required: bool) {
        let name = name.into();
        if required {
            self.required.push(name.clone());
        }
        self.properties.insert(name, schema);
    }

    fn object(self, description: &str) -> Value {
        json!({
            "type": "object",
            "description": description,
            "required": self.required,
            "properties": self.properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_requires_its_members() {
        let required = |v: &Value| -> Vec<String> {
            v["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        let backstop = envelope_schema(Profile::Backstop);
        assert_eq!(required(&backstop), ["error"]);
        assert_eq!(
            required(&backstop["properties"]["error"]),
            ["code", "message", "request_id", "timestamp", "retryable"]
        );
        assert_eq!(
            required(&envelope_schema(Profile::Flat)),
            [
                "error",
                "error_code",
                "request_id",
                "timestamp",
                "retryable"
            ]
        );
        assert!(required(&envelope_schema(Profile::Problem)).contains(&"instance".to_owned()));
    }

    #[test]
    fn oauth2_errors_require_the_rfc_members_and_the_request_id() {
        let s = oauth2_error_schema(&[]);
        assert_eq!(
            s["required"],
            json!(["error", "error_description", "code", "request_id"])
        );
        assert!(s["properties"]["retryable"].is_object());
    }

    #[test]
    fn narrowed_schemas_list_spellings_and_status() {
        let s = EnvelopeSchema::new(Profile::Problem)
            .status(StatusCode::NOT_FOUND)
            .codes([&Code::NOT_FOUND, &Code::not_found_for("invoice")])
            .schema();
        assert_eq!(
            s["properties"]["code"]["enum"],
            json!(["NOT_FOUND", "INVOICE_NOT_FOUND"])
        );
        assert_eq!(s["properties"]["status"]["enum"], json!([404]));
        assert_eq!(s["properties"]["title"]["enum"], json!(["Not Found"]));
    }
}
