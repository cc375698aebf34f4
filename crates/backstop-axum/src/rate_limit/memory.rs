//! [`MemoryRateLimitStore`]: GCRA state in this process, on `governor`'s keyed limiter.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use crate::store::BoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;

use super::capped::CappedStateStore;
use super::policy::Quota;
use super::store::{Decision, LimitKey, RateLimitStore, StoreError};

type Keyed =
    governor::RateLimiter<LimitKey, CappedStateStore, DefaultClock, StateInformationMiddleware>;

/// How many checks between looks at the housekeeping clock.
const HOUSEKEEPING_EVERY: u64 = 4096;

/// In-process GCRA state: one `governor` keyed limiter (a sharded `DashMap`) per quota.
///
/// Memory stays bounded under millions of distinct keys: every `housekeeping_interval` (10 s by
/// default) keys whose state has fully replenished are dropped (`retain_recent`) and the map is
/// shrunk, so memory is proportional to the keys seen within the last window plus one interval, not
/// to every key ever seen. The work runs on tokio's blocking pool when available. On top of that,
/// each quota holds at most [`max_keys`](Self::with_max_keys) keys (default
/// [`DEFAULT_MAX_KEYS`](Self::DEFAULT_MAX_KEYS), some tens of MB): a key first seen while its
/// limiter is full shares one bucket with every other such key until housekeeping makes room, so a
/// flood of distinct keys is limited together instead of growing memory (a warning is logged).
pub struct MemoryRateLimitStore {
    /// One limiter per quota. A server has a handful of quotas (one per tier), so a linear scan of a
    /// small vector beats hashing the quota on every check.
    limiters: RwLock<Vec<(Quota, Arc<Keyed>)>>,
    /// The first quota's limiter, read without the lock: most servers check one quota.
    first: OnceLock<(Quota, Arc<Keyed>)>,
    housekeeping: Arc<Housekeeping>,
    max_keys: usize,
}

struct Housekeeping {
    interval: Duration,
    started: Instant,
    last_ms: AtomicU64,
    checks: AtomicU64,
    running: Mutex<()>,
    /// Set by a limiter when a key had to share the overflow bucket; logged and cleared here.
    overflowed: Arc<AtomicBool>,
}

impl fmt::Debug for MemoryRateLimitStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRateLimitStore")
            .field("keys", &self.len())
            .field("housekeeping_interval", &self.housekeeping.interval)
            .finish()
    }
}

impl Default for MemoryRateLimitStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryRateLimitStore {
    /// The default cap on keys per quota: 1,000,000.
    pub const DEFAULT_MAX_KEYS: usize = 1_000_000;

    /// An empty store with 10 s housekeeping.
    pub fn new() -> Self {
        Self::with_housekeeping_interval(Duration::from_secs(10))
    }

    /// An empty store that drops replenished keys every `interval`.
    pub fn with_housekeeping_interval(interval: Duration) -> Self {
        MemoryRateLimitStore {
            limiters: RwLock::new(Vec::new()),
            first: OnceLock::new(),
            housekeeping: Arc::new(Housekeeping {
                interval,
                started: Instant::now(),
                last_ms: AtomicU64::new(0),
                checks: AtomicU64::new(0),
                running: Mutex::new(()),
                overflowed: Arc::new(AtomicBool::new(false)),
            }),
            max_keys: Self::DEFAULT_MAX_KEYS,
        }
    }

    /// At most `max` keys per quota (at least 1); keys beyond it share one bucket until housekeeping
    /// drops replenished ones. Set it before the first check.
    pub fn with_max_keys(mut self, max: usize) -> Self {
        self.max_keys = max.max(1);
        self
    }

    /// The number of keys currently held (all quotas).
    pub fn len(&self) -> usize {
        self.read().iter().map(|(_, l)| l.len()).sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every key whose state has fully replenished and returns the memory, now.
    pub fn retain_recent(&self) {
        let limiters: Vec<Arc<Keyed>> = self.read().iter().map(|(_, l)| l.clone()).collect();
        for l in limiters {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<(Quota, Arc<Keyed>)>> {
        self.limiters.read().unwrap_or_else(|p| p.into_inner())
    }

    fn limiter(&self, quota: Quota) -> Arc<Keyed> {
        if let Some((_, l)) = self.read().iter().find(|(q, _)| *q == quota) {
            return l.clone();
        }
        let mut w = self.limiters.write().unwrap_or_else(|p| p.into_inner());
        if let Some((_, l)) = w.iter().find(|(q, _)| *q == quota) {
            return l.clone();
        }
        let burst = NonZeroU32::new(quota.limit()).unwrap_or(NonZeroU32::MIN);
        let q = governor::Quota::with_period(quota.emission_interval())
            .unwrap_or_else(|| governor::Quota::per_second(burst))
            .allow_burst(burst);
        let store = CappedStateStore::new(self.max_keys, self.housekeeping.overflowed.clone());
        let limiter: Arc<Keyed> = Arc::new(
            governor::RateLimiter::<LimitKey, _, _>::new(q, store, DefaultClock::default())
                .with_middleware(),
        );
        w.push((quota, limiter.clone()));
        let _ = self.first.set((quota, limiter.clone()));
        limiter
    }

    /// The check without a future: what [`RateLimitStore::check`] does.
    pub fn check_now(&self, key: &LimitKey, quota: Quota) -> Decision {
        let decision = if let Some((q, l)) = self.first.get()
            && *q == quota
        {
            decide(l, key, quota)
        } else {
            let guard = self.read();
            match guard.iter().find(|(q, _)| *q == quota) {
                Some((_, l)) => decide(l, key, quota),
                None => {
                    drop(guard);
                    decide(&self.limiter(quota), key, quota)
                }
            }
        };
        self.maybe_housekeep();
        decision
    }

    fn maybe_housekeep(&self) {
        let hk = &self.housekeeping;
        if !hk
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(HOUSEKEEPING_EVERY)
        {
            return;
        }
        let now_ms = hk.started.elapsed().as_millis() as u64;
        let last = hk.last_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) < hk.interval.as_millis() as u64
            || hk
                .last_ms
                .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let limiters: Vec<Arc<Keyed>> = self.read().iter().map(|(_, l)| l.clone()).collect();
        let hk = hk.clone();
        let work = move || {
            let Ok(_running) = hk.running.try_lock() else {
                return;
            };
            for l in limiters {
                l.retain_recent();
                l.shrink_to_fit();
            }
            if hk.overflowed.swap(false, Ordering::Relaxed) {
                tracing::warn!(
                    "rate limiter key cap reached: keys first seen meanwhile shared one bucket"
                );
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn_blocking(work)),
            Err(_) => work(),
        }
    }
}

fn decide(limiter: &Keyed, key: &LimitKey, quota: Quota) -> Decision {
    match limiter.check_key(key) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            Decision {
                allowed: true,
                remaining,
                reset: quota.emission_interval() * (quota.limit() - remaining.min(quota.limit())),
                retry_after: Duration::ZERO,
            }
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(limiter.clock().now());
            Decision {
                allowed: false,
                remaining: 0,
                reset: wait,
                retry_after: wait,
            }
        }
    }
}

impl RateLimitStore for MemoryRateLimitStore {
    fn check<'a>(
        &'a self,
        key: &'a LimitKey,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Decision, StoreError>> {
        let d = self.check_now(key, quota);
        Box::pin(std::future::ready(Ok(d)))
    }

    fn check_ready(&self, key: &LimitKey, quota: Quota) -> Option<Result<Decision, StoreError>> {
        Some(Ok(self.check_now(key, quota)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_beyond_the_cap_share_one_bucket() {
        let store = MemoryRateLimitStore::new().with_max_keys(100);
        let q = Quota::new(2, Duration::from_secs(60)).unwrap();
        let ip = |i: u32| LimitKey::Ip(std::net::IpAddr::from(i.to_be_bytes()));
        for i in 0..100 {
            assert!(
                store.check_now(&ip(i), q).allowed,
                "key {i} has its own bucket"
            );
        }
        // The map is full: the next keys share one bucket of 2.
        let overflow: Vec<bool> = (100..1000)
            .map(|i| store.check_now(&ip(i), q).allowed)
            .collect();
        assert_eq!(overflow.iter().filter(|a| **a).count(), 2);
        assert_eq!(store.len(), 100, "no key beyond the cap is kept");
        // Keys already held keep their own state.
        assert!(store.check_now(&ip(7), q).allowed, "second of its 2");
        assert!(
            !store.check_now(&ip(7), q).allowed,
            "its own bucket is spent"
        );
        assert!(store.housekeeping.overflowed.load(Ordering::Relaxed));
    }

    #[test]
    fn burst_then_refusal_then_housekeeping_drops_idle_keys() {
        let store = MemoryRateLimitStore::new();
        let q = Quota::new(3, Duration::from_secs(60)).unwrap();
        let k = LimitKey::Principal(Arc::from("a"));
        let r: Vec<Decision> = (0..4).map(|_| store.check_now(&k, q)).collect();
        assert!(r[..3].iter().all(|d| d.allowed));
        assert_eq!(r[0].remaining, 2);
        assert_eq!(r[2].remaining, 0);
        assert!(!r[3].allowed);
        assert!(r[3].retry_after > Duration::from_secs(15));

        let fast = Quota::new(1000, Duration::from_millis(10)).unwrap();
        for i in 0..1000u32 {
            store.check_now(&LimitKey::Ip(std::net::IpAddr::from(i.to_be_bytes())), fast);
        }
        assert!(store.len() >= 1001);
        std::thread::sleep(Duration::from_millis(30));
        store.retain_recent();
        assert_eq!(store.len(), 1, "only the still-limited key stays");
    }
}
