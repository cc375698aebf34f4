//! `GET /openapi.json`: an OpenAPI 3.1 document generated from the Rust types (utoipa): every
//! request and success body is the schema of its type (`ToSchema` derives, with the bounds the
//! handlers check), every error response is the core's JSON Schema of the running profile narrowed
//! to that response's codes, and every header of docs/CONTRACT.md is declared with its schema.
//!
//! Operations come from one table ([`OPERATIONS`]) so that the document and the routes stay side by
//! side.

mod errors;
mod operations;

use std::collections::BTreeMap;

use backstop::{Code, Profile};
use serde_json::Value;
use utoipa::IntoParams;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApiBuilder, PathsBuilder, Required, ResponseBuilder,
};

use super::schema_fields as fields;
pub use super::schema_fields::{
    Country, Currency, IDEMPOTENCY_KEY_PATTERN, date, email, optional_text_255, text_64, text_255,
    text_500,
};
pub use operations::{Auth, Body, Link, OAUTH2_ERROR_OPERATIONS, OPERATIONS, Operation, Success};

use super::page::PageQuery;

/// The headers of one response that the contract makes mandatory (utoipa's `Header` has no
/// `required` member, so they are marked in the JSON after serialization).
struct RequiredHeader {
    path: &'static str,
    method: &'static str,
    status: String,
    header: &'static str,
}

/// The OpenAPI 3.1 document for error bodies in `profile`, as JSON (`chaos_status`: the status
/// chaos mode injects, if on).
pub fn document(profile: Profile, chaos_status: Option<u16>) -> String {
    let mut paths = PathsBuilder::new();
    let mut components = ComponentsBuilder::new();
    let mut schemas = Vec::new();
    let mut required = Vec::new();
    for o in OPERATIONS {
        if let Some(c) = o.request {
            c.collect(&mut schemas);
        }
        if let Success::Json(c) = o.response {
            c.collect(&mut schemas);
        }
        let method = if o.method == "post" {
            HttpMethod::Post
        } else {
            HttpMethod::Get
        };
        paths = paths.path(
            o.path,
            PathItem::new(method, operation(o, profile, chaos_status, &mut required)),
        );
    }
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    schemas.dedup_by(|a, b| a.0 == b.0);
    components = components
        .schemas_from_iter(schemas)
        .schema("Error", errors::error_component(profile))
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or API key")
                    .description(Some(
                        "A partner token, a business token, or an API key (docs/CONTRACT.md §7.1).",
                    ))
                    .build(),
            ),
        )
        .security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key; `Authorization` wins when both are sent.",
            ))),
        )
        .security_scheme(
            "basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("`partner_id:api_key` (client_secret_basic)."))
                    .build(),
            ),
        );
    let doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("backstop reference API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(format!(
                    "The reference API of the backstop error contract (docs/CONTRACT.md). Error \
                     bodies are in the `{}` profile: the `Error` component.",
                    profile.name()
                )))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build();
    let mut json = serde_json::to_value(&doc).unwrap_or(Value::Null);
    for r in required {
        if let Some(h) = json
            .pointer_mut(&format!(
                "/paths/{}/{}/responses/{}/headers/{}",
                r.path.replace('~', "~0").replace('/', "~1"),
                r.method,
                r.status,
                r.header
            ))
            .and_then(Value::as_object_mut)
        {
            h.insert("required".to_owned(), Value::Bool(true));
        }
    }
    serde_json::to_string(&json).unwrap_or_else(|_| "{}".to_owned())
}

fn operation(
    o: &'static Operation,
    profile: Profile,
    chaos_status: Option<u16>,
    required: &mut Vec<RequiredHeader>,
) -> utoipa::openapi::path::Operation {
    let api = o.auth != Auth::Open;
    let mut b = OperationBuilder::new()
        .summary(Some(o.summary))
        .operation_id(Some(o.id));
    for p in path_params(o.path) {
        b = b.parameter(
            ParameterBuilder::new()
                .name(p)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1)),
                )),
        );
    }
    if o.paginated {
        for p in PageQuery::into_params(|| Some(ParameterIn::Query)) {
            b = b.parameter(p);
        }
    }
    b = b.parameter(
        ParameterBuilder::new()
            .name("Accept-Language")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Optional. The language of error messages (docs/CONTRACT.md §13); the answer's \
                 `Content-Language` names the one chosen.",
            ))
            .schema(Some(fields::accept_language())),
    );
    if o.takes_idempotency_key() {
        b = b.parameter(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Optional. The first request with a key runs; repeats with the same body \
                     replay its response with `Idempotent-Replayed: true` (docs/CONTRACT.md §9).",
                ))
                .schema(Some(fields::idempotency_key())),
        );
    }
    if let Some(request) = o.request {
        let media = match o.body {
            Body::Form => "application/x-www-form-urlencoded",
            _ => "application/json",
        };
        b = b.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    media,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name((request.name)())))
                        .build(),
                )
                .build(),
        ));
    }
    let require = |required: &mut Vec<RequiredHeader>, status: &str, header: &'static str| {
        required.push(RequiredHeader {
            path: o.path,
            method: o.method,
            status: status.to_owned(),
            header,
        });
    };
    for s in o.success {
        let status = s.to_string();
        let mut r = ResponseBuilder::new()
            .description(if *s == 201 { "Created" } else { "Success" })
            .header(
                "X-Request-Id",
                HeaderBuilder::new()
                    .schema(Some(fields::request_id()))
                    .build(),
            );
        require(required, &status, "X-Request-Id");
        r = match o.response {
            Success::Json(c) => r.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name((c.name)())))
                    .build(),
            ),
            Success::Text => r.content(
                "text/plain",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            ),
            Success::Document => r.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                    .build(),
            ),
        };
        if api {
            r = rate_limit_headers(r);
        }
        if o.method == "post" && api {
            r = r.header(
                "Idempotent-Replayed",
                HeaderBuilder::new()
                    .schema(Some(fields::idempotent_replayed()))
                    .build(),
            );
        }
        for link in o.links {
            let mut l = LinkBuilder::new().operation_id(link.operation_id);
            for (name, expr) in link.parameters {
                l = l.parameter(*name, *expr);
            }
            if !link.body.is_empty() {
                let body: serde_json::Map<String, Value> = link
                    .body
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
                    .collect();
                l = l.request_body(Some(Value::Object(body)));
            }
            r = r.link(link.name, l.build());
        }
        b = b.response(status, r.build());
    }
    for (status, codes) in o.error_statuses(profile, chaos_status) {
        let key = status.to_string();
        let (content_type, schema) = if o.speaks_oauth2()
            && backstop::oauth2::applies_to(
                backstop::http::StatusCode::from_u16(status).unwrap_or_default(),
            ) {
            ("application/json", errors::oauth2_response_schema(&codes))
        } else {
            (
                profile.content_type(),
                errors::response_schema(profile, status, &codes),
            )
        };
        let mut r = ResponseBuilder::new()
            .description(describe(profile, &codes))
            .content(
                content_type,
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .header(
                "X-Request-Id",
                HeaderBuilder::new()
                    .schema(Some(fields::request_id()))
                    .build(),
            );
        require(required, &key, "X-Request-Id");
        r = r.header(
            "Content-Language",
            HeaderBuilder::new()
                .schema(Some(fields::content_language()))
                .build(),
        );
        require(required, &key, "Content-Language");
        let sends_retry_after = matches!(status, 429 | 503)
            || codes.contains(&Code::IDEMPOTENCY_KEY_IN_USE)
            || chaos_status == Some(status);
        if sends_retry_after {
            r = r.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(fields::retry_after()))
                    .build(),
            );
            if matches!(status, 429 | 503) {
                require(required, &key, "Retry-After");
            }
        }
        if status == 401 {
            r = r.header(
                "WWW-Authenticate",
                HeaderBuilder::new()
                    .schema(Some(fields::www_authenticate()))
                    .build(),
            );
            require(required, &key, "WWW-Authenticate");
        }
        if status == 405 {
            r = r.header(
                "Allow",
                HeaderBuilder::new().schema(Some(fields::allow())).build(),
            );
            require(required, &key, "Allow");
        }
        if api {
            r = rate_limit_headers(r);
        }
        if o.method == "post" && api && status < 500 && status != 429 {
            r = r.header(
                "Idempotent-Replayed",
                HeaderBuilder::new()
                    .schema(Some(fields::idempotent_replayed()))
                    .build(),
            );
        }
        b = b.response(key, r.build());
    }
    match o.auth {
        Auth::Open => {}
        Auth::Basic => b = b.security(SecurityRequirement::new::<_, _, &str>("basic", [])),
        Auth::Business => b = b.security(SecurityRequirement::new::<_, _, &str>("bearer", [])),
        Auth::Partner | Auth::Any => {
            b = b
                .security(SecurityRequirement::new::<_, _, &str>("bearer", []))
                .security(SecurityRequirement::new::<_, _, &str>("api_key", []));
        }
    }
    b.build()
}

fn rate_limit_headers(r: ResponseBuilder) -> ResponseBuilder {
    r.header(
        "RateLimit",
        HeaderBuilder::new()
            .schema(Some(fields::rate_limit()))
            .build(),
    )
    .header(
        "RateLimit-Policy",
        HeaderBuilder::new()
            .schema(Some(fields::rate_limit_policy()))
            .build(),
    )
}

/// "Error codes: A, B" (the codes as this profile spells them).
fn describe(profile: Profile, codes: &[Code]) -> String {
    let names: Vec<String> = codes.iter().map(|c| profile.wire_code(c)).collect();
    format!("Error codes: {}", names.join(", "))
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// Every operation's id, for tests: `(method, path) -> id`.
pub fn operation_ids() -> BTreeMap<(&'static str, &'static str), &'static str> {
    OPERATIONS
        .iter()
        .map(|o| ((o.method, o.path), o.id))
        .collect()
}
