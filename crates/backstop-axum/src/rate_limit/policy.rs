//! [`Quota`] and [`Policies`]: how much each tier may send.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

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

/// A named quota per principal tier, a default for unknown tiers, and the quota for anonymous
/// callers (keyed by IP).
#[derive(Debug, Clone)]
pub struct Policies {
    default: (Arc<str>, Quota),
    anonymous: (Arc<str>, Quota),
    tiers: HashMap<String, (Arc<str>, Quota)>,
}

impl Policies {
    /// Every caller gets `default` (policy name `"default"`).
    pub fn new(default: Quota) -> Self {
        Policies {
            default: (Arc::from("default"), default),
            anonymous: (Arc::from("default"), default),
            tiers: HashMap::new(),
        }
    }

    /// Principals of `tier` get `quota` (policy name = the tier name).
    pub fn tier(mut self, tier: &str, quota: Quota) -> Self {
        self.tiers.insert(tier.to_owned(), (Arc::from(tier), quota));
        self
    }

    /// Anonymous callers get `quota` (policy name `"anonymous"`).
    pub fn anonymous(mut self, quota: Quota) -> Self {
        self.anonymous = (Arc::from("anonymous"), quota);
        self
    }

    /// The policy name and quota for a principal's tier.
    pub fn for_tier(&self, tier: &str) -> (&Arc<str>, Quota) {
        let (name, q) = self.tiers.get(tier).unwrap_or(&self.default);
        (name, *q)
    }

    /// The policy name and quota for anonymous callers.
    pub fn for_anonymous(&self) -> (&Arc<str>, Quota) {
        (&self.anonymous.0, self.anonymous.1)
    }
}
