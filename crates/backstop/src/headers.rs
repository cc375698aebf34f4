//! The header names the contract speaks (docs/CONTRACT.md), owned here so that servers, clients and
//! the checker spell them one way.
//!
//! Each is an [`http::HeaderName`] constant, in lower case as HTTP/2 sends them.

use http::HeaderName;

/// `X-Request-Id`: the request id, accepted when valid and echoed on every response (§3).
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `Idempotency-Key`: makes a POST or PATCH safe to retry (§8).
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// `Idempotent-Replayed: true`: the response is a stored one, replayed for a repeated key (§8).
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// `RateLimit`: the caller's remaining budget (IETF `RateLimit` header fields, §7).
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// `RateLimit-Policy`: the quota the budget is counted against (§7).
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// `X-API-Key`: an API key credential, the alternative to `Authorization: Bearer` (§6).
pub const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// `X-Forwarded-For`: the client address chain appended by proxies, read only for trusted hops.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// `traceparent`: the W3C Trace Context header carrying the caller's trace id.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
