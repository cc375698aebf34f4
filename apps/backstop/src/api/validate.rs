//! Value rules for request bodies: every offending field is collected, then answered at once as
//! 422 `VALIDATION_ERROR` (400 in the `flat` profile, as seed 000 does).

use backstop::{ApiError, FieldViolations};

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

/// The email addresses [`is_email`] accepts, as a JSON Schema `pattern` (with `maxLength` 254).
pub const EMAIL_PATTERN: &str = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-](?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{0,62}[A-Za-z0-9!#$%&'*+/=?^_`{|}~-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$";

/// The longest email address.
pub const MAX_EMAIL_LEN: usize = 254;

/// A date `YYYY-MM-DD`, as a JSON Schema `pattern` (with `format: date`).
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// Every officially assigned ISO 3166-1 alpha-2 code.
pub fn countries() -> impl Iterator<Item = &'static str> {
    ISO_3166_ALPHA2.split(' ')
}

/// Whether `c` counts as blank (see [`NON_BLANK_PATTERN`]).
pub fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}' | '\u{feff}')
}

/// Collects field violations.
#[derive(Debug, Default)]
pub struct Fields(FieldViolations);

impl Fields {
    /// Adds a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.add(field, message);
    }

    /// `Ok` when nothing was added, else the validation error listing everything.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::from_violations(self.0))
        }
    }

    /// The value as sent, when present and not blank; otherwise "This field is required.".
    fn present<'a>(&mut self, field: &str, value: &'a Option<String>) -> Option<&'a str> {
        match value.as_deref() {
            Some(v) if !v.chars().all(is_blank_char) => Some(v),
            _ => {
                self.add(field, "This field is required.");
                None
            }
        }
    }

    /// A required, non-blank string of at most `max` characters as sent, returned without its
    /// surrounding blanks.
    pub fn required<'a>(
        &mut self,
        field: &str,
        value: &'a Option<String>,
        max: usize,
    ) -> Option<&'a str> {
        let v = self.present(field, value)?;
        if v.chars().count() > max {
            self.add(
                field,
                format!("Ensure this field has no more than {max} characters."),
            );
            return None;
        }
        Some(v.trim_matches(is_blank_char))
    }

    /// A required email address ([`is_email`], exactly as sent).
    pub fn email<'a>(&mut self, field: &str, value: &'a Option<String>) -> Option<&'a str> {
        let v = self.present(field, value)?;
        if is_email(v) {
            Some(v)
        } else {
            self.add(field, "Enter a valid email address.");
            None
        }
    }

    /// A required currency code (GBP, EUR or USD), exactly as sent.
    pub fn currency<'a>(&mut self, field: &str, value: &'a Option<String>) -> Option<&'a str> {
        let v = self.present(field, value)?;
        if CURRENCIES.contains(&v) {
            Some(v)
        } else {
            self.add(
                field,
                "Invalid currency code. Must be one of: GBP, EUR, USD",
            );
            None
        }
    }

    /// A required ISO 3166-1 alpha-2 country code (upper case), exactly as sent.
    pub fn country<'a>(&mut self, field: &str, value: &'a Option<String>) -> Option<&'a str> {
        let v = self.present(field, value)?;
        if v.len() == 2 && countries().any(|c| c == v) {
            Some(v)
        } else {
            self.add(
                field,
                "Enter an ISO 3166-1 alpha-2 country code, such as GB.",
            );
            None
        }
    }

    /// A required date `YYYY-MM-DD` ([`DATE_PATTERN`], a real calendar date), exactly as sent.
    pub fn date<'a>(&mut self, field: &str, value: &'a Option<String>) -> Option<&'a str> {
        let v = self.present(field, value)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let shaped = v.len() == 10
            && v.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if shaped && time::Date::parse(v, &format).is_ok() {
            Some(v)
        } else {
            self.add(field, "Enter a valid date in the format YYYY-MM-DD.");
            None
        }
    }
}

/// A pragmatic email check, the rule of [`EMAIL_PATTERN`] (the WHATWG HTML rule, tightened): at
/// most 254 characters; a local part of 1 to 64 characters from `A-Za-z0-9!#$%&'*+/=?^_`{|}~.-`
/// that neither starts nor ends with a dot; one `@`; a domain of at least two dot-separated labels
/// of letters, digits and inner hyphens (at most 63 each), the last of at least two letters.
pub fn is_email(v: &str) -> bool {
    const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    if v.chars().count() > MAX_EMAIL_LEN {
        return false;
    }
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    let local_char = |c: char| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c);
    if local.is_empty()
        || local.len() > 64
        || !local.chars().all(|c| local_char(c) || c == '.')
        || local.starts_with('.')
        || local.ends_with('.')
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("ana@example.com"));
        assert!(is_email("a.b+c@mail.example.co.uk"));
        assert!(is_email("a..b@x.com"), "as the WHATWG rule");
        for bad in [
            "",
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
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn every_field_is_reported_at_once() {
        let mut f = Fields::default();
        f.email("email", &Some("nope".into()));
        f.currency("currency", &Some("JPY".into()));
        f.country("country", &Some("XX".into()));
        f.date("due_date", &Some("2026-02-30".into()));
        f.required("name", &None, 10);
        let e = f.finish().unwrap_err();
        assert_eq!(e.details().unwrap().fields().unwrap().len(), 5);
    }

    #[test]
    fn blank_values_are_missing_and_codes_are_taken_as_sent() {
        let mut f = Fields::default();
        assert_eq!(f.required("a", &Some("\u{1c}\u{feff} \t".into()), 10), None);
        assert_eq!(f.required("b", &Some("  x  ".into()), 5), Some("x"));
        assert_eq!(
            f.required("c", &Some("  x  ".into()), 4),
            None,
            "length as sent"
        );
        assert_eq!(f.currency("d", &Some(" GBP".into())), None);
        assert_eq!(f.country("e", &Some("gb".into())), None);
        assert_eq!(f.date("f", &Some("+026-01-01".into())), None);
        assert_eq!(f.date("g", &Some("2024-02-29".into())), Some("2024-02-29"));
        let e = f.finish().unwrap_err();
        let fields = e.details().unwrap().fields().unwrap();
        assert_eq!(fields.get("a").unwrap(), ["This field is required."]);
        assert!(fields.get("b").is_none());
        assert_eq!(fields.len(), 5);
    }
}
