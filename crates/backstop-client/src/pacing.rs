//! Pacing (docs/CONTRACT.md §11.7): once a response says a host's quota is spent, the next request
//! to that host waits until the window resets instead of drawing a 429.
//!
//! The quota is read from every response (success or error) that carries rate-limit fields
//! ([`crate::ratelimit`]); a response saying quota is left lifts the hold early. The hold is per
//! authority (`host:port`), shared by every request of the client.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::ratelimit::{Quota, quota};

/// Hosts with a hold at most; beyond that, expired holds are dropped, then new holds are not
/// recorded (the server's 429 then paces the client instead).
const MAX_HOSTS: usize = 4096;

/// The holds of one client, per authority.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    holds: Mutex<BTreeMap<String, Instant>>,
    /// Whether any hold may be recorded: the success path reads only this flag while there is none.
    any: AtomicBool,
}

impl Pacer {
    /// How long a request to `host` should wait now, if a hold is in force.
    pub(crate) fn wait(&self, host: &str) -> Option<Duration> {
        if !self.any.load(Ordering::Relaxed) {
            return None;
        }
        let mut holds = self.holds.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match holds.get(host) {
            Some(&until) if until > now => Some(until - now),
            Some(_) => {
                holds.remove(host);
                if holds.is_empty() {
                    self.any.store(false, Ordering::Relaxed);
                }
                None
            }
            None => None,
        }
    }

    /// Records what a response from `host` said about its quota.
    pub(crate) fn observe(&self, host: &str, headers: &HeaderMap) {
        if !has_ratelimit_fields(headers) {
            return;
        }
        match quota(headers, SystemTime::now()) {
            Quota::Unknown => {}
            Quota::Available => {
                if self.any.load(Ordering::Relaxed) {
                    let mut holds = self.holds.lock().unwrap_or_else(|p| p.into_inner());
                    holds.remove(host);
                }
            }
            Quota::Exhausted(reset) if reset.is_zero() => {}
            Quota::Exhausted(reset) => {
                let until = Instant::now() + reset;
                let mut holds = self.holds.lock().unwrap_or_else(|p| p.into_inner());
                if !holds.contains_key(host) && holds.len() >= MAX_HOSTS {
                    let now = Instant::now();
                    holds.retain(|_, u| *u > now);
                    if holds.len() >= MAX_HOSTS {
                        return;
                    }
                }
                let entry = holds.entry(host.to_owned()).or_insert(until);
                *entry = (*entry).max(until);
                self.any.store(true, Ordering::Relaxed);
            }
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
    async fn holds_until_the_reset_and_lifts_on_news_of_quota() {
        let p = Pacer::default();
        assert_eq!(p.wait("a:443"), None);
        p.observe("a:443", &h(&[("content-type", "text/plain")]));
        assert_eq!(p.wait("a:443"), None);
        p.observe("a:443", &h(&[("ratelimit", r#""default";r=0;t=10"#)]));
        assert_eq!(p.wait("a:443"), Some(Duration::from_secs(10)));
        assert_eq!(p.wait("b:443"), None, "per host");
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(p.wait("a:443"), Some(Duration::from_secs(6)));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(p.wait("a:443"), None, "reset");

        p.observe(
            "a:443",
            &h(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "30")]),
        );
        assert!(p.wait("a:443").is_some());
        p.observe("a:443", &h(&[("ratelimit", r#""default";r=50;t=30"#)]));
        assert_eq!(p.wait("a:443"), None, "quota announced again");

        p.observe("a:443", &h(&[("ratelimit", "garbage;;")]));
        assert_eq!(p.wait("a:443"), None, "malformed fields are ignored");
    }

    #[tokio::test(start_paused = true)]
    async fn the_number_of_holds_is_capped() {
        let p = Pacer::default();
        let spent = h(&[("ratelimit", r#""default";r=0;t=60"#)]);
        for i in 0..MAX_HOSTS + 100 {
            p.observe(&format!("h{i}:80"), &spent);
        }
        assert_eq!(p.holds.lock().unwrap().len(), MAX_HOSTS);
        tokio::time::advance(Duration::from_secs(61)).await;
        p.observe("new:80", &spent);
        assert_eq!(p.holds.lock().unwrap().len(), 1, "expired holds made room");
        assert!(p.wait("new:80").is_some());
    }
}
