//! [`LocalClaims`]: the idempotency keys this process is running right now, with their leases.
//!
//! Hand-written rather than a cache crate: an entry is never evicted while its lease runs (that
//! would let a repeat run beside its first request), which is not an eviction rule caches offer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use backstop_axum::idempotency::{ClaimToken, Fingerprint};

/// What [`LocalClaims::claim`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Local {
    /// The key is this request's until `lease` runs out.
    Claimed(ClaimToken),
    /// Another request of this process runs with the key and the same fingerprint.
    InFlight { lease_left: Duration },
    /// Another request of this process runs with the key and another fingerprint.
    Mismatch,
    /// The cap is reached by claims whose leases all still run.
    Full,
}

struct Held {
    token: ClaimToken,
    fingerprint: Fingerprint,
    lease_until: Instant,
}

/// Keys claimed by requests of this process. Capped at `cap` entries: a claim leaves when its
/// request completes or releases it, or when its lease has run out and the map is full.
pub(crate) struct LocalClaims {
    held: Mutex<HashMap<String, Held>>,
    cap: usize,
}

impl LocalClaims {
    /// At most `cap` claims at once (more than the server's requests in flight).
    pub(crate) fn new(cap: usize) -> Self {
        LocalClaims {
            held: Mutex::new(HashMap::new()),
            cap,
        }
    }

    /// Claims `key` for `lease` unless a live claim holds it; a claim whose lease ran out is taken
    /// over.
    pub(crate) fn claim(&self, key: &str, fingerprint: Fingerprint, lease: Duration) -> Local {
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = held.get(key)
            && h.lease_until > now
        {
            return if h.fingerprint == fingerprint {
                Local::InFlight {
                    lease_left: h.lease_until - now,
                }
            } else {
                Local::Mismatch
            };
        }
        if held.len() >= self.cap && !held.contains_key(key) {
            held.retain(|_, h| h.lease_until > now);
            if held.len() >= self.cap {
                return Local::Full;
            }
        }
        let token = ClaimToken::random();
        held.insert(
            key.to_owned(),
            Held {
                token,
                fingerprint,
                lease_until: now + lease,
            },
        );
        Local::Claimed(token)
    }

    /// The fingerprint of `key`'s claim if `token` still holds it.
    pub(crate) fn fingerprint(&self, key: &str, token: ClaimToken) -> Option<Fingerprint> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.get(key)
            .filter(|h| h.token == token)
            .map(|h| h.fingerprint)
    }

    /// Drops `key`'s claim if `token` still holds it.
    pub(crate) fn forget(&self, key: &str, token: ClaimToken) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.get(key).is_some_and(|h| h.token == token) {
            held.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(30);

    #[test]
    fn a_live_claim_answers_in_flight_or_mismatch_and_leaves_when_forgotten() {
        let claims = LocalClaims::new(4);
        let a = Fingerprint([1; 32]);
        let Local::Claimed(token) = claims.claim("k", a, LEASE) else {
            panic!("a free key is claimed");
        };
        assert!(matches!(
            claims.claim("k", a, LEASE),
            Local::InFlight { .. }
        ));
        assert_eq!(
            claims.claim("k", Fingerprint([2; 32]), LEASE),
            Local::Mismatch
        );
        assert_eq!(claims.fingerprint("k", token), Some(a));
        claims.forget("k", ClaimToken([9; 16]));
        assert!(
            matches!(claims.claim("k", a, LEASE), Local::InFlight { .. }),
            "another token cannot drop the claim"
        );
        claims.forget("k", token);
        assert!(matches!(claims.claim("k", a, LEASE), Local::Claimed(_)));
    }

    #[test]
    fn an_expired_lease_is_taken_over_and_the_cap_refuses_only_live_claims() {
        let claims = LocalClaims::new(2);
        let f = Fingerprint([1; 32]);
        let Local::Claimed(old) = claims.claim("a", f, Duration::ZERO) else {
            panic!("claimed");
        };
        let Local::Claimed(new) = claims.claim("a", f, LEASE) else {
            panic!("an expired lease is taken over");
        };
        assert_ne!(old, new);
        assert_eq!(claims.fingerprint("a", old), None, "the old holder lost it");
        assert!(matches!(claims.claim("b", f, LEASE), Local::Claimed(_)));
        assert_eq!(claims.claim("c", f, LEASE), Local::Full);
        claims.forget("a", new);
        assert!(matches!(claims.claim("c", f, LEASE), Local::Claimed(_)));
    }
}
