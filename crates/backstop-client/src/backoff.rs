//! Backoff between attempts: exponential from a base, capped, with jitter.
//!
//! Written here rather than taken from `backon`: the delay of each retry must be chosen per attempt from
//! the response (`Retry-After` replaces it, the retry budget and the deadline may veto it), and
//! decorrelated jitter needs the previous delay; `backon`'s iterators own the loop and offer only
//! additive jitter. The arithmetic is a dozen lines.

use std::time::Duration;

use rand::Rng;

/// How the exponential delay is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// "Full jitter": uniform in `[0, min(cap, base * factor^n)]` (the default; AWS Architecture Blog,
    /// "Exponential Backoff And Jitter").
    #[default]
    Full,
    /// "Decorrelated jitter": uniform in `[base, min(cap, previous * 3)]`.
    Decorrelated,
    /// No randomness: exactly `min(cap, base * factor^n)` (for tests and for comparison).
    None,
}

/// The backoff schedule. Defaults: base 1 s, factor 2, cap 30 s, full jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first retry's (maximum) delay.
    pub base: Duration,
    /// Growth per retry.
    pub factor: f64,
    /// The largest delay.
    pub cap: Duration,
    /// How the delay is randomised.
    pub jitter: Jitter,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            factor: 2.0,
            cap: Duration::from_secs(30),
            jitter: Jitter::Full,
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1 for the first retry). `previous` is the delay chosen
    /// before the previous retry (used by decorrelated jitter; pass `None` for the first).
    pub fn delay(&self, retry: u32, previous: Option<Duration>) -> Duration {
        let exp = self.exponential(retry);
        match self.jitter {
            Jitter::None => exp,
            Jitter::Full => mul(exp, rand::rng().random::<f64>()),
            Jitter::Decorrelated => {
                let low = self.base.min(self.cap);
                let high = mul(previous.unwrap_or(low), 3.0).min(self.cap).max(low);
                let span = high - low;
                low + mul(span, rand::rng().random::<f64>())
            }
        }
    }

    /// `min(cap, base * factor^(retry-1))`.
    pub fn exponential(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.factor.max(1.0).powi(exponent);
        mul(self.base, factor).min(self.cap)
    }
}

/// `d * k`, saturating, never panicking on NaN or infinities.
fn mul(d: Duration, k: f64) -> Duration {
    let secs = d.as_secs_f64() * k;
    if secs.is_finite() && secs >= 0.0 {
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    } else if secs.is_nan() || secs < 0.0 {
        Duration::ZERO
    } else {
        Duration::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_doubles_and_caps() {
        let b = Backoff {
            jitter: Jitter::None,
            cap: Duration::from_secs(5),
            ..Backoff::default()
        };
        let d: Vec<u64> = (1..=5).map(|n| b.delay(n, None).as_secs()).collect();
        assert_eq!(d, [1, 2, 4, 5, 5]);
        assert_eq!(b.delay(u32::MAX, None), Duration::from_secs(5));
    }

    #[test]
    fn full_jitter_stays_under_the_exponential() {
        let b = Backoff::default();
        for n in 1..6 {
            for _ in 0..100 {
                assert!(b.delay(n, None) <= b.exponential(n));
            }
        }
    }

    #[test]
    fn decorrelated_jitter_stays_between_base_and_three_times_previous() {
        let b = Backoff {
            jitter: Jitter::Decorrelated,
            ..Backoff::default()
        };
        let mut prev = None;
        for n in 1..20 {
            let d = b.delay(n, prev);
            assert!(d >= b.base && d <= b.cap, "{d:?}");
            if let Some(p) = prev {
                assert!(d <= p * 3);
            }
            prev = Some(d);
        }
    }
}
