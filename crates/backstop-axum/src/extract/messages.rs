//! [`Messages`]: the sentences [`Valid`](super::Valid) and [`Validation`](super::Validation) give
//! `garde`'s built-in rules.
//!
//! garde's own messages are lower-case fragments ("length is greater than 255", "not set"); the
//! shape errors of this crate's extractors are sentences ("This field is required."). Validation
//! runs under [`Messages`] (through `garde::i18n::with_i18n`), so that a field missing from the
//! document and an `Option` field refused by `#[garde(required)]` read the same, and every message
//! is safe to show an end user: none echoes the rejected value (docs/CONTRACT.md §5).

use std::borrow::Cow;
use std::fmt::Display;

use garde::i18n::{I18n, InvalidCreditCard, InvalidEmail, InvalidPhoneNumber, InvalidUrl, IpKind};

use super::REQUIRED;

/// The messages of garde's built-in rules as this crate's extractors report them: sentences that
/// never echo the rejected value. Use it for your own `garde` calls with
/// `garde::i18n::with_i18n(Messages, || value.validate())`.
///
/// ```
/// use backstop_axum::extract::Messages;
/// use garde::Validate;
///
/// #[derive(garde::Validate)]
/// struct Line {
///     #[garde(range(min = 1))]
///     quantity: i64,
///     #[garde(required)]
///     note: Option<String>,
/// }
/// let report = garde::i18n::with_i18n(Messages, || Line { quantity: 0, note: None }.validate())
///     .unwrap_err();
/// let messages: Vec<String> = report.iter().map(|(path, e)| format!("{path}: {}", e.message())).collect();
/// // (garde checks a struct's fields in the order of their names.)
/// assert_eq!(messages, ["note: This field is required.", "quantity: Must be at least 1."]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Messages;

impl I18n for Messages {
    fn length_lower_than(&self, min: usize) -> Cow<'static, str> {
        format!("Must have a length of at least {min}.").into()
    }

    fn length_greater_than(&self, max: usize) -> Cow<'static, str> {
        format!("Must have a length of at most {max}.").into()
    }

    fn range_lower_than(&self, min: &dyn Display) -> Cow<'static, str> {
        format!("Must be at least {min}.").into()
    }

    fn range_greater_than(&self, max: &dyn Display) -> Cow<'static, str> {
        format!("Must be at most {max}.").into()
    }

    fn credit_card_invalid(&self, _reason: InvalidCreditCard) -> Cow<'static, str> {
        "Enter a valid card number.".into()
    }

    fn pattern_no_match(&self, _pattern: &dyn Display) -> Cow<'static, str> {
        "Does not have the expected format.".into()
    }

    fn contains_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        format!("Must contain \"{pattern}\".").into()
    }

    fn url_invalid(&self, _reason: InvalidUrl) -> Cow<'static, str> {
        "Enter a valid URL.".into()
    }

    fn prefix_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        format!("Must start with \"{pattern}\".").into()
    }

    fn suffix_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        format!("Must end with \"{pattern}\".").into()
    }

    fn phone_number_invalid(&self, _reason: InvalidPhoneNumber) -> Cow<'static, str> {
        "Enter a valid phone number.".into()
    }

    fn ip_invalid(&self, kind: IpKind) -> Cow<'static, str> {
        format!("Enter a valid {kind} address.").into()
    }

    fn matches_field_mismatch(&self, field: &dyn Display) -> Cow<'static, str> {
        format!("Must match {field}.").into()
    }

    fn email_invalid(&self, _reason: InvalidEmail) -> Cow<'static, str> {
        "Enter a valid email address.".into()
    }

    fn ascii_invalid(&self) -> Cow<'static, str> {
        "Must contain only ASCII characters.".into()
    }

    fn alphanumeric_invalid(&self) -> Cow<'static, str> {
        "Must contain only letters and digits.".into()
    }

    fn required_not_set(&self) -> Cow<'static, str> {
        REQUIRED.into()
    }
}
