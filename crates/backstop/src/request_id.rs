//! Request ids (docs/CONTRACT.md §4): which incoming ids are kept, and fresh ones.

/// The longest incoming request id that is kept.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether an incoming `X-Request-Id` is kept: 1..=128 characters of `[A-Za-z0-9._:-]`.
/// Anything else (CRLF, spaces, quotes, 1 KB ids) is replaced by a fresh id.
///
/// ```
/// use backstop::is_valid_request_id;
/// assert!(is_valid_request_id("req_01H:abc-1.2"));
/// assert!(!is_valid_request_id("bad\r\nSet-Cookie: x"));
/// assert!(!is_valid_request_id(&"a".repeat(129)));
/// ```
pub fn is_valid_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// A fresh request id: a UUID v7 (time-ordered), hyphenated.
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_valid_and_distinct() {
        let a = new_request_id();
        let b = new_request_id();
        assert!(is_valid_request_id(&a));
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
    }
}
