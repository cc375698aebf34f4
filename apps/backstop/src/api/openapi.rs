//! `GET /openapi.json`: every endpoint with every error response it can give, built with utoipa's
//! builders from one table ([`OPERATIONS`]) so that the document and the routes stay side by side.

use std::collections::BTreeMap;

use backstop::{ApiError, Code, Profile};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApiBuilder, PathsBuilder, Required, ResponseBuilder,
};

/// How an operation authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No credentials.
    Open,
    /// HTTP Basic `partner_id:api_key`.
    Basic,
    /// A partner token (or API key).
    Partner,
    /// A business token for the business in the path.
    Business,
    /// A partner or business token.
    Any,
}

/// The request body an operation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// None.
    None,
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// One documented operation.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path template (`{param}` segments).
    pub path: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Authentication.
    pub auth: Auth,
    /// Body.
    pub body: Body,
    /// Paginated list (`page`, `page_size`).
    pub paginated: bool,
    /// Success statuses.
    pub success: &'static [u16],
    /// Codes specific to this operation.
    pub errors: &'static [&'static str],
}

// A table row: one argument per column of OPERATIONS.
#[allow(clippy::too_many_arguments)]
const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    auth: Auth,
    body: Body,
    paginated: bool,
    success: &'static [u16],
    errors: &'static [&'static str],
) -> Operation {
    Operation {
        method,
        path,
        summary,
        auth,
        body,
        paginated,
        success,
        errors,
    }
}

/// Every operation of the API.
pub const OPERATIONS: &[Operation] = &[
    op(
        "post",
        "/v1/platform/oauth2/token/",
        "Partner token (client credentials)",
        Auth::Basic,
        Body::Form,
        false,
        &[200],
        &[],
    ),
    op(
        "post",
        "/v1/platform/{business_id}/oauth2/token/",
        "Business-scoped token",
        Auth::Partner,
        Body::None,
        false,
        &[200],
        &["BUSINESS_NOT_FOUND"],
    ),
    op(
        "get",
        "/v1/platform/businesses/",
        "List businesses",
        Auth::Partner,
        Body::None,
        true,
        &[200],
        &[],
    ),
    op(
        "post",
        "/v1/platform/businesses/",
        "Create a business (idempotent by external_id)",
        Auth::Partner,
        Body::Json,
        false,
        &[200, 201],
        &[],
    ),
    op(
        "get",
        "/v1/platform/businesses/{business_id}/",
        "Get a business",
        Auth::Any,
        Body::None,
        false,
        &[200],
        &["BUSINESS_NOT_FOUND", "PERMISSION_DENIED"],
    ),
    op(
        "get",
        "/v1/platform/businesses/{business_id}/customers/",
        "List customers",
        Auth::Business,
        Body::None,
        true,
        &[200],
        &[],
    ),
    op(
        "post",
        "/v1/platform/businesses/{business_id}/customers/",
        "Create a customer",
        Auth::Business,
        Body::Json,
        false,
        &[201],
        &[],
    ),
    op(
        "get",
        "/v1/platform/businesses/{business_id}/customers/{customer_id}/",
        "Get a customer",
        Auth::Business,
        Body::None,
        false,
        &[200],
        &["CUSTOMER_NOT_FOUND"],
    ),
    op(
        "get",
        "/v1/platform/businesses/{business_id}/invoices/",
        "List invoices",
        Auth::Business,
        Body::None,
        true,
        &[200],
        &[],
    ),
    op(
        "post",
        "/v1/platform/businesses/{business_id}/invoices/",
        "Create an invoice",
        Auth::Business,
        Body::Json,
        false,
        &[201],
        &["DUPLICATE_EXTERNAL_ID"],
    ),
    op(
        "get",
        "/v1/platform/businesses/{business_id}/invoices/{invoice_id}/",
        "Get an invoice",
        Auth::Business,
        Body::None,
        false,
        &[200],
        &["INVOICE_NOT_FOUND"],
    ),
    op(
        "get",
        "/v1/requests/{request_id}",
        "The error record of one of your requests",
        Auth::Any,
        Body::None,
        false,
        &[200],
        &["REQUEST_NOT_FOUND"],
    ),
    op(
        "get",
        "/healthz",
        "Liveness and database check",
        Auth::Open,
        Body::None,
        false,
        &[200],
        &[],
    ),
    op(
        "get",
        "/metrics",
        "Prometheus metrics",
        Auth::Open,
        Body::None,
        false,
        &[200],
        &[],
    ),
    op(
        "get",
        "/openapi.json",
        "This document",
        Auth::Open,
        Body::None,
        false,
        &[200],
        &[],
    ),
];

fn code(name: &str) -> Code {
    Code::from_catalog(name).unwrap_or_else(|| {
        let resource = name.trim_end_matches("_NOT_FOUND").to_ascii_lowercase();
        Code::not_found_for(&resource)
    })
}

impl Operation {
    /// Every error code the operation can answer with (`chaos_status`: the status injected by chaos
    /// mode, if on).
    pub fn error_codes(&self, chaos_status: Option<u16>) -> Vec<Code> {
        let mut names: Vec<&str> = vec!["INTERNAL_ERROR", "METHOD_NOT_ALLOWED", "TIMEOUT"];
        let api = self.auth != Auth::Open;
        if api {
            names.extend([
                "RATE_LIMIT_EXCEEDED",
                "SERVICE_UNAVAILABLE",
                "DATABASE_ERROR",
            ]);
        }
        if self.path == "/healthz" {
            names.push("SERVICE_UNAVAILABLE");
        }
        match self.auth {
            Auth::Open => {}
            Auth::Basic => names.extend([
                "AUTHENTICATION_REQUIRED",
                "AUTHENTICATION_FAILED",
                "INVALID_API_KEY",
                "EXPIRED_API_KEY",
                "REVOKED_API_KEY",
                "SUSPENDED_ACCOUNT",
                "VALIDATION_ERROR",
            ]),
            Auth::Partner | Auth::Business | Auth::Any => {
                names.extend([
                    "AUTHENTICATION_REQUIRED",
                    "AUTHENTICATION_FAILED",
                    "INVALID_API_KEY",
                    "EXPIRED_API_KEY",
                    "REVOKED_API_KEY",
                    "INVALID_TOKEN",
                    "SUSPENDED_ACCOUNT",
                    "INSUFFICIENT_PERMISSIONS",
                ]);
                if self.auth == Auth::Business {
                    names.push("PERMISSION_DENIED");
                }
            }
        }
        if self.method == "post" {
            names.extend([
                "INVALID_REQUEST",
                "IDEMPOTENCY_KEY_IN_USE",
                "IDEMPOTENCY_KEY_MISMATCH",
                "PAYLOAD_TOO_LARGE",
            ]);
        }
        match self.body {
            Body::None => {}
            Body::Json => names.extend([
                "INVALID_FORMAT",
                "UNSUPPORTED_MEDIA_TYPE",
                "VALIDATION_ERROR",
            ]),
            Body::Form => names.extend(["UNSUPPORTED_MEDIA_TYPE", "VALIDATION_ERROR"]),
        }
        if self.paginated {
            names.push("INVALID_PARAMETER");
        }
        names.extend(self.errors.iter().copied());
        let mut codes: Vec<Code> = Vec::new();
        for n in names {
            let c = code(n);
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        if api && let Some(status) = chaos_status.and_then(http_status) {
            let c = Code::for_status(status);
            if !codes.iter().any(|k| k.name() == c.name()) {
                codes.push(c);
            }
        }
        codes
    }

    /// The error statuses in `profile`, each with its codes.
    pub fn error_statuses(
        &self,
        profile: Profile,
        chaos_status: Option<u16>,
    ) -> BTreeMap<u16, Vec<String>> {
        let mut out: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for c in self.error_codes(chaos_status) {
            let status = profile.status_for(&ApiError::new(c.clone())).as_u16();
            out.entry(status).or_default().push(c.name().to_owned());
        }
        if let Some(s) = chaos_status.filter(|_| self.auth != Auth::Open) {
            out.entry(s).or_default();
        }
        out
    }
}

fn http_status(s: u16) -> Option<backstop::http::StatusCode> {
    backstop::http::StatusCode::from_u16(s).ok()
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// The OpenAPI 3.1 document for error bodies in `profile`, as JSON.
pub fn document(profile: Profile, chaos_status: Option<u16>) -> String {
    let mut paths = PathsBuilder::new();
    for o in OPERATIONS {
        let mut b = OperationBuilder::new()
            .summary(Some(o.summary))
            .operation_id(Some(format!(
                "{}_{}",
                o.method,
                o.path.trim_matches('/').replace(['/', '{', '}', '.'], "_")
            )));
        for p in path_params(o.path) {
            b = b.parameter(
                ParameterBuilder::new()
                    .name(p)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        if o.paginated {
            for p in ["page", "page_size"] {
                b = b.parameter(
                    ParameterBuilder::new()
                        .name(p)
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer))),
                );
            }
        }
        if o.method == "post" && o.auth != Auth::Open {
            b = b.parameter(
                ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        let media = match o.body {
            Body::Json => Some("application/json"),
            Body::Form => Some("application/x-www-form-urlencoded"),
            Body::None => None,
        };
        if let Some(media) = media {
            b = b.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        media,
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new()))
                            .build(),
                    )
                    .build(),
            ));
        }
        for s in o.success {
            b = b.response(
                s.to_string(),
                ResponseBuilder::new().description("Success").build(),
            );
        }
        for (status, codes) in o.error_statuses(profile, chaos_status) {
            let description = if codes.is_empty() {
                "Injected by chaos mode".to_owned()
            } else {
                format!("Error codes: {}", codes.join(", "))
            };
            b = b.response(
                status.to_string(),
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        profile.content_type(),
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Error")))
                            .build(),
                    )
                    .build(),
            );
        }
        let scheme = match o.auth {
            Auth::Open => None,
            Auth::Basic => Some("basic"),
            Auth::Partner | Auth::Business | Auth::Any => Some("bearer"),
        };
        if let Some(scheme) = scheme {
            b = b.security(SecurityRequirement::new::<_, _, &str>(scheme, []));
        }
        let method = if o.method == "post" {
            HttpMethod::Post
        } else {
            HttpMethod::Get
        };
        paths = paths.path(o.path, PathItem::new(method, b.build()));
    }
    let error_schema = ObjectBuilder::new().description(Some(format!(
        "The error envelope in the `{}` profile of the backstop contract.",
        profile.name()
    )));
    let doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("backstop reference API")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .schema("Error", error_schema)
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        HttpBuilder::new()
                            .scheme(HttpAuthScheme::Bearer)
                            .bearer_format("JWT or API key")
                            .build(),
                    ),
                )
                .security_scheme(
                    "basic",
                    SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
                )
                .build(),
        ))
        .build();
    doc.to_json().unwrap_or_else(|_| "{}".to_owned())
}
