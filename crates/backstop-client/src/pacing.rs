//! Pacing (docs/CONTRACT.md §11.7): once a host announces its quota, the client spends it like the
//! server does, and a request that would exceed it waits for the window's reset instead of drawing
//! a 429.
//!
//! Per authority (`host:port`), the client keeps what the last response announced (units left, the
//! reset, and, when the policy says, the quota and window: [`crate::ratelimit`]). Each request
//! takes a unit before it is sent; with none left it waits for the reset, after which the window is
//! refilled from the policy's quota (or, with no policy, the host is sent to freely again until it
//! announces more). Every response that carries the fields corrects the count: within the same
//! window it can only lower it (requests still in flight have taken units the server has not seen
//! yet); a later reset means a new window, whose count replaces it.
//!
//! Many requests waiting for one reset would otherwise all go at once and overrun the new window;
//! taking units makes the first `quota` go and the rest wait for the next reset.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::ratelimit::{Announced, quota};

/// Hosts tracked at most; beyond that, hosts whose window has reset are forgotten, then new hosts
/// are not tracked (their 429s pace the client instead).
const MAX_HOSTS: usize = 4096;

/// A reset later than the known one by more than this starts a new window (resets are announced in
/// whole seconds, so two answers in one window may differ by up to a second).
const NEW_WINDOW: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, Copy)]
struct Window {
    remaining: u64,
    reset_at: Instant,
    limit: Option<u64>,
    length: Option<Duration>,
}

/// The quota windows of one client, per authority.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    /// Keyed by the authority's bytes, like the breakers.
    hosts: Mutex<BTreeMap<Vec<u8>, Window>>,
    /// Whether any host is tracked: until one announces a quota, requests read only this flag.
    any: AtomicBool,
}

impl Pacer {
    /// Takes a unit of `host`'s quota for a request about to be sent, or says how long until the
    /// window resets when none is left (then call again after waiting).
    pub(crate) fn take(&self, host: &[u8]) -> Option<Duration> {
        if !self.any.load(Ordering::Relaxed) {
            return None;
        }
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let w = hosts.get_mut(host)?;
        let now = Instant::now();
        if now >= w.reset_at {
            match (w.limit, w.length) {
                (Some(limit), Some(length)) if !length.is_zero() => {
                    w.remaining = limit;
                    while w.reset_at <= now {
                        w.reset_at += length;
                    }
                }
                // No policy: nothing is known about the new window until the host says.
                _ => {
                    hosts.remove(host);
                    return None;
                }
            }
        }
        if w.remaining > 0 {
            w.remaining -= 1;
            return None;
        }
        Some(w.reset_at - now)
    }

    /// Records what a response from `host` announced about its quota.
    pub(crate) fn observe(&self, host: &[u8], headers: &HeaderMap) {
        if !has_ratelimit_fields(headers) {
            return;
        }
        let Some(a) = quota(headers, SystemTime::now()) else {
            return;
        };
        let now = Instant::now();
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let announced = Window {
            remaining: a.remaining,
            reset_at: now + a.reset,
            limit: a.limit,
            length: a.window,
        };
        match hosts.get_mut(host) {
            Some(w) if announced.reset_at > w.reset_at + NEW_WINDOW || now >= w.reset_at => {
                *w = announced;
            }
            Some(w) => {
                w.remaining = w.remaining.min(a.remaining);
                w.reset_at = w.reset_at.max(announced.reset_at);
                w.limit = a.limit.or(w.limit);
                w.length = a.window.or(w.length);
            }
            None => {
                if hosts.len() >= MAX_HOSTS {
                    hosts.retain(|_, w| w.reset_at > now);
                    if hosts.len() >= MAX_HOSTS {
                        return;
                    }
                }
                hosts.insert(host.to_vec(), announced);
                self.any.store(true, Ordering::Relaxed);
            }
        }
    }
}

impl Announced {
    /// For tests: an announcement.
    #[cfg(test)]
    fn new(remaining: u64, reset: Duration) -> Self {
        Announced {
            remaining,
            reset,
            limit: None,
            window: None,
        }
    }
}

/// Whether any header is a rate-limit field: one pass over the names (a response has few), cheaper
/// than looking up each candidate name.
fn has_ratelimit_fields(headers: &HeaderMap) -> bool {
    headers.keys().any(|k| {
        let b = k.as_str().as_bytes();
        b.starts_with(b"ratelimit") || b.starts_with(b"x-ratelimit-")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    #[tokio::test(start_paused = true)]
    async fn units_are_taken_until_none_is_left_then_the_reset_is_waited_for() {
        let p = Pacer::default();
        assert_eq!(p.take(b"a:443"), None, "nothing announced: go");
        p.observe(b"a:443", &h(&[("content-type", "text/plain")]));
        assert_eq!(p.take(b"a:443"), None);
        p.observe(b"a:443", &h(&[("ratelimit", r#""default";r=2;t=10"#)]));
        assert_eq!(p.take(b"a:443"), None);
        assert_eq!(p.take(b"a:443"), None);
        assert_eq!(
            p.take(b"a:443"),
            Some(Duration::from_secs(10)),
            "two units, both taken"
        );
        assert_eq!(p.take(b"b:443"), None, "per host");
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(p.take(b"a:443"), Some(Duration::from_secs(6)));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(p.take(b"a:443"), None, "reset, no policy: free again");
        assert_eq!(p.take(b"a:443"), None);
        let _ = Announced::new(0, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn with_a_policy_the_window_refills_and_the_overflow_waits_for_the_next_reset() {
        let p = Pacer::default();
        p.observe(
            b"a:443",
            &h(&[
                ("ratelimit", r#""default";r=0;t=1"#),
                ("ratelimit-policy", r#""default";q=3;w=1"#),
            ]),
        );
        let waits: Vec<_> = (0..5).map(|_| p.take(b"a:443")).collect();
        assert!(waits.iter().all(|w| *w == Some(Duration::from_secs(1))));
        tokio::time::advance(Duration::from_secs(1)).await;
        let after: Vec<_> = (0..5).map(|_| p.take(b"a:443")).collect();
        assert_eq!(
            after[..3],
            [None, None, None],
            "the new window's three units"
        );
        assert_eq!(
            after[3..],
            [Some(Duration::from_secs(1)); 2],
            "the rest wait for the next"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn answers_lower_the_count_within_a_window_and_replace_it_in_a_new_one() {
        let p = Pacer::default();
        p.observe(b"a:443", &h(&[("ratelimit", r#""default";r=5;t=10"#)]));
        p.observe(b"a:443", &h(&[("ratelimit", r#""default";r=9;t=10"#)]));
        for _ in 0..5 {
            assert_eq!(p.take(b"a:443"), None);
        }
        assert!(
            p.take(b"a:443").is_some(),
            "a higher count in the same window is not believed"
        );
        p.observe(b"a:443", &h(&[("ratelimit", r#""default";r=50;t=30"#)]));
        assert_eq!(p.take(b"a:443"), None, "a later reset: a new window");
        p.observe(b"a:443", &h(&[("ratelimit", "garbage;;")]));
        assert_eq!(p.take(b"a:443"), None, "malformed fields are ignored");
    }

    #[tokio::test(start_paused = true)]
    async fn the_number_of_hosts_is_capped() {
        let p = Pacer::default();
        let spent = h(&[("ratelimit", r#""default";r=0;t=60"#)]);
        for i in 0..MAX_HOSTS + 100 {
            p.observe(format!("h{i}:80").as_bytes(), &spent);
        }
        assert_eq!(p.hosts.lock().unwrap().len(), MAX_HOSTS);
        tokio::time::advance(Duration::from_secs(61)).await;
        p.observe(b"new:80", &spent);
        assert_eq!(
            p.hosts.lock().unwrap().len(),
            1,
            "hosts whose window reset made room"
        );
        assert!(p.take(b"new:80").is_some());
    }
}
