//! The table of operations the document describes, and the error codes each can answer with.

use std::borrow::Cow;
use std::collections::BTreeMap;

use backstop::{Code, Profile};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::super::Health;
use super::super::auth::{TokenForm, TokenResponse};
use super::super::businesses::{BusinessView, CreateBusiness};
use super::super::customers::{CreateCustomer, CustomerView};
use super::super::invoices::{CreateInvoice, InvoiceView};
use super::super::page::Paginated;
use super::super::requests::ErrorRecordView;

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

/// A named schema component, from a type that derives [`ToSchema`].
#[derive(Clone, Copy)]
pub struct Component {
    /// The component's name.
    pub name: fn() -> Cow<'static, str>,
    /// Its schema.
    pub schema: fn() -> RefOr<Schema>,
    /// Pushes every component it refers to.
    pub refers_to: fn(&mut Vec<(String, RefOr<Schema>)>),
}

impl Component {
    /// Pushes the component and every component it refers to.
    pub fn collect(&self, out: &mut Vec<(String, RefOr<Schema>)>) {
        out.push(((self.name)().into_owned(), (self.schema)()));
        (self.refers_to)(out);
    }
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&(self.name)())
    }
}

/// The component of `T`, named as `T` names itself.
pub const fn component<T: ToSchema>() -> Component {
    named::<T>(<T as ToSchema>::name)
}

/// The component of `T` under another name (a generic type's instances need one each: utoipa
/// names `Paginated<A>` and `Paginated<B>` alike).
pub const fn named<T: ToSchema>(name: fn() -> Cow<'static, str>) -> Component {
    Component {
        name,
        schema: <T as utoipa::PartialSchema>::schema,
        refers_to: <T as ToSchema>::schemas,
    }
}

fn business_page() -> Cow<'static, str> {
    Cow::Borrowed("BusinessPage")
}
fn customer_page() -> Cow<'static, str> {
    Cow::Borrowed("CustomerPage")
}
fn invoice_page() -> Cow<'static, str> {
    Cow::Borrowed("InvoicePage")
}

/// What a successful response carries.
#[derive(Clone, Copy, Debug)]
pub enum Success {
    /// JSON of this type.
    Json(Component),
    /// Prometheus text.
    Text,
    /// The OpenAPI document itself.
    Document,
}

/// A link from an operation's success response to another operation (OpenAPI links, for clients
/// and stateful testers): `parameters` maps the target's parameters to runtime expressions.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// The link's name.
    pub name: &'static str,
    /// The target operation's id.
    pub operation_id: &'static str,
    /// `(parameter, expression)` pairs.
    pub parameters: &'static [(&'static str, &'static str)],
    /// `(body member, expression)` pairs merged into the target's request body.
    pub body: &'static [(&'static str, &'static str)],
}

/// One documented operation.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// The operation id (what generated clients name their functions).
    pub id: &'static str,
    /// `get` or `post`.
    pub method: &'static str,
    /// The path template (`{param}` segments).
    pub path: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Authentication.
    pub auth: Auth,
    /// Body kind.
    pub body: Body,
    /// The body's schema.
    pub request: Option<Component>,
    /// Paginated list (`page`, `page_size`).
    pub paginated: bool,
    /// Success statuses.
    pub success: &'static [u16],
    /// The success body.
    pub response: Success,
    /// Codes specific to this operation.
    pub errors: &'static [&'static str],
    /// Links from the success response.
    pub links: &'static [Link],
}

const BUSINESS_ID_FROM_BODY: &[(&str, &str)] = &[("business_id", "$response.body#/id")];
const FROM_BUSINESS: &[Link] = &[
    Link {
        name: "GetBusiness",
        operation_id: "get_business",
        parameters: BUSINESS_ID_FROM_BODY,
        body: &[],
    },
    Link {
        name: "BusinessToken",
        operation_id: "create_business_token",
        parameters: BUSINESS_ID_FROM_BODY,
        body: &[],
    },
    Link {
        name: "CreateCustomer",
        operation_id: "create_customer",
        parameters: BUSINESS_ID_FROM_BODY,
        body: &[],
    },
    Link {
        name: "ListCustomers",
        operation_id: "list_customers",
        parameters: BUSINESS_ID_FROM_BODY,
        body: &[],
    },
    Link {
        name: "ListInvoices",
        operation_id: "list_invoices",
        parameters: BUSINESS_ID_FROM_BODY,
        body: &[],
    },
];
const FROM_CUSTOMER: &[Link] = &[
    Link {
        name: "GetCustomer",
        operation_id: "get_customer",
        parameters: &[
            ("business_id", "$request.path.business_id"),
            ("customer_id", "$response.body#/id"),
        ],
        body: &[],
    },
    Link {
        name: "InvoiceTheCustomer",
        operation_id: "create_invoice",
        parameters: &[("business_id", "$request.path.business_id")],
        body: &[("customer_id", "$response.body#/id")],
    },
];
const FROM_INVOICE: &[Link] = &[Link {
    name: "GetInvoice",
    operation_id: "get_invoice",
    parameters: &[
        ("business_id", "$request.path.business_id"),
        ("invoice_id", "$response.body#/id"),
    ],
    body: &[],
}];

/// The operations whose error bodies are in RFC 6749 §5.2 form (docs/CONTRACT.md §7.4) rather than
/// the profile's envelope (404 and 405 excepted), and which take no `Idempotency-Key` (issuing a
/// token changes nothing a repeat could duplicate).
pub const OAUTH2_ERROR_OPERATIONS: &[&str] = &["create_partner_token"];

/// Every operation of the API.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        id: "create_partner_token",
        method: "post",
        path: "/v1/platform/oauth2/token/",
        summary: "Partner token (client credentials; HTTP Basic, or client_id and client_secret in the form instead)",
        auth: Auth::Basic,
        body: Body::Form,
        request: Some(component::<TokenForm>()),
        paginated: false,
        success: &[200],
        response: Success::Json(component::<TokenResponse>()),
        errors: &[],
        links: &[],
    },
    Operation {
        id: "create_business_token",
        method: "post",
        path: "/v1/platform/{business_id}/oauth2/token/",
        summary: "Business-scoped token",
        auth: Auth::Partner,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Json(component::<TokenResponse>()),
        errors: &["BUSINESS_NOT_FOUND"],
        links: &[],
    },
    Operation {
        id: "list_businesses",
        method: "get",
        path: "/v1/platform/businesses/",
        summary: "List businesses",
        auth: Auth::Partner,
        body: Body::None,
        request: None,
        paginated: true,
        success: &[200],
        response: Success::Json(named::<Paginated<BusinessView>>(business_page)),
        errors: &[],
        links: &[],
    },
    Operation {
        id: "create_business",
        method: "post",
        path: "/v1/platform/businesses/",
        summary: "Create a business (idempotent by external_id: 200 with the existing one)",
        auth: Auth::Partner,
        body: Body::Json,
        request: Some(component::<CreateBusiness>()),
        paginated: false,
        success: &[200, 201],
        response: Success::Json(component::<BusinessView>()),
        errors: &[],
        links: FROM_BUSINESS,
    },
    Operation {
        id: "get_business",
        method: "get",
        path: "/v1/platform/businesses/{business_id}/",
        summary: "Get a business",
        auth: Auth::Any,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Json(component::<BusinessView>()),
        errors: &["BUSINESS_NOT_FOUND", "PERMISSION_DENIED"],
        links: &[],
    },
    Operation {
        id: "list_customers",
        method: "get",
        path: "/v1/platform/businesses/{business_id}/customers/",
        summary: "List customers",
        auth: Auth::Business,
        body: Body::None,
        request: None,
        paginated: true,
        success: &[200],
        response: Success::Json(named::<Paginated<CustomerView>>(customer_page)),
        errors: &[],
        links: &[],
    },
    Operation {
        id: "create_customer",
        method: "post",
        path: "/v1/platform/businesses/{business_id}/customers/",
        summary: "Create a customer",
        auth: Auth::Business,
        body: Body::Json,
        request: Some(component::<CreateCustomer>()),
        paginated: false,
        success: &[201],
        response: Success::Json(component::<CustomerView>()),
        errors: &[],
        links: FROM_CUSTOMER,
    },
    Operation {
        id: "get_customer",
        method: "get",
        path: "/v1/platform/businesses/{business_id}/customers/{customer_id}/",
        summary: "Get a customer",
        auth: Auth::Business,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Json(component::<CustomerView>()),
        errors: &["CUSTOMER_NOT_FOUND"],
        links: &[],
    },
    Operation {
        id: "list_invoices",
        method: "get",
        path: "/v1/platform/businesses/{business_id}/invoices/",
        summary: "List invoices",
        auth: Auth::Business,
        body: Body::None,
        request: None,
        paginated: true,
        success: &[200],
        response: Success::Json(named::<Paginated<InvoiceView>>(invoice_page)),
        errors: &[],
        links: &[],
    },
    Operation {
        id: "create_invoice",
        method: "post",
        path: "/v1/platform/businesses/{business_id}/invoices/",
        summary: "Create an invoice",
        auth: Auth::Business,
        body: Body::Json,
        request: Some(component::<CreateInvoice>()),
        paginated: false,
        success: &[201],
        response: Success::Json(component::<InvoiceView>()),
        errors: &["DUPLICATE_EXTERNAL_ID"],
        links: FROM_INVOICE,
    },
    Operation {
        id: "get_invoice",
        method: "get",
        path: "/v1/platform/businesses/{business_id}/invoices/{invoice_id}/",
        summary: "Get an invoice",
        auth: Auth::Business,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Json(component::<InvoiceView>()),
        errors: &["INVOICE_NOT_FOUND"],
        links: &[],
    },
    Operation {
        id: "get_error_record",
        method: "get",
        path: "/v1/requests/{request_id}",
        summary: "The error record of one of your requests",
        auth: Auth::Any,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Json(component::<ErrorRecordView>()),
        errors: &["REQUEST_NOT_FOUND"],
        links: &[],
    },
    Operation {
        id: "healthz",
        method: "get",
        path: "/healthz",
        summary: "Liveness and database check",
        auth: Auth::Open,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Json(component::<Health>()),
        errors: &[],
        links: &[],
    },
    Operation {
        id: "metrics",
        method: "get",
        path: "/metrics",
        summary: "Prometheus metrics",
        auth: Auth::Open,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Text,
        errors: &[],
        links: &[],
    },
    Operation {
        id: "openapi",
        method: "get",
        path: "/openapi.json",
        summary: "This document",
        auth: Auth::Open,
        body: Body::None,
        request: None,
        paginated: false,
        success: &[200],
        response: Success::Document,
        errors: &[],
        links: &[],
    },
];

fn code(name: &str) -> Code {
    match name {
        "UNSUPPORTED_GRANT_TYPE" => return backstop::oauth2::unsupported_grant_type(),
        "INVALID_SCOPE" => return backstop::oauth2::invalid_scope(),
        _ => {}
    }
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
                "INVALID_REQUEST",
                "UNSUPPORTED_GRANT_TYPE",
                "INVALID_SCOPE",
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
            names.push("PAYLOAD_TOO_LARGE");
            if self.takes_idempotency_key() {
                names.extend([
                    "INVALID_REQUEST",
                    "IDEMPOTENCY_KEY_IN_USE",
                    "IDEMPOTENCY_KEY_MISMATCH",
                ]);
            }
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

    /// The error statuses in `profile`, each with its codes (in their canonical spelling).
    pub fn error_statuses(
        &self,
        profile: Profile,
        chaos_status: Option<u16>,
    ) -> BTreeMap<u16, Vec<Code>> {
        let mut out: BTreeMap<u16, Vec<Code>> = BTreeMap::new();
        for c in self.error_codes(chaos_status) {
            out.entry(self.wire_status(profile, &c))
                .or_default()
                .push(c);
        }
        out
    }

    /// Whether the operation answers errors in RFC 6749 form (docs/CONTRACT.md §7.4).
    pub fn speaks_oauth2(&self) -> bool {
        OAUTH2_ERROR_OPERATIONS.contains(&self.id)
    }

    /// Whether a POST of this operation takes an `Idempotency-Key` (every API POST but the OAuth2
    /// token endpoint's).
    pub fn takes_idempotency_key(&self) -> bool {
        self.method == "post" && self.auth != Auth::Open && !self.speaks_oauth2()
    }

    /// The status `code` is answered with: the profile's, or RFC 6749's on a token endpoint.
    fn wire_status(&self, profile: Profile, code: &Code) -> u16 {
        if self.speaks_oauth2() && backstop::oauth2::applies_to(code.status()) {
            let error = backstop::ApiError::new(code.clone());
            backstop::oauth2::OAuth2Error::for_error(&error)
                .status(&error)
                .as_u16()
        } else {
            profile.wire_status(code).as_u16()
        }
    }
}

fn http_status(s: u16) -> Option<backstop::http::StatusCode> {
    backstop::http::StatusCode::from_u16(s).ok()
}
