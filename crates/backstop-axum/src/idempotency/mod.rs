//! Idempotency keys for POST and PATCH (docs/CONTRACT.md §9, draft-ietf-httpapi-idempotency-key-header).
//!
//! [`IdempotencyLayer`] goes inside the [`AuthLayer`](crate::auth::AuthLayer): keys are scoped to the
//! [`Principal`](crate::auth::Principal) (to the client IP for anonymous callers, and to one shared
//! `anonymous` scope when neither is known). For a POST or PATCH with an `Idempotency-Key`
//! (a quoted structured-field string `"abc"` or a bare token `abc`, at most 255 characters):
//!
//! - the first request claims the key with a lease (30 s by default), runs, and its final response
//!   (status, the headers that matter, body up to a size cap) is stored for the retention (24 h by
//!   default) and replayed to repeats with `Idempotent-Replayed: true`;
//! - while it runs, the request carries its [`IdempotencyClaim`]: an application whose side effect
//!   is a database write completes the claim in that write's own transaction, which makes
//!   exactly-once survive crashes and restarts (docs/CONTRACT.md §9.4); with the memory or Redis
//!   store alone, a crash between the side effect and storing the response can run a re-send again;
//! - a repeat while the first is still in flight gets 409 `IDEMPOTENCY_KEY_IN_USE` (retryable, with
//!   `Retry-After`);
//! - the same key with another method, path (with query) or body gets 422
//!   `IDEMPOTENCY_KEY_MISMATCH` (the fingerprint is SHA-256 of the three);
//! - a 5xx or 429 outcome is not stored: the claim is released so a retry runs again; the claim is
//!   released too when the request is cancelled (client gone, timeout) — and if the process dies,
//!   the lease expires. **Make the lease longer than your handler timeout**: a handler still running
//!   when its lease ends can be run a second time;
//! - with [`IdempotencyLayer::check_at_commit`] and a store that checks where the outcome is
//!   written (the reference API's database store), a new key is claimed without a lookup; a repeat
//!   that finds the key taken there is answered from the record then, as it would have been first;
//! - a response larger than the cap is sent but not stored (the claim is released);
//! - if the store is unreachable the request is refused with 503 `SERVICE_UNAVAILABLE` rather than
//!   risk running a side effect twice;
//! - a request body larger than the cap gets 413 `PAYLOAD_TOO_LARGE`; a malformed or over-long key
//!   gets 400 `INVALID_REQUEST`.

mod claim;
mod key;
mod layer;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod store;
mod stored_error;

pub use claim::IdempotencyClaim;
pub use key::{InvalidKey, MAX_KEY_LEN, parse_idempotency_key};
pub use layer::{IdempotencyLayer, IdempotencyService, store_key};
pub use memory::MemoryIdempotencyStore;
#[cfg(feature = "redis")]
pub use redis::RedisIdempotencyStore;
pub use store::{
    Begin, ClaimToken, Fingerprint, IdempotencyStore, StoreError, StoredKind, StoredResponse,
};
