//! [`MemoryIdempotencyStore`]: claims and responses in this process.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::time::Instant;

use super::store::{Begin, ClaimToken, Fingerprint, IdempotencyStore, StoreError, StoredResponse};

/// In-process store: a map behind a mutex, plus a min-heap of expiry times so expired entries
/// are dropped on every claim in O(log n) each (never a scan of the whole map). Uses tokio's clock
/// (tests can pause it).
///
/// At most [`max_entries`](Self::max_entries) entries (default 20,000: about 20 MB with 1 KB
/// responses). A new claim in a full store first evicts the completed responses closest to their
/// expiry (a repeat of an evicted key then runs again: the store says so at `WARN`); in-flight
/// claims are never evicted, and a store full of them refuses new claims (503). Crash-safe,
/// unbounded-by-memory exactly-once needs the key in the application's database (see
/// [`IdempotencyClaim`](super::IdempotencyClaim)).
#[derive(Debug)]
pub struct MemoryIdempotencyStore {
    inner: Mutex<Inner>,
    max_entries: usize,
}

impl Default for MemoryIdempotencyStore {
    fn default() -> Self {
        MemoryIdempotencyStore {
            inner: Mutex::default(),
            max_entries: Self::DEFAULT_MAX_ENTRIES,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    expiries: BinaryHeap<Reverse<(Instant, String)>>,
}

impl Inner {
    fn set(&mut self, key: &str, entry: Entry) {
        self.expiries.push(Reverse((entry.until, key.to_owned())));
        self.entries.insert(key.to_owned(), entry);
        // Every completion leaves its claim's heap item behind (stale: the entry's time changed);
        // under load they pile up faster than they expire. Rebuilt from the entries once they
        // outnumber them: the heap stays within about twice the entries, at O(1) per insert
        // amortised.
        if self.expiries.len() > 2 * self.entries.len() + 1024 {
            self.expiries = self
                .entries
                .iter()
                .map(|(k, e)| Reverse((e.until, k.clone())))
                .collect();
        }
    }

    /// Drops entries whose time is up (a heap item whose entry was extended since is skipped).
    fn sweep(&mut self, now: Instant) {
        while let Some(Reverse((until, _))) = self.expiries.peek() {
            if *until > now {
                break;
            }
            let Some(Reverse((_, key))) = self.expiries.pop() else {
                break;
            };
            if self.entries.get(&key).is_some_and(|e| e.until <= now) {
                self.entries.remove(&key);
            }
        }
    }
}

#[derive(Debug)]
struct Entry {
    fingerprint: Fingerprint,
    until: Instant,
    state: State,
}

#[derive(Debug)]
enum State {
    InFlight(ClaimToken),
    Done(StoredResponse),
}

impl Inner {
    /// Evicts completed entries nearest their expiry until fewer than `max` remain; `false` if
    /// in-flight claims alone fill the store. Bounded: passes over at most 64 live claims per call
    /// (put back). Stale heap items (an entry completed or claimed again since) are dropped as
    /// they come and not counted: each is popped once, and under load the claims of the last
    /// lease's worth of completed requests sit in front of every completed response (counting
    /// them refused new keys with 503 while the store was full of evictable responses).
    fn make_room(&mut self, max: usize) -> bool {
        let mut kept = Vec::new();
        let mut evicted = 0usize;
        while self.entries.len() >= max && kept.len() < 64 {
            let Some(Reverse((until, key))) = self.expiries.pop() else {
                break;
            };
            match self.entries.get(&key) {
                Some(e) if e.until == until && matches!(e.state, State::Done(_)) => {
                    self.entries.remove(&key);
                    evicted += 1;
                }
                Some(e) if e.until == until => kept.push(Reverse((until, key))),
                _ => {} // a stale heap item
            }
        }
        self.expiries.extend(kept);
        if evicted > 0 {
            tracing::warn!(
                evicted,
                max_entries = max,
                "idempotency store full: completed responses evicted before their retention"
            );
        }
        self.entries.len() < max
    }
}

impl MemoryIdempotencyStore {
    /// The default cap on entries.
    pub const DEFAULT_MAX_ENTRIES: usize = 20_000;

    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `max` entries (see the type's docs).
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.max(1);
        self
    }

    /// The number of entries (claims and responses, including expired ones not yet swept).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inserts a claim as a (crashed) worker would have: for tests and tools.
    pub fn insert_claim(&self, key: &str, fingerprint: Fingerprint, lease: Duration) -> ClaimToken {
        let token = ClaimToken::random();
        self.lock().set(
            key,
            Entry {
                fingerprint,
                until: Instant::now() + lease,
                state: State::InFlight(token),
            },
        );
        token
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl IdempotencyStore for MemoryIdempotencyStore {
    fn begin<'a>(
        &'a self,
        key: &'a str,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Begin, StoreError>> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.sweep(now);
        let found = match inner.entries.get(key) {
            Some(e) if e.until > now => Some(if e.fingerprint != fingerprint {
                Begin::Mismatch
            } else {
                match &e.state {
                    State::InFlight(_) => Begin::InFlight {
                        lease_left: e.until - now,
                    },
                    State::Done(r) => Begin::Completed(r.clone()),
                }
            }),
            _ => None,
        };
        if found.is_none() && !inner.entries.contains_key(key) && !inner.make_room(self.max_entries)
        {
            return Box::pin(std::future::ready(Err(StoreError(
                "the idempotency store is full of requests in flight".into(),
            ))));
        }
        let outcome = match found {
            Some(outcome) => outcome,
            None => {
                let token = ClaimToken::random();
                inner.set(
                    key,
                    Entry {
                        fingerprint,
                        until: now + lease,
                        state: State::InFlight(token),
                    },
                );
                Begin::Claimed(token)
            }
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let mut inner = self.lock();
        let held = match inner.entries.get(key) {
            Some(e) if matches!(e.state, State::InFlight(t) if t == claim) => {
                let entry = Entry {
                    fingerprint: e.fingerprint,
                    until: Instant::now() + retention,
                    state: State::Done(response.clone()),
                };
                inner.set(key, entry);
                true
            }
            _ => false,
        };
        Box::pin(std::future::ready(Ok(held)))
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        claim: ClaimToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut inner = self.lock();
        if matches!(inner.entries.get(key), Some(e) if matches!(e.state, State::InFlight(t) if t == claim))
        {
            inner.entries.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done() -> StoredResponse {
        StoredResponse {
            status: axum::http::StatusCode::CREATED,
            headers: Vec::new(),
            body: bytes::Bytes::from_static(b"ok"),
            kind: Default::default(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_store_evicts_completed_responses_first_and_never_claims_in_flight() {
        let store = MemoryIdempotencyStore::new().max_entries(3);
        let fp = Fingerprint([1; 32]);
        let lease = Duration::from_secs(30);
        let Ok(Begin::Claimed(t)) = store.begin("done", fp, lease).await else {
            panic!("claimed");
        };
        store
            .complete("done", t, &done(), Duration::from_secs(60))
            .await
            .unwrap();
        store.insert_claim("a", fp, lease);
        store.insert_claim("b", fp, lease);
        // Full: the completed response goes, the claims stay.
        assert!(matches!(
            store.begin("c", fp, lease).await,
            Ok(Begin::Claimed(_))
        ));
        assert_eq!(store.len(), 3);
        assert!(matches!(
            store.begin("a", fp, lease).await,
            Ok(Begin::InFlight { .. })
        ));
        // Full of claims in flight: refused, nothing evicted.
        assert!(store.begin("d", fp, lease).await.is_err());
        assert!(matches!(
            store.begin("b", fp, lease).await,
            Ok(Begin::InFlight { .. })
        ));
    }

    /// Under load every completed key leaves its claim's heap item in front of the responses (a
    /// lease is shorter than a retention): a full store must still find the responses to evict.
    #[tokio::test(start_paused = true)]
    async fn a_full_store_of_completed_responses_takes_new_keys_under_load() {
        let store = MemoryIdempotencyStore::new().max_entries(100);
        let fp = Fingerprint([1; 32]);
        let lease = Duration::from_secs(30);
        for i in 0..1_000 {
            let key = format!("k{i}");
            let Ok(Begin::Claimed(t)) = store.begin(&key, fp, lease).await else {
                panic!("key {i} refused by a store full of completed responses");
            };
            assert!(
                store
                    .complete(&key, t, &done(), Duration::from_secs(86_400))
                    .await
                    .unwrap()
            );
        }
        assert!(store.len() <= 100, "{} entries", store.len());
        let heap = store.lock().expiries.len();
        assert!(heap <= 2 * 100 + 1024, "{heap} heap items for 100 entries");
        // The newest responses are still there.
        assert!(matches!(
            store.begin("k999", fp, lease).await,
            Ok(Begin::Completed(_))
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn expired_entries_are_dropped_without_a_scan() {
        let store = MemoryIdempotencyStore::new();
        let fp = Fingerprint([1; 32]);
        for i in 0..100 {
            store.insert_claim(&format!("k{i}"), fp, Duration::from_secs(1));
        }
        let Ok(Begin::Claimed(token)) = store.begin("done", fp, Duration::from_secs(1)).await
        else {
            panic!("free key not claimed");
        };
        let response = StoredResponse {
            status: axum::http::StatusCode::CREATED,
            headers: Vec::new(),
            body: bytes::Bytes::from_static(b"ok"),
            kind: Default::default(),
        };
        assert!(
            store
                .complete("done", token, &response, Duration::from_secs(60))
                .await
                .unwrap()
        );
        assert_eq!(store.len(), 101);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(matches!(
            store.begin("other", fp, Duration::from_secs(1)).await,
            Ok(Begin::Claimed(_))
        ));
        assert_eq!(
            store.len(),
            2,
            "expired claims dropped, the stored response kept"
        );
        assert!(matches!(
            store.begin("done", fp, Duration::from_secs(1)).await,
            Ok(Begin::Completed(_))
        ));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(matches!(
            store.begin("done", fp, Duration::from_secs(1)).await,
            Ok(Begin::Claimed(_))
        ));
    }
}
