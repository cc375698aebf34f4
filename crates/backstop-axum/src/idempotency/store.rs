//! [`IdempotencyStore`]: claims and stored responses.

use std::fmt;
use std::time::Duration;

use crate::store::BoxFuture;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use bytes::{Buf, BufMut, Bytes, BytesMut};

/// SHA-256 of method, path (with query) and body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a request: SHA-256 of method, path with query, and body.
    pub fn of(method: &axum::http::Method, path_and_query: &str, body: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(method.as_str().as_bytes());
        h.update([0]);
        h.update(path_and_query.as_bytes());
        h.update([0]);
        h.update(body);
        Fingerprint(h.finalize().into())
    }
}

/// Proof of a claim: only its holder can complete or release it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ClaimToken(pub [u8; 16]);

impl ClaimToken {
    /// A random token.
    pub fn random() -> Self {
        ClaimToken(rand::random())
    }
}

/// What [`IdempotencyStore::begin`] found.
#[derive(Debug)]
pub enum Begin {
    /// The key was free: this request runs and must complete or release the claim.
    Claimed(ClaimToken),
    /// Another request with this key and payload is in flight (its lease ends in `lease_left`).
    InFlight {
        /// Time until the other request's lease ends.
        lease_left: Duration,
    },
    /// The key was used with another payload.
    Mismatch,
    /// The key's first request finished: replay this.
    Completed(StoredResponse),
}

pub use crate::store::StoreError;

/// Claims keys and keeps final responses. Every operation must be atomic across all processes
/// sharing the store. `key` is already scoped to the principal (and hashed).
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `key` for `lease` if it is free (or its lease or retention ran out); otherwise says
    /// why not. A different `fingerprint` is reported as [`Begin::Mismatch`] whatever the state.
    fn begin<'a>(
        &'a self,
        key: &'a str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Begin, StoreError>>;

    /// Replaces the claim with the final response, kept for `retention`. Returns `false` if the
    /// claim was no longer held (lease expired and taken over).
    fn complete<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Drops the claim (if still held) so the next request with the key runs.
    fn release<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Called once the application completed the claim in its own transaction
    /// ([`IdempotencyClaim::completed`](super::IdempotencyClaim::completed)), instead of
    /// [`complete`](Self::complete) or [`release`](Self::release). Nothing to do for a store whose
    /// claims live with its records (the default); a store that holds claims in the process (the
    /// reference API's database store) forgets the claim here.
    fn completed_by_application(&self, key: &str, claim: ClaimToken) {
        let _ = (key, claim);
    }

    /// Claims `key` in this process **without looking up its record**, for a store that checks
    /// for a live record where the request's outcome is written instead: in the application's own
    /// transaction, which then fails (and [`complete`](Self::complete) returns `false`) when a live
    /// record holds the key. Used by an [`IdempotencyLayer`](super::IdempotencyLayer) built with
    /// [`check_at_commit`](super::IdempotencyLayer::check_at_commit), which then answers from
    /// [`lookup`](Self::lookup) when that check fails. Answers as [`begin`](Self::begin) does
    /// for the claims of this process (`InFlight`, `Mismatch`, `Claimed`).
    ///
    /// `None` (the default): this store cannot; the layer calls [`begin`](Self::begin).
    fn claim_unchecked(
        &self,
        key: &str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Option<Result<Begin, StoreError>> {
        let _ = (key, fingerprint, lease);
        None
    }

    /// The live record of `key` as [`begin`](Self::begin) would answer it, without claiming
    /// anything: [`Begin::Completed`], [`Begin::Mismatch`] or [`Begin::InFlight`]; `None` when no
    /// live record holds the key. Needed only by a store that supports
    /// [`claim_unchecked`](Self::claim_unchecked) (the default finds nothing).
    fn lookup<'a>(
        &'a self,
        key: &'a str,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Option<Begin>, StoreError>> {
        let _ = (key, fingerprint);
        Box::pin(std::future::ready(Ok(None)))
    }
}

/// A final response as stored: status, the headers worth replaying, and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The status.
    pub status: StatusCode,
    /// The stored headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body.
    pub body: Bytes,
    /// What the body holds.
    pub kind: StoredKind,
}

/// What a [`StoredResponse`]'s body holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StoredKind {
    /// The bytes that were sent (a success response).
    #[default]
    Body,
    /// A contract error as data, which a replay hands to the [`Contract`](crate::Contract) to
    /// encode again in the server's profile, with the replaying request's id and timestamp: the same
    /// code, message and details whatever the profile.
    ContractError,
}

impl fmt::Debug for StoredResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredResponse")
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("headers", &self.headers.len())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// The first byte of a versioned encoding. A legacy (unversioned) record starts with the status
/// as a big-endian `u16`, whose first byte is at most `0x02`.
const MAGIC: u8 = 0xB5;
/// The current encoding version.
const VERSION: u8 = 1;

impl StoredResponse {
    /// A compact binary encoding, versioned so that stores full of records survive an upgrade:
    /// `0xB5`, version `1`, the kind (`0` body, `1` contract error), then `u16` status, `u16`
    /// header count, each header as `u16` name length, name, `u32` value length, value; then the
    /// body. (Hand-written: a few lines, no base64 blow-up of bodies as JSON would need.)
    /// [`decode`](Self::decode) also reads the unversioned layout of earlier releases (status
    /// onwards, a body).
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.body.len() + 67);
        out.put_u8(MAGIC);
        out.put_u8(VERSION);
        out.put_u8(match self.kind {
            StoredKind::Body => 0,
            StoredKind::ContractError => 1,
        });
        out.put_u16(self.status.as_u16());
        out.put_u16(self.headers.len() as u16);
        for (name, value) in &self.headers {
            out.put_u16(name.as_str().len() as u16);
            out.put_slice(name.as_str().as_bytes());
            out.put_u32(value.len() as u32);
            out.put_slice(value.as_bytes());
        }
        out.put_slice(&self.body);
        out.freeze()
    }

    /// Decodes [`encode`](Self::encode)'s output (any version this release knows); `None` if it
    /// is corrupt or from a newer release.
    pub fn decode(mut b: Bytes) -> Option<Self> {
        match b.first() {
            Some(&MAGIC) => {
                if b.get(1) != Some(&VERSION) {
                    return None;
                }
                let kind = match b.get(2) {
                    Some(0) => StoredKind::Body,
                    Some(1) => StoredKind::ContractError,
                    _ => return None,
                };
                b.advance(3);
                Self::decode_layout(b, kind)
            }
            Some(_) => Self::decode_layout(b, StoredKind::Body),
            None => None,
        }
    }

    /// Status onwards (the layout shared by every version so far).
    fn decode_layout(mut b: Bytes, kind: StoredKind) -> Option<Self> {
        if b.remaining() < 4 {
            return None;
        }
        let status = StatusCode::from_u16(b.get_u16()).ok()?;
        let n = b.get_u16();
        let mut headers = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if b.remaining() < 2 {
                return None;
            }
            let len = b.get_u16() as usize;
            if b.remaining() < len + 4 {
                return None;
            }
            let name = HeaderName::from_bytes(&b.split_to(len)).ok()?;
            let len = b.get_u32() as usize;
            if b.remaining() < len {
                return None;
            }
            let value = HeaderValue::from_maybe_shared(b.split_to(len)).ok()?;
            headers.push((name, value));
        }
        Some(StoredResponse {
            status,
            headers,
            body: b,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let r = StoredResponse {
            status: StatusCode::CREATED,
            headers: vec![
                (
                    HeaderName::from_static("content-type"),
                    HeaderValue::from_static("application/json"),
                ),
                (
                    HeaderName::from_static("location"),
                    HeaderValue::from_static("/invoices/1"),
                ),
            ],
            body: Bytes::from_static(b"{\"id\":1}"),
            kind: StoredKind::Body,
        };
        assert_eq!(StoredResponse::decode(r.encode()), Some(r.clone()));
        assert_eq!(StoredResponse::decode(Bytes::from_static(b"\x00")), None);
        let truncated = r.encode().slice(..12);
        assert_eq!(StoredResponse::decode(truncated), None);
        let error = StoredResponse {
            kind: StoredKind::ContractError,
            ..r.clone()
        };
        assert_eq!(StoredResponse::decode(error.encode()), Some(error));
        // A record written by an earlier release (no version bytes) still decodes.
        let legacy = r.encode().slice(3..);
        assert_eq!(StoredResponse::decode(legacy), Some(r.clone()));
        // A record from a newer release is not misread.
        let mut newer = r.encode().to_vec();
        newer[1] = 2;
        assert_eq!(StoredResponse::decode(Bytes::from(newer)), None);
    }
}
