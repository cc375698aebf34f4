//! `Accept-Language` negotiation (RFC 9110 §12.5.4, RFC 4647 "lookup"): a pure function.

/// The most language ranges read from one header; the rest are ignored (a header is a list of
/// preferences, not a place to send thousands of them).
const MAX_RANGES: usize = 16;

/// Picks the index in `available` (language tags such as `en`, `fr`, `pt-BR`) that best serves
/// `accept_language` (the header's value), or `None` when nothing acceptable is available: the caller
/// then uses its default language. Never fails: a malformed element is skipped, and a malformed
/// header is as good as none.
///
/// Ranges are tried by quality (`q`, default 1; equal qualities in header order). A range matches an
/// available tag equal to it, or more specific than it (`fr` matches `fr-CA`); failing that, it is
/// shortened from the right and tried again (`fr-CA` then `fr`, RFC 4647 §3.4). `*` matches the
/// first available tag that no other range names with `q=0`. A range with `q=0` is refused: it is
/// never chosen, not even through `*`. Comparisons ignore ASCII case.
///
/// ```
/// use backstop::i18n::negotiate;
/// let available = ["en", "es", "fr", "de"];
/// assert_eq!(negotiate("fr-CA;q=0.9, de;q=0.5", &available), Some(2));
/// assert_eq!(negotiate("de, fr;q=0.9", &available), Some(3));
/// assert_eq!(negotiate("xx", &available), None);
/// assert_eq!(negotiate(";;;q=,,,", &available), None);
/// assert_eq!(negotiate("*;q=0.1, en;q=0", &available), Some(1));
/// ```
pub fn negotiate<T: AsRef<str>>(accept_language: &str, available: &[T]) -> Option<usize> {
    let mut ranges: [(&str, u16); MAX_RANGES] = [("", 0); MAX_RANGES];
    let mut n = 0;
    // Byte scanning rather than `str::split`: a header is a few dozen bytes, and the general
    // searcher's setup cost more than the scan (callgrind, `benches/localized_errors.sh`).
    let mut rest = accept_language;
    loop {
        let (element, tail) = match rest.bytes().position(|b| b == b',') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if n == MAX_RANGES {
            break;
        }
        if let Some(parsed) = parse_element(element) {
            ranges[n] = parsed;
            n += 1;
        }
        match tail {
            Some(tail) => rest = tail,
            None => break,
        }
    }
    let ranges = &mut ranges[..n];
    // Stable: equal qualities keep header order.
    ranges.sort_by_key(|r| std::cmp::Reverse(r.1));
    let refused = |tag: &str| {
        ranges
            .iter()
            .any(|(range, q)| *q == 0 && *range != "*" && covers(range, tag))
    };
    for (range, q) in ranges.iter() {
        if *q == 0 {
            break;
        }
        if *range == "*" {
            if let Some(i) = available.iter().position(|tag| !refused(tag.as_ref())) {
                return Some(i);
            }
            continue;
        }
        let mut candidate = *range;
        loop {
            if let Some(i) = available
                .iter()
                .position(|tag| covers(candidate, tag.as_ref()) && !refused(tag.as_ref()))
            {
                return Some(i);
            }
            match candidate.rfind('-') {
                Some(cut) => candidate = &candidate[..cut],
                None => break,
            }
        }
    }
    None
}

/// Whether `range` covers `tag`: equal, or a prefix of it ending at a subtag boundary.
fn covers(range: &str, tag: &str) -> bool {
    tag.len() >= range.len()
        && tag[..range.len()].eq_ignore_ascii_case(range)
        && (tag.len() == range.len() || tag.as_bytes()[range.len()] == b'-')
}

/// One element: `language-range [ OWS ";" OWS "q=" qvalue ]`; `None` when malformed. The quality
/// is in thousandths.
fn parse_element(element: &str) -> Option<(&str, u16)> {
    let cut = element.bytes().position(|b| b == b';');
    let range = element[..cut.unwrap_or(element.len())].trim_ascii();
    if !is_range(range) {
        return None;
    }
    let mut q = 1000;
    let mut params = cut.map(|cut| &element[cut + 1..]);
    while let Some(rest) = params {
        let (param, tail) = match rest.bytes().position(|b| b == b';') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        params = tail;
        let param = param.trim_ascii();
        let eq = param.bytes().position(|b| b == b'=')?;
        if param[..eq].trim_ascii().eq_ignore_ascii_case("q") {
            q = parse_q(param[eq + 1..].trim_ascii())?;
        }
    }
    Some((range, q))
}

/// `*` or `1*8ALPHA *("-" 1*8alphanum)`.
fn is_range(range: &str) -> bool {
    if range == "*" {
        return true;
    }
    let (mut len, mut first) = (0, true);
    for b in range.bytes() {
        if b == b'-' {
            if len == 0 {
                return false;
            }
            (len, first) = (0, false);
            continue;
        }
        let ok = if first {
            b.is_ascii_alphabetic()
        } else {
            b.is_ascii_alphanumeric()
        };
        len += 1;
        if !ok || len > 8 {
            return false;
        }
    }
    len > 0
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_q(value: &str) -> Option<u16> {
    let (int, frac) = match value.bytes().position(|b| b == b'.') {
        Some(i) => (&value[..i], &value[i + 1..]),
        None => (value, ""),
    };
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVAILABLE: [&str; 4] = ["en", "es", "fr", "de"];

    #[test]
    fn qualities_order_the_ranges_and_prefixes_match() {
        assert_eq!(negotiate("fr-CA;q=0.9, de;q=0.5", &AVAILABLE), Some(2));
        assert_eq!(negotiate("de;q=0.5, fr-CA;q=0.9", &AVAILABLE), Some(2));
        assert_eq!(negotiate("es-MX", &AVAILABLE), Some(1));
        assert_eq!(negotiate("DE-at", &AVAILABLE), Some(3));
        assert_eq!(negotiate("pt, es;q=0.2", &AVAILABLE), Some(1));
        assert_eq!(
            negotiate("fr, de", &AVAILABLE),
            Some(2),
            "equal q: header order"
        );
        assert_eq!(negotiate("fr;q=0.5, de;q=0.500", &AVAILABLE), Some(2));
        assert_eq!(negotiate("en-US,en;q=0.9", &AVAILABLE), Some(0));
        assert_eq!(
            negotiate("fr", &["en", "fr-CA", "fr"]),
            Some(1),
            "a range also matches a more specific tag"
        );
    }

    #[test]
    fn unknown_or_malformed_headers_choose_nothing() {
        for header in [
            "",
            "xx",
            "xx-YY",
            "ja;q=1",
            ";",
            ",,,",
            "fr;q=2",
            "fr;q=0.1234",
            "12",
            "a b c",
            "fr;q",
        ] {
            assert_eq!(negotiate(header, &AVAILABLE), None, "{header:?}");
        }
        // A malformed element is skipped, the rest still count.
        assert_eq!(negotiate("fr;q=abc, de", &AVAILABLE), Some(3));
    }

    #[test]
    fn zero_quality_refuses_and_star_takes_the_rest() {
        assert_eq!(negotiate("fr;q=0", &AVAILABLE), None);
        assert_eq!(negotiate("*", &AVAILABLE), Some(0));
        assert_eq!(negotiate("*, en;q=0", &AVAILABLE), Some(1));
        assert_eq!(negotiate("de;q=0, *;q=0.5", &["de", "fr"]), Some(1));
        assert_eq!(negotiate("*;q=0", &AVAILABLE), None);
    }

    #[test]
    fn a_flood_of_ranges_is_bounded() {
        let long = "xx, ".repeat(10_000) + "fr";
        assert_eq!(
            negotiate(&long, &AVAILABLE),
            None,
            "only the first 16 ranges count"
        );
    }
}
