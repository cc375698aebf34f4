//! API keys: `<prefix>_<secret>`, where the prefix is public (used to look the key up) and only a
//! SHA-256 hash of the secret is stored.

use std::fmt;

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Length of a generated secret (base62 characters, about 190 bits).
const SECRET_LEN: usize = 32;
/// Length of the random id part of a generated prefix.
const ID_LEN: usize = 12;
/// Longest key accepted by [`ApiKey::parse`].
const MAX_KEY_LEN: usize = 256;

/// The SHA-256 hash of a key's secret: what a credential store keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    /// Hashes a secret.
    pub fn of_secret(secret: &str) -> Self {
        KeyHash(Sha256::digest(secret.as_bytes()).into())
    }

    /// Compares in constant time.
    pub fn matches(&self, other: &KeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// Lower-case hex, for storing in a database.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses lower- or upper-case hex.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(KeyHash(out))
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash(<redacted>)")
    }
}

/// A parsed API key as presented by a client. Its `Debug` shows the prefix only.
#[derive(Clone)]
pub struct ApiKey {
    full: String,
    split: usize,
}

/// Why a string is not an API key. Never includes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseApiKeyError {
    /// Empty or longer than 256 bytes.
    #[error("the API key has an invalid length")]
    Length,
    /// No `_` separating the prefix from the secret, or an empty part.
    #[error("the API key is not of the form <prefix>_<secret>")]
    Shape,
    /// The secret has characters other than ASCII letters and digits.
    #[error("the API key's secret has invalid characters")]
    Charset,
}

/// A freshly generated key: show [`key`](Self::key) to its owner once, store
/// [`prefix`](Self::prefix) and [`hash`](Self::hash).
pub struct GeneratedKey {
    key: ApiKey,
    hash: KeyHash,
}

impl GeneratedKey {
    /// The full key, to hand to its owner once. Never log it.
    pub fn key(&self) -> &str {
        self.key.expose()
    }

    /// The public prefix (lookup id).
    pub fn prefix(&self) -> &str {
        self.key.prefix()
    }

    /// The hash of the secret, to store.
    pub fn hash(&self) -> KeyHash {
        self.hash
    }
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("prefix", &self.prefix())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl ApiKey {
    /// Generates a key `<namespace>_<12 random base62>_<32 random base62>`. The public prefix is
    /// everything before the last `_` (for example `sk_live_4fQ2xYb9KpLm`).
    ///
    /// ```
    /// use backstop_axum::auth::ApiKey;
    /// let generated = ApiKey::generate("sk_live");
    /// assert!(generated.key().starts_with("sk_live_"));
    /// let parsed = ApiKey::parse(generated.key()).unwrap();
    /// assert_eq!(parsed.prefix(), generated.prefix());
    /// assert!(parsed.verify(&generated.hash()));
    /// assert!(!format!("{parsed:?}").contains(parsed.secret()));
    /// ```
    pub fn generate(namespace: &str) -> GeneratedKey {
        let mut rng = rand::rng();
        let id: String = (&mut rng)
            .sample_iter(&Alphanumeric)
            .take(ID_LEN)
            .map(char::from)
            .collect();
        let secret: String = (&mut rng)
            .sample_iter(&Alphanumeric)
            .take(SECRET_LEN)
            .map(char::from)
            .collect();
        let full = if namespace.is_empty() {
            format!("{id}_{secret}")
        } else {
            format!("{namespace}_{id}_{secret}")
        };
        let split = full.len() - SECRET_LEN - 1;
        let hash = KeyHash::of_secret(&secret);
        GeneratedKey {
            key: ApiKey { full, split },
            hash,
        }
    }

    /// Parses `<prefix>_<secret>`: the secret is what follows the last `_` and must be ASCII
    /// alphanumeric.
    pub fn parse(s: &str) -> Result<ApiKey, ParseApiKeyError> {
        if s.is_empty() || s.len() > MAX_KEY_LEN {
            return Err(ParseApiKeyError::Length);
        }
        let split = s.rfind('_').ok_or(ParseApiKeyError::Shape)?;
        let (prefix, secret) = (&s[..split], &s[split + 1..]);
        if prefix.is_empty() || secret.is_empty() {
            return Err(ParseApiKeyError::Shape);
        }
        if !secret.bytes().all(|b| b.is_ascii_alphanumeric())
            || !prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ParseApiKeyError::Charset);
        }
        Ok(ApiKey {
            full: s.to_owned(),
            split,
        })
    }

    /// The public prefix.
    pub fn prefix(&self) -> &str {
        &self.full[..self.split]
    }

    /// The secret part. Never log it.
    pub fn secret(&self) -> &str {
        &self.full[self.split + 1..]
    }

    /// The whole key. Never log it.
    pub fn expose(&self) -> &str {
        &self.full
    }

    /// Whether the secret hashes to `stored` (constant-time comparison).
    pub fn verify(&self, stored: &KeyHash) -> bool {
        KeyHash::of_secret(self.secret()).matches(stored)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("prefix", &self.prefix())
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_bad_shapes() {
        assert!(matches!(ApiKey::parse(""), Err(ParseApiKeyError::Length)));
        assert!(matches!(
            ApiKey::parse("nounderscore"),
            Err(ParseApiKeyError::Shape)
        ));
        assert!(matches!(
            ApiKey::parse("abc_"),
            Err(ParseApiKeyError::Shape)
        ));
        assert!(matches!(
            ApiKey::parse("_abc"),
            Err(ParseApiKeyError::Shape)
        ));
        assert!(matches!(
            ApiKey::parse("ab_c$d"),
            Err(ParseApiKeyError::Charset)
        ));
        assert!(matches!(
            ApiKey::parse(&"a_".repeat(200)),
            Err(ParseApiKeyError::Length)
        ));
    }

    #[test]
    fn wrong_secret_does_not_verify() {
        let g = ApiKey::generate("pk");
        let forged = ApiKey::parse(&format!("{}_{}", g.prefix(), "x".repeat(32))).unwrap();
        assert!(!forged.verify(&g.hash()));
        assert_eq!(KeyHash::from_hex(&g.hash().to_hex()), Some(g.hash()));
    }
}
