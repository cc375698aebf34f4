//! Drop-in extractors whose rejections are the contract's errors (docs/CONTRACT.md §5).
//!
//! | extractor | syntax | content type | shape |
//! |---|---|---|---|
//! | [`Json<T>`] | 400 `INVALID_FORMAT` | 415 `UNSUPPORTED_MEDIA_TYPE` | 422 `VALIDATION_ERROR`, every field |
//! | [`Form<T>`] | - | 415 `UNSUPPORTED_MEDIA_TYPE` | 422 `VALIDATION_ERROR`, every field |
//! | [`Query<T>`] | - | - | 400 `MISSING_PARAMETER` (only missing ones) or `INVALID_PARAMETER`, every field |
//! | [`Path<T>`] | - | - | 400 `INVALID_PARAMETER`, every field |
//!
//! A body over the limit is 413 `PAYLOAD_TOO_LARGE`. Query strings and forms are read by
//! `serde_html_form`: a repeated key fills a list (`tag=a&tag=b` into `Vec<String>`), and a repeated
//! key for a field that takes one value is named in the error. Wrap any of them in [`Valid`] to also
//! run the type's `garde` rules, or in [`Validation`] when the handler adds violations of its own
//! (a database lookup) to the same error. Rejections are [`Error`](crate::Error)s: the
//! [`Contract`](crate::Contract) layer encodes them in the configured profile with the request id.

mod body;
mod form;
mod json;
#[cfg(feature = "validate")]
mod messages;

/// The message of a required field that is absent, whether the shape walk or garde's `required`
/// rule finds it.
pub(crate) const REQUIRED: &str = "This field is required.";
mod path;
mod query;
mod shape;
#[cfg(feature = "validate")]
mod valid;

pub use form::Form;
pub use json::Json;
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use messages::Messages;
pub use path::Path;
pub use query::Query;
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use valid::{Extracted, Valid, Validation};
