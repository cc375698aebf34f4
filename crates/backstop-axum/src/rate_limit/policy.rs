//! [`Quota`] and [`Policies`]: how much each tier may send.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;

/// `limit` requests per `window`, enforced with GCRA: a full burst of `limit` is allowed, then one
/// request every `window / limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    limit: u32,
    window: Duration,
}

impl Quota {
    /// `limit` requests per `window`. `None` if `limit` is 0 or `window` shorter than `limit`
    /// nanoseconds.
    pub fn new(limit: u32, window: Duration) -> Option<Self> {
        if limit == 0 || window.is_zero() || (window / limit).is_zero() {
            return None;
        }
        Some(Quota { limit, window })
    }

    /// `limit` requests per minute.
    pub fn per_minute(limit: u32) -> Option<Self> {
        Self::new(limit, Duration::from_secs(60))
    }

    /// `limit` requests per second.
    pub fn per_second(limit: u32) -> Option<Self> {
        Self::new(limit, Duration::from_secs(1))
    }

    /// The number of requests per window (also the burst).
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The time one request "costs": `window / limit`.
    pub fn emission_interval(&self) -> Duration {
        self.window / self.limit
    }
}

/// One named quota, with the parts of its draft-11 header fields that never change.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub(crate) name: Arc<str>,
    pub(crate) quota: Quota,
    /// `RateLimit-Policy`: `"name";q=LIMIT;w=WINDOW` (`None` if the name cannot be a header value).
    pub(crate) policy_header: Option<HeaderValue>,
    /// The start of `RateLimit`: `"name";r=`.
    pub(crate) state_prefix: Box<[u8]>,
}

impl Named {
    fn new(name: &str, quota: Quota) -> Self {
        let policy = format!(
            "\"{name}\";q={};w={}",
            quota.limit(),
            quota.window().as_secs().max(1)
        );
        Named {
            name: Arc::from(name),
            quota,
            policy_header: HeaderValue::from_str(&policy).ok(),
            state_prefix: format!("\"{name}\";r=").into_bytes().into_boxed_slice(),
        }
    }
}

/// A named quota per principal tier, a default for unknown tiers, and the quota for anonymous
/// callers (keyed by IP).
#[derive(Debug, Clone)]
pub struct Policies {
    default: Named,
    anonymous: Named,
    tiers: HashMap<String, Named>,
}

impl Policies {
    /// Every caller gets `default` (policy name `"default"`).
    pub fn new(default: Quota) -> Self {
        Policies {
            default: Named::new("default", default),
            anonymous: Named::new("default", default),
            tiers: HashMap::new(),
        }
    }

    /// One quota named `name` for every caller.
    pub(crate) fn single(name: &str, quota: Quota) -> Self {
        let named = Named::new(name, quota);
        Policies {
            default: named.clone(),
            anonymous: named,
            tiers: HashMap::new(),
        }
    }

    /// Principals of `tier` get `quota` (policy name = the tier name).
    pub fn tier(mut self, tier: &str, quota: Quota) -> Self {
        self.tiers.insert(tier.to_owned(), Named::new(tier, quota));
        self
    }

    /// Anonymous callers get `quota` (policy name `"anonymous"`).
    pub fn anonymous(mut self, quota: Quota) -> Self {
        self.anonymous = Named::new("anonymous", quota);
        self
    }

    /// The policy name and quota for a principal's tier.
    pub fn for_tier(&self, tier: &str) -> (&Arc<str>, Quota) {
        let named = self.named_for_tier(tier);
        (&named.name, named.quota)
    }

    /// The policy name and quota for anonymous callers.
    pub fn for_anonymous(&self) -> (&Arc<str>, Quota) {
        (&self.anonymous.name, self.anonymous.quota)
    }

    pub(crate) fn named_for_tier(&self, tier: &str) -> &Named {
        if self.tiers.is_empty() {
            // The common case, without hashing the tier on every request.
            return &self.default;
        }
        self.tiers.get(tier).unwrap_or(&self.default)
    }

    pub(crate) fn named_anonymous(&self) -> &Named {
        &self.anonymous
    }
}
