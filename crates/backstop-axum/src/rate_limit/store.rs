//! [`RateLimitStore`]: where GCRA state lives.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::store::BoxFuture;

use super::policy::Quota;

/// What a request is limited by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum LimitKey {
    /// An authenticated principal's id.
    Principal(Arc<str>),
    /// An anonymous caller's IP (an IPv6 caller's /64 prefix: see
    /// [`limited_address`](super::limited_address)).
    Ip(IpAddr),
    /// Neither could be determined: one bucket shared by all such requests.
    Unknown,
}

impl fmt::Debug for LimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for LimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitKey::Principal(id) => write!(f, "p:{id}"),
            LimitKey::Ip(ip) => write!(f, "ip:{ip}"),
            LimitKey::Unknown => f.write_str("unknown"),
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests still allowed right now after this one.
    pub remaining: u32,
    /// Time until the quota is fully available again (or, when refused, until the next request
    /// is allowed).
    pub reset: Duration,
    /// When refused: how long to wait before the next request is allowed.
    pub retry_after: Duration,
}

pub use crate::store::StoreError;

/// Keeps GCRA state and decides. One check must be atomic across every process sharing the store.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one request for `key` against `quota` and decides.
    fn check<'a>(
        &'a self,
        key: &'a LimitKey,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Decision, StoreError>>;

    /// Decides at once when the store needs no I/O (the in-memory store), sparing the boxed future
    /// of [`check`](Self::check); `None` (the default) means "call `check`". The layer tries this
    /// first.
    fn check_ready(&self, key: &LimitKey, quota: Quota) -> Option<Result<Decision, StoreError>> {
        let _ = (key, quota);
        None
    }
}
