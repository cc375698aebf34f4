//! The OpenAPI schemas of the fields the handlers' bodies declare (a leaf module: the handlers and
//! `openapi` both import it, neither through the other).
//!
//! Schemas of values the API checks with its own garde rules (currencies, countries) and of the headers it sends
//! and reads, each built from the constant the server checks with, so the document and the checks
//! cannot drift apart.

use std::borrow::Cow;

use backstop::schema::REQUEST_ID_PATTERN;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::{PartialSchema, ToSchema};

use super::validate::{
    CURRENCIES, DATE_PATTERN, EMAIL_PATTERN, MAX_EMAIL_LEN, NON_BLANK_PATTERN, countries,
};

/// A currency the API bills in (ISO 4217): the schema of every currency field.
#[derive(Debug)]
pub struct Currency;

impl PartialSchema for Currency {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An ISO 4217 currency code the API bills in."))
            .enum_values(Some(CURRENCIES))
            .into()
    }
}

impl ToSchema for Currency {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Currency")
    }
}

/// An ISO 3166-1 alpha-2 country code: the schema of every country field.
#[derive(Debug)]
pub struct Country;

impl PartialSchema for Country {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An officially assigned ISO 3166-1 alpha-2 country code, upper case.",
            ))
            .enum_values(Some(countries()))
            .into()
    }
}

impl ToSchema for Country {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Country")
    }
}

/// An `Idempotency-Key` the server accepts (docs/CONTRACT.md §9.1; `parse_idempotency_key`): a
/// bare token of visible ASCII except `"` and `,`, or a structured-field string with `\"` and
/// `\\` escapes, 1 to 255 characters either way.
pub const IDEMPOTENCY_KEY_PATTERN: &str =
    r#"^(?:[!#-+\--~]{1,255}|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")$"#;

fn string(description: &str, pattern: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
}

/// The `Idempotency-Key` request header.
pub fn idempotency_key() -> ObjectBuilder {
    string(
        "Makes a create safe to retry: the first request runs, repeats replay its response \
         (docs/CONTRACT.md §9).",
        IDEMPOTENCY_KEY_PATTERN,
    )
    .min_length(Some(1))
    .max_length(Some(2 + 2 * backstop_axum::idempotency::MAX_KEY_LEN))
}

/// `X-Request-Id`.
pub fn request_id() -> ObjectBuilder {
    string(
        "The request's id, also in every error body (docs/CONTRACT.md §4).",
        REQUEST_ID_PATTERN,
    )
}

/// The `Accept-Language` request header (RFC 9110 §12.5.4).
pub fn accept_language() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "The languages the client prefers for error messages, with q-values and `*` \
         (docs/CONTRACT.md §13). Any value is accepted: a language the API does not speak, or a \
         malformed header, gets the default language.",
        ))
}

/// `Content-Language` on an error response: the language of its messages.
pub fn content_language() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "The language of the error's message and field-violation messages \
             (docs/CONTRACT.md §13); the response also carries `Vary: Accept-Language`.",
        ))
        .enum_values(Some(crate::messages::LANGUAGES))
}

/// `Retry-After` as the server sends it: delta-seconds.
pub fn retry_after() -> ObjectBuilder {
    string("Seconds to wait before retrying.", "^[0-9]+$")
}

/// `RateLimit` (draft-ietf-httpapi-ratelimit-headers, revision 11).
pub fn rate_limit() -> ObjectBuilder {
    string(
        "Requests remaining (`r`) and seconds until the quota is replenished (`t`).",
        "^\"[^\"]+\";r=[0-9]+;t=[0-9]+$",
    )
}

/// `RateLimit-Policy`.
pub fn rate_limit_policy() -> ObjectBuilder {
    string(
        "The quota (`q` requests) per window (`w` seconds).",
        "^\"[^\"]+\";q=[0-9]+;w=[0-9]+$",
    )
}

/// `WWW-Authenticate` on 401s.
pub fn www_authenticate() -> ObjectBuilder {
    string(
        "The challenge for the scheme the endpoint expects (docs/CONTRACT.md §7.3).",
        "^(Bearer|Basic)( .+)?$",
    )
}

/// `Allow` on 405s.
pub fn allow() -> ObjectBuilder {
    string("The route's methods.", "^[A-Z]+(, *[A-Z]+)*$")
}

/// `Idempotent-Replayed` on replayed responses.
pub fn idempotent_replayed() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`true` when this response is a replay of the key's first response.",
        ))
        .enum_values(Some(["true"]))
}

fn text(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(NON_BLANK_PATTERN))
}

/// Text of 1 to 64 characters, not blank (the rule `validate::text::<64>`).
pub fn text_64() -> Object {
    text(64).build()
}

/// Text of 1 to 255 characters, not blank (the rule `validate::text::<255>`).
pub fn text_255() -> Object {
    text(255).build()
}

/// Text of 1 to 500 characters, not blank (the rule `validate::text::<500>`).
pub fn text_500() -> Object {
    text(500).build()
}

/// Optional text of 1 to 255 characters, not blank, or `null` (`validate::optional_text::<255>`).
pub fn optional_text_255() -> Object {
    text(255)
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .build()
}

/// An email address (the rule `validate::email`, which matches with this very pattern).
pub fn email() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_EMAIL_LEN))
        .pattern(Some(EMAIL_PATTERN))
        .build()
}

/// A calendar date `YYYY-MM-DD` (the rule `validate::date`).
pub fn date() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(DATE_PATTERN))
        .build()
}
