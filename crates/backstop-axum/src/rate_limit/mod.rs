//! Rate limiting: GCRA per principal (per client IP when anonymous), quotas per principal tier,
//! in memory ([`MemoryRateLimitStore`], on `governor`) or shared through Redis
//! (`RedisRateLimitStore`, feature `redis`).
//!
//! [`RateLimitLayer`] goes *inside* the [`AuthLayer`](crate::auth::AuthLayer) so it sees the
//! [`Principal`](crate::auth::Principal). Every response of a limited route carries the draft-11
//! headers (`RateLimit-Policy: "default";q=100;w=60` and `RateLimit: "default";r=42;t=17`), 2xx
//! included; a refused request gets 429 `RATE_LIMIT_EXCEEDED` with `Retry-After` and details
//! `{"limit": 100, "window_seconds": 60}`.
//!
//! Keys, in order: the principal's id; else the client IP (from axum's
//! `ConnectInfo<SocketAddr>`, or from `Forwarded`/`X-Forwarded-For` only when
//! [`RateLimitLayer::trust_forwarded_hops`] says a proxy sets them; an IPv6 client by its /64
//! prefix, see [`limited_address`]); else one shared `unknown`
//! bucket. The last case happens only when the server is not served with
//! `into_make_service_with_connect_info::<SocketAddr>()` and no proxy header is trusted: such
//! requests are limited together rather than refused with a 500.
//!
//! When the store fails (Redis down) the layer fails open (lets the request through without
//! `RateLimit` header) or closed (503 `SERVICE_UNAVAILABLE` with `Retry-After`) as configured by
//! [`FailMode`]; the outage is logged at warn at most once per 10 s (with a count of suppressed
//! failures) and the recovery at info. Recovery needs nothing from the application.

mod capped;
mod layer;
mod memory;
mod policy;
#[cfg(feature = "redis")]
mod redis;
mod store;

pub use crate::caller::{CallerIdentity, client_ip, limited_address};
pub use layer::{FailMode, RateLimitLayer, RateLimitService};
pub use memory::MemoryRateLimitStore;
pub use policy::{Policies, Quota};
#[cfg(feature = "redis")]
pub use redis::RedisRateLimitStore;
pub use store::{Decision, LimitKey, RateLimitStore, StoreError};
