//! Parsing the `Idempotency-Key` header.

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// Why an `Idempotency-Key` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidKey {
    /// Empty.
    #[error("the Idempotency-Key header is empty")]
    Empty,
    /// Longer than [`MAX_KEY_LEN`] characters.
    #[error("the Idempotency-Key header is longer than 255 characters")]
    TooLong,
    /// Not a structured-field string nor a token of visible ASCII characters, or sent twice.
    #[error("the Idempotency-Key header is malformed")]
    Malformed,
}

/// Parses an `Idempotency-Key` value: a structured-field string (`"abc"`, with `\"` and `\\`
/// escapes) or a bare token of visible ASCII (`abc`, `4f9c1d2e-…`; more lenient than an sf-token,
/// because clients send bare UUIDs).
///
/// ```
/// use backstop_axum::idempotency::parse_idempotency_key;
/// assert_eq!(parse_idempotency_key(b"\"abc\"").unwrap(), "abc");
/// assert_eq!(parse_idempotency_key(b"8e03978e-40d5-43e8-bc93-6894a57f9324").unwrap(),
///            "8e03978e-40d5-43e8-bc93-6894a57f9324");
/// assert!(parse_idempotency_key(b"\"unterminated").is_err());
/// ```
pub fn parse_idempotency_key(raw: &[u8]) -> Result<String, InvalidKey> {
    let raw = raw.trim_ascii();
    let key = if let Some(rest) = raw.strip_prefix(b"\"") {
        let mut out = String::with_capacity(rest.len());
        let mut chars = rest.iter();
        let mut closed = false;
        while let Some(&c) = chars.next() {
            match c {
                b'\\' => match chars.next() {
                    Some(&e @ (b'"' | b'\\')) => out.push(e as char),
                    _ => return Err(InvalidKey::Malformed),
                },
                b'"' => {
                    closed = true;
                    break;
                }
                0x20..=0x7e => out.push(c as char),
                _ => return Err(InvalidKey::Malformed),
            }
            if out.len() > MAX_KEY_LEN {
                return Err(InvalidKey::TooLong);
            }
        }
        if !closed || chars.next().is_some() {
            return Err(InvalidKey::Malformed);
        }
        out
    } else {
        if raw.len() > MAX_KEY_LEN {
            return Err(InvalidKey::TooLong);
        }
        if !raw
            .iter()
            .all(|&c| (0x21..=0x7e).contains(&c) && c != b'"' && c != b',')
        {
            return Err(InvalidKey::Malformed);
        }
        String::from_utf8(raw.to_vec()).map_err(|_| InvalidKey::Malformed)?
    };
    if key.is_empty() {
        return Err(InvalidKey::Empty);
    }
    if key.len() > MAX_KEY_LEN {
        return Err(InvalidKey::TooLong);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_idempotency_key(b" \"a\\\"b\" ").unwrap(), "a\"b");
        assert_eq!(parse_idempotency_key(b"\"\""), Err(InvalidKey::Empty));
        assert_eq!(parse_idempotency_key(b""), Err(InvalidKey::Empty));
        assert_eq!(parse_idempotency_key(b"a b"), Err(InvalidKey::Malformed));
        assert_eq!(parse_idempotency_key(b"\"a\"x"), Err(InvalidKey::Malformed));
        assert_eq!(parse_idempotency_key(b"a,b"), Err(InvalidKey::Malformed));
        assert_eq!(
            parse_idempotency_key("é".as_bytes()),
            Err(InvalidKey::Malformed)
        );
        let long = "k".repeat(256);
        assert_eq!(
            parse_idempotency_key(long.as_bytes()),
            Err(InvalidKey::TooLong)
        );
        assert_eq!(
            parse_idempotency_key(format!("\"{long}\"").as_bytes()),
            Err(InvalidKey::TooLong)
        );
        assert!(parse_idempotency_key("k".repeat(255).as_bytes()).is_ok());
    }
}
