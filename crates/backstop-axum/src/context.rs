//! Per-request facts the [`Contract`](crate::Contract) layer makes available to handlers, extractors
//! and other layers through the request (and response) extensions.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use backstop::Profile;
use rand::Rng as _;

thread_local! {
    /// The random part of fresh request ids (see [`RequestId::fresh`]).
    static ID_RNG: std::cell::RefCell<rand::rngs::SmallRng> =
        std::cell::RefCell::new(rand::SeedableRng::from_rng(&mut rand::rng()));
}

/// The request's id (docs/CONTRACT.md §4): the incoming `X-Request-Id` when it is valid, a fresh UUID v7
/// otherwise. The [`Contract`](crate::Contract) layer puts it in the request's `X-Request-Id` header
/// (replacing a missing or invalid one, so everything inside the layer, including a client forwarding
/// the header upstream, sees the id the response will carry) and echoes it in the response's.
///
/// Usable as an extractor: it reads that header, and makes a fresh id when the header is missing or
/// invalid (only possible without the layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// Keeps `value` when it is a valid request id (1..=128 characters of `[A-Za-z0-9._:-]`),
    /// otherwise returns `None`.
    pub fn accept(value: &HeaderValue) -> Option<Self> {
        let s = value.to_str().ok()?;
        backstop::is_valid_request_id(s).then(|| RequestId(value.clone()))
    }

    /// A fresh id: a UUID v7 (time-ordered to the millisecond), hyphenated.
    ///
    /// Built here rather than with `backstop::new_request_id`, which goes through uuid's shared v7
    /// context and a `getrandom` system call per id: on the hot path, a thread-local RNG and a stack
    /// buffer cost a fraction of that. The RNG is a small fast one (xoshiro) seeded per thread from
    /// the OS-seeded thread RNG: request ids must be unique, not unguessable, and ChaCha's
    /// refills showed at about 250 instructions an id.
    pub fn fresh() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        // Two 64-bit draws: asking for `[u8; 10]` draws once per byte.
        let random: u128 = ID_RNG.with(|rng| rng.borrow_mut().random());
        let mut ten = [0u8; 10];
        ten.copy_from_slice(&random.to_le_bytes()[..10]);
        let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &ten).into_uuid();
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uuid.hyphenated().encode_lower(&mut buf);
        // `Bytes::from_owner` makes one allocation whose clones (request extensions, response
        // header) are reference counts; `HeaderValue::from_str` would copy into a `Vec` and then
        // allocate again on the first clone. A UUID is always a valid header value; fall back to a
        // static one rather than panic.
        RequestId(
            HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(buf))
                .unwrap_or_else(|_| HeaderValue::from_static("invalid-id")),
        )
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ever built from validated ASCII or a UUID.
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .headers
            .get(backstop::headers::X_REQUEST_ID)
            .and_then(RequestId::accept)
            .unwrap_or_else(RequestId::fresh))
    }
}

/// The wire profile the [`Contract`](crate::Contract) layer answers errors in, inserted into the request
/// extensions so handlers and extractors can encode errors themselves (see
/// [`encode_response`](crate::encode_response)). Absent without the layer: use the default
/// ([`Profile::Backstop`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ErrorProfile(pub Profile);

impl ErrorProfile {
    /// The profile configured for this request (the canonical one without the layer).
    pub fn of(extensions: &axum::http::Extensions) -> Profile {
        extensions
            .get::<ErrorProfile>()
            .map(|p| p.0)
            .unwrap_or_default()
    }
}

/// The authenticated principal's id (never a secret), for the error log and the error records.
///
/// An authentication policy running inside the [`Contract`](crate::Contract) layer inserts it into the
/// **response** extensions (the contract layer only sees the request before it reaches inner layers,
/// and the response after): `response.extensions_mut().insert(PrincipalId("key_123".into()))`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalId(pub String);

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn fresh_ids_are_valid_unique_uuid_v7s() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = RequestId::fresh();
            assert!(backstop::is_valid_request_id(id.as_str()), "{id}");
            let uuid = uuid::Uuid::parse_str(id.as_str()).expect("a UUID");
            assert_eq!(uuid.get_version_num(), 7, "{id}");
            assert!(seen.insert(id.as_str().to_owned()), "repeated id {id}");
        }
        // Ids made on another thread come from another seed.
        let other = std::thread::spawn(|| RequestId::fresh().as_str().to_owned())
            .join()
            .expect("thread");
        assert!(!seen.contains(&other));
    }
}
