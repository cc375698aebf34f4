//! [`MemoryIdempotencyStore`]: claims and responses in this process.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::time::Instant;

use super::store::{Begin, ClaimToken, Fingerprint, IdempotencyStore, StoreError, StoredResponse};

/// In-process store: a map behind a mutex, plus a min-heap of expiry times so expired entries
/// are dropped on every claim in O(log n) each (never a scan of the whole map). Memory is bounded
/// by the keys used within the retention times the response-size cap. Uses tokio's clock (tests
/// can pause it).
#[derive(Debug, Default)]
pub struct MemoryIdempotencyStore {
    inner: Mutex<Inner>,
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

impl MemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
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
        let outcome = match inner.entries.get(key) {
            Some(e) if e.until > now => {
                if e.fingerprint != fingerprint {
                    Begin::Mismatch
                } else {
                    match &e.state {
                        State::InFlight(_) => Begin::InFlight {
                            lease_left: e.until - now,
                        },
                        State::Done(r) => Begin::Completed(r.clone()),
                    }
                }
            }
            _ => {
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
