//! [`CappedStateStore`]: governor's `DashMap` state store with a cap on the number of keys.
//!
//! governor's own stores grow with every distinct key until housekeeping drops the replenished ones,
//! so a flood of distinct keys (clients, or one client cycling through addresses) inside one
//! replenishment window grows the map without bound. This wrapper keeps at most `max_keys` keys;
//! a key arriving while the map is full shares one overflow state with every other such key, so
//! they are limited together (never allowed through unlimited) until housekeeping makes room.
//! governor has no capped store, hence this one; the GCRA itself stays governor's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::{InMemoryState, NotKeyed, StateStore};

use super::store::LimitKey;

/// A keyed GCRA state store holding at most `max_keys` keys (see the module docs).
pub(crate) struct CappedStateStore {
    keys: DashMapStateStore<LimitKey>,
    /// The state shared by keys that arrived while the map was full.
    overflow: InMemoryState,
    max_keys: usize,
    /// Keys inserted since the last exact count (housekeeping recounts): a concurrent insert of the
    /// same key can count twice, which errs on the side of fewer keys.
    count: AtomicUsize,
    /// Set when a key goes to the overflow state (shared with the store's housekeeping, which logs).
    overflowed: Arc<AtomicBool>,
}

impl CappedStateStore {
    pub(crate) fn new(max_keys: usize, overflowed: Arc<AtomicBool>) -> Self {
        CappedStateStore {
            keys: DashMapStateStore::default(),
            overflow: InMemoryState::default(),
            max_keys,
            count: AtomicUsize::new(0),
            overflowed,
        }
    }
}

impl StateStore for CappedStateStore {
    type Key = LimitKey;

    fn measure_and_replace<T, F, E>(&self, key: &LimitKey, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        if let Some(state) = self.keys.get(key) {
            return state.measure_and_replace(&NotKeyed::NonKey, f);
        }
        if self.count.load(Ordering::Relaxed) >= self.max_keys {
            self.overflowed.store(true, Ordering::Relaxed);
            return self.overflow.measure_and_replace(&NotKeyed::NonKey, f);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let state = self.keys.entry(key.clone()).or_default();
        state.measure_and_replace(&NotKeyed::NonKey, f)
    }
}

impl ShrinkableKeyedStateStore<LimitKey> for CappedStateStore {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&self.keys, drop_below);
        self.count.store(self.keys.len(), Ordering::Relaxed);
    }

    fn shrink_to_fit(&self) {
        self.keys.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
