//! The canonical envelope of an error without details, written straight into a buffer.
//!
//! Every error a server layer synthesises (404, 405, 413, 503, 504, 500, ...) has this shape:
//! `{"error":{"code":..,"message":..,"request_id":..,"timestamp":..,"retryable":..}}`. Through serde
//! (escaping every string byte by byte) it cost about a quarter of backstop-axum's 404 path in its
//! `contract_overhead` benchmark; writing the fixed keys and checking each string once costs a
//! fraction. Errors with details, and the other profiles, go through serde. The tests pin the output
//! byte for byte to the serde path.

use time::OffsetDateTime;

use crate::error::ApiError;
use crate::timestamp::timestamp_bytes;

/// Appends the canonical envelope of `error`, which must have no details, to `out`: the same bytes
/// as the serde path.
pub(crate) fn encode_backstop_without_details(error: &ApiError, out: &mut Vec<u8>) {
    debug_assert!(error.details().is_none());
    write_backstop(
        Parts {
            code: error.code().name(),
            message: error.message(),
            request_id: error.request_id(),
            timestamp: error.timestamp(),
            retryable: error.is_retryable(),
        },
        out,
    );
}

/// What the canonical envelope of an error without details holds.
pub(crate) struct Parts<'a> {
    pub(crate) code: &'a str,
    pub(crate) message: &'a str,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) timestamp: Option<OffsetDateTime>,
    pub(crate) retryable: bool,
}

/// Appends the canonical envelope of `parts` to `out`.
pub(crate) fn write_backstop(parts: Parts<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"error":{"code":"#);
    json_string(out, parts.code);
    out.extend_from_slice(br#","message":"#);
    json_string(out, parts.message);
    if let Some(id) = parts.request_id {
        out.extend_from_slice(br#","request_id":"#);
        json_string(out, id);
    }
    if let Some(t) = parts.timestamp {
        out.extend_from_slice(br#","timestamp":""#);
        out.extend_from_slice(&timestamp_bytes(t));
        out.push(b'"');
    }
    out.extend_from_slice(if parts.retryable {
        br#","retryable":true}}"#
    } else {
        br#","retryable":false}}"#
    });
}

/// A JSON string: copied as is when nothing in it needs escaping (the usual case: codes, catalog
/// messages, request ids), otherwise escaped by serde_json itself.
fn json_string(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Whether serde_json would escape anything in `s`: a control character, `"` or `\\`.
///
/// Eight bytes at a time (the classic "has a byte less than n / equal to c" word tricks, exact for
/// whether any byte matches). The tail is one more word: the last eight bytes, overlapping what was
/// checked already, or for a string shorter than eight, the string padded with a harmless byte.
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let hit = |w: u64| {
        (w.wrapping_sub(ONES * 0x20) & !w & HIGHS)
            | has_zero(w ^ QUOTES)
            | has_zero(w ^ BACKSLASHES)
    };
    let word = |chunk: &[u8]| {
        let mut w = [b'a'; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        u64::from_ne_bytes(w)
    };
    if s.len() <= 8 {
        return hit(word(s)) != 0;
    }
    let mut chunks = s.chunks_exact(8);
    let mut hits = 0u64;
    for chunk in &mut chunks {
        hits |= hit(word(chunk));
    }
    if !chunks.remainder().is_empty() {
        hits |= hit(word(&s[s.len() - 8..]));
    }
    hits != 0
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::code::{CATALOG, Code};

    fn direct(error: &ApiError) -> String {
        let mut out = Vec::new();
        encode_backstop_without_details(error, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn via_serde(error: &ApiError) -> String {
        String::from_utf8(crate::profile::encode_backstop_with_serde(error)).unwrap()
    }

    #[test]
    fn same_bytes_as_the_core_encoder() {
        let messages = [
            None,
            Some(""),
            Some("Plain words."),
            Some("quote \" and back\\slash / slash"),
            Some("new\nline, tab\t, bell\u{7}, nul\u{0}, del\u{7f}"),
            Some("unicode é 中文 🚀 \u{2028}"),
        ];
        let times = [
            None,
            Some(datetime!(2026-11-22 10:15:30.123456 UTC)),
            Some(datetime!(2026-01-02 00:00:00.1 +01:00)),
            Some(datetime!(0999-12-31 23:59:59.999 UTC)),
        ];
        let ids = [
            None,
            Some("req_1"),
            Some("01890a5d-ac96-774b-bcce-b302099a8057"),
        ];
        let mut codes: Vec<Code> = CATALOG.to_vec();
        codes.push(Code::not_found_for("invoice"));
        let mut checked = 0;
        for code in &codes {
            for message in messages {
                for time in times {
                    for id in ids {
                        let mut e = ApiError::new(code.clone()).with_timestamp(time);
                        if let Some(m) = message {
                            e = e.with_message(m.to_owned());
                        }
                        if let Some(id) = id {
                            e = e.with_request_id(id);
                        }
                        for e in [e.clone_without_source(), e.with_retryable(true)] {
                            assert_eq!(direct(&e), via_serde(&e));
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 500);
    }

    #[test]
    fn escape_check_finds_every_escaped_byte_at_every_position() {
        let escaped = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
        for len in 0..20 {
            for at in 0..len {
                for b in 0u8..=255 {
                    let mut s = vec![b'a'; len];
                    s[at] = b;
                    assert_eq!(needs_escape(&s), escaped(b), "byte {b:#x} at {at} of {len}");
                }
            }
        }
        // Neighbouring bytes cannot make a false hit (borrows between bytes in the word tricks).
        for at in [0, 6, 7, 8] {
            for a in 0u8..=255 {
                for b in 0u8..=255 {
                    let mut s = [b'a'; 10];
                    s[at] = a;
                    s[at + 1] = b;
                    assert_eq!(
                        needs_escape(&s),
                        escaped(a) || escaped(b),
                        "{a:#x} {b:#x} at {at}"
                    );
                }
            }
        }
    }
}
