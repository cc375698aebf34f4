//! The `garde` rules of the API's fields that garde's built-in rules cannot say with seed 000's
//! messages (validation itself is the library's: `backstop_axum::extract::Validation`), and the
//! constants the OpenAPI document publishes them with, so that the two cannot drift apart.
//!
//! Every rule here takes the field as the body's `Option` and passes `None`: garde's `required`
//! reports a missing field ("This field is required."). A blank value counts as missing too.

use std::sync::LazyLock;

/// The currencies the API accepts.
pub const CURRENCIES: [&str; 3] = ["GBP", "EUR", "USD"];

/// Every officially assigned ISO 3166-1 alpha-2 code.
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN \
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// A value that is not blank: at least one character outside the blank set of [`is_blank_char`]
/// (JSON Schema `pattern`, for the OpenAPI document).
///
/// The set is Unicode's White_Space plus U+001C..U+001F and U+FEFF, which ECMAScript's or
/// Python's `\s` count as space too: spelled out, rather than `\S`, so that every regex engine
/// (the server's, a validator's, a fuzzer's) agrees with the server on which strings are blank.
pub const NON_BLANK_PATTERN: &str = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u001c-\u001f]";

/// The email addresses [`email`] accepts (with at most [`MAX_EMAIL_LEN`] characters): the WHATWG
/// HTML rule, tightened (a local part of 1 to 64 characters from `A-Za-z0-9!#$%&'*+/=?^_`{|}~.-`
/// that neither starts nor ends with a dot; a domain of at least two dot-separated labels of
/// letters, digits and inner hyphens, at most 63 each, the last of at least two letters). The
/// server matches with this very pattern, which the document publishes.
pub const EMAIL_PATTERN: &str = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-](?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{0,62}[A-Za-z0-9!#$%&'*+/=?^_`{|}~-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$";

/// The longest email address.
pub const MAX_EMAIL_LEN: usize = 254;

/// A date `YYYY-MM-DD`, as a JSON Schema `pattern` (with `format: date`).
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// The message of a missing or blank field (also garde's `required`, through the library's
/// `Messages`).
const REQUIRED: &str = "This field is required.";

static EMAIL: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(EMAIL_PATTERN).expect("EMAIL_PATTERN compiles"));

/// Every officially assigned ISO 3166-1 alpha-2 code.
pub fn countries() -> impl Iterator<Item = &'static str> {
    ISO_3166_ALPHA2.split(' ')
}

/// Whether `c` counts as blank (see [`NON_BLANK_PATTERN`]).
pub fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}' | '\u{feff}')
}

/// `v` without its surrounding blanks (how text fields are stored).
pub fn trimmed(v: &str) -> String {
    v.trim_matches(is_blank_char).to_owned()
}

/// The value when present and not blank; `Ok(None)` when absent (garde's `required` says so);
/// "This field is required." when blank.
fn present(value: &Option<String>) -> Result<Option<&str>, garde::Error> {
    match value.as_deref() {
        None => Ok(None),
        Some(v) if v.chars().all(is_blank_char) => Err(garde::Error::new(REQUIRED)),
        Some(v) => Ok(Some(v)),
    }
}

fn fails(ok: bool, message: &'static str) -> garde::Result {
    if ok {
        Ok(())
    } else {
        Err(garde::Error::new(message))
    }
}

/// Text of at most `MAX` characters as sent (blanks included), not blank.
pub fn text<const MAX: usize>(value: &Option<String>, _: &()) -> garde::Result {
    match present(value)? {
        Some(v) if v.chars().count() > MAX => Err(garde::Error::new(format!(
            "Ensure this field has no more than {MAX} characters."
        ))),
        _ => Ok(()),
    }
}

/// Optional text: absent or `null` is fine, blank is not ("May not be blank."), at most `MAX`
/// characters.
pub fn optional_text<const MAX: usize>(value: &Option<String>, ctx: &()) -> garde::Result {
    match value.as_deref() {
        Some(v) if v.chars().all(is_blank_char) => Err(garde::Error::new("May not be blank.")),
        _ => text::<MAX>(value, ctx),
    }
}

/// An email address matching [`EMAIL_PATTERN`], at most [`MAX_EMAIL_LEN`] characters.
pub fn email(value: &Option<String>, _: &()) -> garde::Result {
    match present(value)? {
        Some(v) => fails(
            v.chars().count() <= MAX_EMAIL_LEN && EMAIL.is_match(v),
            "Enter a valid email address.",
        ),
        None => Ok(()),
    }
}

/// One of [`CURRENCIES`], exactly as sent.
pub fn currency(value: &Option<String>, _: &()) -> garde::Result {
    match present(value)? {
        Some(v) => fails(
            CURRENCIES.contains(&v),
            "Invalid currency code. Must be one of: GBP, EUR, USD",
        ),
        None => Ok(()),
    }
}

/// An officially assigned ISO 3166-1 alpha-2 code, upper case, exactly as sent.
pub fn country(value: &Option<String>, _: &()) -> garde::Result {
    match present(value)? {
        Some(v) => fails(
            v.len() == 2 && countries().any(|c| c == v),
            "Enter an ISO 3166-1 alpha-2 country code, such as GB.",
        ),
        None => Ok(()),
    }
}

/// A real calendar date `YYYY-MM-DD` ([`DATE_PATTERN`]), exactly as sent.
pub fn date(value: &Option<String>, _: &()) -> garde::Result {
    let Some(v) = present(value)? else {
        return Ok(());
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let shaped = v.len() == 10
        && v.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    fails(
        shaped && time::Date::parse(v, &format).is_ok(),
        "Enter a valid date in the format YYYY-MM-DD.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: garde::Result) -> Option<String> {
        r.err().map(|e| e.message().to_owned())
    }

    fn some(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn emails_follow_the_published_pattern() {
        for good in ["ana@example.com", "a.b+c@mail.example.co.uk", "a..b@x.com"] {
            assert_eq!(message(email(&some(good), &())), None, "{good}");
        }
        for bad in [
            "ana",
            "ana@",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "ana@x..com",
            "ana@-x.com",
            "a@b@c.com",
            ".ana@x.com",
            "ana.@x.com",
            " ana@x.com",
            "ana@x.com\n",
            "ana@x.c0m",
        ] {
            assert_eq!(
                message(email(&some(bad), &())).as_deref(),
                Some("Enter a valid email address."),
                "{bad}"
            );
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
        assert_eq!(long.len(), 255);
        assert!(email(&some(&long), &()).is_err());
    }

    #[test]
    fn blank_is_missing_absent_is_left_to_required() {
        for rule in [text::<10>, email, currency, country, date] {
            assert_eq!(
                message(rule(&some("\u{1c}\u{feff} \t"), &())).as_deref(),
                Some(REQUIRED)
            );
            assert_eq!(message(rule(&None, &())), None);
        }
        assert_eq!(
            message(optional_text::<10>(&some("  "), &())).as_deref(),
            Some("May not be blank.")
        );
        assert_eq!(message(optional_text::<10>(&None, &())), None);
    }

    #[test]
    fn lengths_count_characters_as_sent_and_codes_are_taken_as_sent() {
        assert_eq!(message(text::<5>(&some("  x  "), &())), None);
        assert_eq!(
            message(text::<4>(&some("  x  "), &())).as_deref(),
            Some("Ensure this field has no more than 4 characters.")
        );
        assert_eq!(message(text::<3>(&some("ééé"), &())), None);
        assert_eq!(trimmed("\u{feff} x \t"), "x");
        assert!(currency(&some(" GBP"), &()).is_err());
        assert!(currency(&some("GBP"), &()).is_ok());
        assert!(country(&some("gb"), &()).is_err());
        assert!(country(&some("GB"), &()).is_ok());
        assert!(date(&some("+026-01-01"), &()).is_err());
        assert!(date(&some("2026-02-30"), &()).is_err());
        assert!(date(&some("2024-02-29"), &()).is_ok());
    }
}
