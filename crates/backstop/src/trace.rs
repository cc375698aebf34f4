//! W3C Trace Context (<https://www.w3.org/TR/trace-context/>): the `traceparent` header, so that a
//! request's trace id can be logged and recorded next to its request id (docs/CONTRACT.md §4).
//!
//! Parsing is pure, allocation-free and total: any input gives `Some` or `None`, never a panic.

use std::fmt;

pub use crate::headers::TRACEPARENT;

/// A trace id: 16 bytes, kept as the 32 lowercase hex digits it arrived as (never all zeros).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId([u8; 32]);

/// A parent (span) id: 8 bytes, kept as its 16 lowercase hex digits (never all zeros).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParentId([u8; 16]);

/// A parsed `traceparent`: `version-traceid-parentid-flags`.
///
/// ```
/// use backstop::trace::TraceParent;
///
/// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
/// assert_eq!(tp.trace_id.as_str(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert_eq!(tp.parent_id.as_str(), "00f067aa0ba902b7");
/// assert!(tp.sampled());
/// // Uppercase hex, an all-zero id and version ff are refused.
/// assert!(TraceParent::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_none());
/// assert!(TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
/// assert!(TraceParent::parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// The trace the request belongs to.
    pub trace_id: TraceId,
    /// The caller's span.
    pub parent_id: ParentId,
    /// The trace flags (bit 0: sampled; the others are kept as they came).
    pub flags: u8,
}

/// The length of a version `00` header, and of the part of a later version's header that is read.
const LEN_00: usize = 55;

impl TraceParent {
    /// Parses a `traceparent` value per the W3C rules: two lowercase hex digits of version (`ff` is
    /// invalid); for version `00` exactly `00-<32 hex>-<16 hex>-<2 hex>`; for a later version the
    /// same first 55 characters, followed by the end or a `-` (what follows is that version's and
    /// is ignored). Ids of all zeros are invalid. Surrounding spaces and tabs (HTTP's optional
    /// whitespace) are ignored; anything else invalid gives `None`.
    pub fn parse(value: &str) -> Option<Self> {
        Self::parse_bytes(value.as_bytes())
    }

    /// [`parse`](Self::parse) on raw header bytes (a header value need not be UTF-8).
    pub fn parse_bytes(value: &[u8]) -> Option<Self> {
        let value = trim_ows(value);
        let (version, rest) = value.split_first_chunk::<2>()?;
        let version = hex_byte(*version)?;
        match version {
            0xff => return None,
            0x00 if value.len() != LEN_00 => return None,
            // A later version: at least the version 00 fields, then the end or a dash.
            _ if value.len() < LEN_00 => return None,
            _ if value.len() > LEN_00 && value.get(LEN_00) != Some(&b'-') => return None,
            _ => {}
        }
        let (dash, rest) = rest.split_first()?;
        let (trace, rest) = rest.split_first_chunk::<32>()?;
        let (dash2, rest) = rest.split_first()?;
        let (parent, rest) = rest.split_first_chunk::<16>()?;
        let (dash3, rest) = rest.split_first()?;
        let (flags, _) = rest.split_first_chunk::<2>()?;
        if [*dash, *dash2, *dash3] != [b'-'; 3] {
            return None;
        }
        let flags = hex_byte(*flags)?;
        if !all_lower_hex(trace) || !all_lower_hex(parent) || all_zero(trace) || all_zero(parent) {
            return None;
        }
        Some(TraceParent {
            trace_id: TraceId(*trace),
            parent_id: ParentId(*parent),
            flags,
        })
    }

    /// Whether the caller sampled the trace (flag bit 0).
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }
}

fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

fn lower_hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn hex_byte([hi, lo]: [u8; 2]) -> Option<u8> {
    Some((lower_hex_digit(hi)? << 4) | lower_hex_digit(lo)?)
}

fn all_lower_hex(digits: &[u8]) -> bool {
    digits.iter().all(|&b| lower_hex_digit(b).is_some())
}

fn all_zero(digits: &[u8]) -> bool {
    digits.iter().all(|&b| b == b'0')
}

/// Lowercase hex digits as `&str` (they are ASCII, checked when parsed).
fn hex_str(digits: &[u8]) -> &str {
    std::str::from_utf8(digits).unwrap_or_default()
}

impl TraceId {
    /// The 32 lowercase hex digits, as OpenTelemetry prints a trace id.
    pub fn as_str(&self) -> &str {
        hex_str(&self.0)
    }
}

impl ParentId {
    /// The 16 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        hex_str(&self.0)
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({})", self.as_str())
    }
}

impl fmt::Display for ParentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ParentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParentId({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const PARENT: &str = "00f067aa0ba902b7";

    #[test]
    fn valid_headers_are_read() {
        let cases = [
            (format!("00-{TRACE}-{PARENT}-01"), 0x01),
            (format!("00-{TRACE}-{PARENT}-00"), 0x00),
            // Unknown flags are kept.
            (format!("00-{TRACE}-{PARENT}-ff"), 0xff),
            // Optional whitespace around the value.
            (format!(" \t00-{TRACE}-{PARENT}-01 "), 0x01),
            // A later version: the same fields, then the end or a dash and anything.
            (format!("01-{TRACE}-{PARENT}-01"), 0x01),
            (
                format!("cc-{TRACE}-{PARENT}-09-what-the-future-holds"),
                0x09,
            ),
            (format!("fe-{TRACE}-{PARENT}-01-"), 0x01),
        ];
        for (header, flags) in cases {
            let tp = TraceParent::parse(&header).unwrap_or_else(|| panic!("{header:?} refused"));
            assert_eq!(tp.trace_id.as_str(), TRACE, "{header:?}");
            assert_eq!(tp.parent_id.as_str(), PARENT, "{header:?}");
            assert_eq!(tp.flags, flags, "{header:?}");
            assert_eq!(tp.trace_id.to_string(), TRACE);
        }
    }

    #[test]
    fn malformed_headers_are_refused() {
        let zero_trace = "0".repeat(32);
        let zero_parent = "0".repeat(16);
        let cases = [
            String::new(),
            "00".to_owned(),
            "garbage".to_owned(),
            // Version ff is invalid; a version must be two lowercase hex digits.
            format!("ff-{TRACE}-{PARENT}-01"),
            format!("0A-{TRACE}-{PARENT}-01"),
            format!("0-{TRACE}-{PARENT}-01"),
            format!("zz-{TRACE}-{PARENT}-01"),
            // Version 00 has exactly 55 characters.
            format!("00-{TRACE}-{PARENT}-01-"),
            format!("00-{TRACE}-{PARENT}-01x"),
            format!("00-{TRACE}-{PARENT}-1"),
            // A later version needs a dash after the flags, or the end.
            format!("01-{TRACE}-{PARENT}-01x"),
            format!("01-{TRACE}-{PARENT}-0"),
            // Uppercase or non-hex digits.
            format!("00-{}-{PARENT}-01", TRACE.to_uppercase()),
            format!("00-{TRACE}-{}-01", PARENT.to_uppercase()),
            format!("00-{TRACE}-{PARENT}-0G"),
            format!("00-{TRACE}-{PARENT}-A1"),
            format!("00-{}g-{PARENT}-01", &TRACE[..31]),
            format!("00-{}+-{PARENT}-01", &TRACE[..31]),
            // All-zero ids.
            format!("00-{zero_trace}-{PARENT}-01"),
            format!("00-{TRACE}-{zero_parent}-01"),
            // Wrong separators or field lengths.
            format!("00_{TRACE}-{PARENT}-01"),
            format!("00-{TRACE}_{PARENT}-01"),
            format!("00-{TRACE}-{PARENT}_01"),
            format!("00-{TRACE}0-{}-01", &PARENT[..15]),
            format!("00-{}-{PARENT}0-01", &TRACE[..31]),
            // Whitespace inside.
            format!("00 -{TRACE}-{PARENT}-01"),
            // Multi-byte characters where the digits should be.
            format!("00-{}é-{PARENT}-01", &TRACE[..30]),
        ];
        for header in cases {
            assert_eq!(TraceParent::parse(&header), None, "{header:?} accepted");
        }
        assert_eq!(TraceParent::parse_bytes(b"\xff\xfe-\x00"), None);
    }

    proptest! {
        #[test]
        fn any_input_is_answered_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = TraceParent::parse_bytes(&bytes);
        }

        #[test]
        fn a_parsed_header_prints_back_as_it_came(
            trace in "[0-9a-f]{32}",
            parent in "[0-9a-f]{16}",
            flags in "[0-9a-f]{2}",
        ) {
            let header = format!("00-{trace}-{parent}-{flags}");
            let parsed = TraceParent::parse(&header);
            if trace.bytes().all(|b| b == b'0') || parent.bytes().all(|b| b == b'0') {
                prop_assert!(parsed.is_none());
            } else {
                let tp = parsed.ok_or_else(|| TestCaseError::fail("refused"))?;
                let printed = format!("00-{}-{}-{:02x}", tp.trace_id, tp.parent_id, tp.flags);
                prop_assert_eq!(printed, header);
            }
        }

        #[test]
        fn near_valid_inputs_never_panic(
            version in "[0-9a-fA-F]{2}",
            trace in "[0-9a-fA-F]{31,33}",
            parent in "[0-9a-fA-F]{15,17}",
            tail in "[-0-9a-z]{0,6}",
        ) {
            let _ = TraceParent::parse(&format!("{version}-{trace}-{parent}-{tail}"));
        }
    }
}
