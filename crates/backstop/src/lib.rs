//! # backstop: the error contract
//!
//! One error contract for an HTTP API, with no I/O and no async: the catalog of [`Code`]s, the
//! [`ApiError`] type with its field violations, the four wire [`Profile`]s (encode and [`decode`]),
//! retry classification, `Retry-After` parsing, request-id rules and W3C `traceparent`
//! parsing ([`trace`]). The server side lives in
//! `backstop-axum`, the client side in `backstop-client`; both speak through this crate.
//!
//! [`decode`] reads any error body: the four profiles, and the error shapes of Google (AIP-193),
//! Microsoft, Stripe, GitHub, RFC 9457, FastAPI, Django REST framework, Spring Boot and AWS
//! ([`Provider`]).
//!
//! Whether a failure may be retried is one rule, [`is_retryable`] (docs/CONTRACT.md §11.1): an
//! explicit signal wins, then `IDEMPOTENCY_KEY_IN_USE`, then a known code sent with its own status,
//! then the status. [`ApiError::is_retryable`], the server's `retryable` member and
//! `backstop-client` all apply it.
//!
//! ```
//! use backstop::{ApiError, Code, Profile, decode};
//!
//! // A handler's validation failure, with every bad field at once.
//! let error = ApiError::validation()
//!     .with_field("email", "Enter a valid email address.")
//!     .with_field("currency", "Must be one of: GBP, EUR, USD")
//!     .with_request_id("0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22");
//!
//! // The server encodes it in its configured profile...
//! let wire = Profile::Backstop.encode(&error);
//! assert_eq!(wire.status.as_u16(), 422);
//! assert_eq!(wire.content_type, "application/json");
//!
//! // ...and any client decodes it back, whatever the profile.
//! let back = decode(wire.status, None, &wire.body);
//! assert_eq!(back.code(), &Code::VALIDATION_ERROR);
//! assert_eq!(back.request_id(), error.request_id());
//! assert!(!back.is_retryable());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod catalog;
mod code;
mod decode;
mod details;
mod envelope_fast;
mod error;
pub mod headers;
pub mod i18n;
pub mod oauth2;
mod profile;
mod request_id;
mod retry;
mod retry_after;
pub mod schema;
mod text;
mod timestamp;
pub mod trace;

pub use catalog::{CatalogEntry, WireSpelling, catalog_entries, catalog_json, catalog_markdown};
pub use code::{
    CATALOG, Category, Code, InvalidCode, is_screaming_snake, screaming_snake, status_is_retryable,
};
pub use decode::{
    Detected, MAX_DECODE_BYTES, MAX_EXCERPT_BYTES, Provider, decode, decode_detailed,
};
pub use details::{Details, FieldViolations, path_to_pointer, pointer_to_path};
pub use error::{ApiError, BoxError};
pub use profile::{Encoded, JSON, PROBLEM_JSON, Profile, UnknownProfile};
pub use request_id::{MAX_REQUEST_ID_LEN, is_valid_request_id, new_request_id};
pub use retry::{is_idempotent_method, is_retryable, is_safe_method};
pub use retry_after::{MAX_RETRY_AFTER, format_retry_after, parse_retry_after, retry_after_secs};
pub use schema::envelope_schema;
pub use text::Text;
pub use timestamp::format_timestamp;

/// Re-exported so users can name statuses, methods and headers without a direct `http` dependency.
pub use http;

/// The README's examples, run as doctests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
