//! The retry budget (docs/CONTRACT.md §11.4): retries stay under a fraction of recent requests, so an
//! outage cannot multiply load, with a floor of concurrent retries so that a quiet client can still
//! retry a blip.
//!
//! In the spirit of Finagle's `RetryBudget`, gRPC retry throttling and Envoy's retry budgets: over a
//! sliding window (10 s by default) the client counts logical requests and retries; a retry is allowed
//! while `retries < ratio × requests`, or while fewer than `min_concurrent` retries are in progress
//! (Envoy's `min_retry_concurrency`). A retry is in progress from the moment it is granted (its
//! backoff included) until its attempt ends. Hand-written: `governor` limits a rate, not a ratio of
//! another count, and the retry crates have no budget shared across requests.
//!
//! Why a concurrency floor rather than a count per window: a count per window (the old floor, 3 per
//! 10 s) runs out when a quiet client makes a handful of calls during a blip, while a storm is never
//! short of concurrent retries granted by the ratio (at 100 requests/s, about 15 are in progress at
//! any time), so the floor adds nothing to it and the bound stays `1 + ratio`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::window::Window;

/// Retry budget settings. Defaults: retries up to 20% of the requests of the last 10 s, and always
/// up to 3 retries in progress at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudgetConfig {
    /// Retries allowed as a fraction of logical requests (and hedges) in the window.
    pub ratio: f64,
    /// Retries always allowed while fewer than this many are in progress, whatever the ratio says.
    pub min_concurrent: u32,
    /// The sliding window.
    pub window: Duration,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        RetryBudgetConfig {
            ratio: 0.2,
            min_concurrent: 3,
            window: Duration::from_secs(10),
        }
    }
}

/// A client's retry budget (one per [`Client`](crate::Client), shared by every request it sends).
#[derive(Debug)]
pub(crate) struct RetryBudget {
    config: RetryBudgetConfig,
    /// `a`: logical requests, `b`: retries.
    window: Mutex<Window>,
    /// Retries granted whose attempt has not ended.
    in_progress: AtomicU32,
}

/// A granted retry; it stops counting as in progress when dropped (after its attempt).
#[derive(Debug)]
pub(crate) struct RetryToken<'a>(&'a AtomicU32);

impl Drop for RetryToken<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl RetryBudget {
    pub(crate) fn new(config: RetryBudgetConfig) -> Self {
        RetryBudget {
            window: Mutex::new(Window::new(config.window)),
            config,
            in_progress: AtomicU32::new(0),
        }
    }

    /// Counts a logical request (its first attempt), started at `now`.
    pub(crate) fn record_request(&self, now: Instant) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        w.add(now, 1, 0);
    }

    /// Takes a retry (or a hedge) from the budget; `None` when it is spent.
    pub(crate) fn try_retry(&self) -> Option<RetryToken<'_>> {
        let now = Instant::now();
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let (requests, retries) = w.sums(now);
        let allowed = (self.config.ratio.max(0.0) * requests as f64).floor() as u64;
        let in_progress = self.in_progress.load(Ordering::Relaxed);
        if retries < allowed || in_progress < self.config.min_concurrent {
            w.add(now, 0, 1);
            self.in_progress.fetch_add(1, Ordering::Relaxed);
            Some(RetryToken(&self.in_progress))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use rand::{Rng, SeedableRng};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_ratio_and_the_concurrency_floor() {
        let b = RetryBudget::new(RetryBudgetConfig::default());
        let held: Vec<_> = (0..3).map(|_| b.try_retry().expect("the floor")).collect();
        assert!(b.try_retry().is_none(), "3 in progress and no requests");
        drop(held);
        assert!(b.try_retry().is_some(), "finished retries free the floor");
        for _ in 0..100 {
            b.record_request(Instant::now());
        }
        let granted: Vec<_> = (0..100).filter_map(|_| b.try_retry()).collect();
        assert_eq!(
            granted.len(),
            20 - 4,
            "20% of 100, four used by the floor already"
        );
        tokio::time::advance(Duration::from_secs(11)).await;
        drop(granted);
        let after: Vec<_> = (0..10).filter_map(|_| b.try_retry()).collect();
        assert_eq!(after.len(), 3, "the window emptied: the floor only");
    }

    /// A storm simulated on the budget with a fake clock: 100 requests/s for 60 s, every attempt fails
    /// after 1 ms, up to 3 attempts, full-jitter backoff from 1 s. Attempts stay within 1.2× the
    /// requests (plus the floor's few).
    #[tokio::test(start_paused = true)]
    async fn a_storm_stays_within_the_ratio() {
        let b = RetryBudget::new(RetryBudgetConfig::default());
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let start = Instant::now();
        let step = Duration::from_millis(10);
        // (when the next attempt of a request ends, attempts so far, its retry token)
        let mut pending: BinaryHeap<Reverse<(Instant, u64, u32)>> = BinaryHeap::new();
        let mut tokens: std::collections::HashMap<u64, RetryToken<'_>> = Default::default();
        let (mut requests, mut attempts, mut id) = (0u64, 0u64, 0u64);
        while start.elapsed() < Duration::from_secs(60) {
            b.record_request(Instant::now());
            requests += 1;
            attempts += 1;
            id += 1;
            pending.push(Reverse((Instant::now() + Duration::from_millis(1), id, 1)));
            let next_tick = Instant::now() + step;
            while let Some(Reverse((at, rid, n))) = pending.peek().copied() {
                if at > next_tick {
                    break;
                }
                pending.pop();
                tokio::time::advance(at.saturating_duration_since(Instant::now())).await;
                tokens.remove(&rid);
                if n >= 3 {
                    continue;
                }
                if let Some(t) = b.try_retry() {
                    tokens.insert(rid, t);
                    let cap = Duration::from_secs(1 << (n - 1));
                    let backoff = cap.mul_f64(rng.random::<f64>());
                    attempts += 1;
                    pending.push(Reverse((
                        Instant::now() + backoff + Duration::from_millis(1),
                        rid,
                        n + 1,
                    )));
                }
            }
            tokio::time::advance(next_tick.saturating_duration_since(Instant::now())).await;
        }
        let amplification = attempts as f64 / requests as f64;
        assert!(
            (1.15..=1.205).contains(&amplification),
            "{attempts} attempts for {requests} requests: {amplification:.3}x"
        );
    }
}
