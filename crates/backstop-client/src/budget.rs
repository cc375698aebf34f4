//! The retry budget: retries stay under a fraction of recent requests, so an outage cannot multiply load.
//!
//! In the spirit of Finagle's `RetryBudget`, gRPC retry throttling and Envoy's retry budgets: over a
//! sliding window (10 s by default) the client counts logical requests and retries; a retry is allowed
//! while `retries < max(min_retries, ratio * requests)`. Hand-written: `governor` limits a rate, not a
//! ratio of another count, and the retry crates have no budget shared across requests.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::window::Window;

/// Retry budget settings. Defaults: 20% of the requests of the last 10 s, at least 3 retries per 10 s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudgetConfig {
    /// Retries allowed as a fraction of logical requests in the window.
    pub ratio: f64,
    /// Retries always allowed per window, so a quiet client can still retry.
    pub min_retries: u32,
    /// The sliding window.
    pub window: Duration,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        RetryBudgetConfig {
            ratio: 0.2,
            min_retries: 3,
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
}

impl RetryBudget {
    pub(crate) fn new(config: RetryBudgetConfig) -> Self {
        RetryBudget {
            window: Mutex::new(Window::new(config.window)),
            config,
        }
    }

    /// Counts a logical request (its first attempt).
    pub(crate) fn record_request(&self) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        w.add(Instant::now(), 1, 0);
    }

    /// Takes a retry from the budget; `false` when it is spent.
    pub(crate) fn try_retry(&self) -> bool {
        let now = Instant::now();
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let (requests, retries) = w.sums(now);
        let allowed = (self.config.ratio.max(0.0) * requests as f64).floor() as u64;
        let allowed = allowed.max(u64::from(self.config.min_retries));
        if retries < allowed {
            w.add(now, 0, 1);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn retries_stay_under_the_ratio_plus_the_floor() {
        let b = RetryBudget::new(RetryBudgetConfig::default());
        for _ in 0..3 {
            assert!(b.try_retry(), "the floor lets a quiet client retry");
        }
        assert!(!b.try_retry());
        for _ in 0..100 {
            b.record_request();
        }
        let granted = (0..100).filter(|_| b.try_retry()).count();
        assert_eq!(granted, 20 - 3);
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!((0..10).filter(|_| b.try_retry()).count(), 3);
    }
}
