//! A sliding window of counters in time slots, shared by the retry budget and the failure-ratio breaker.

use std::time::Duration;

use tokio::time::Instant;

const SLOTS: usize = 10;

/// Two counters (`a`, `b`) summed over the last `window`, kept in ten slots.
#[derive(Debug)]
pub(crate) struct Window {
    start: Instant,
    slot_len: Duration,
    /// `slot_len` in nanoseconds (at least 1).
    slot_nanos: u64,
    /// The absolute slot number that `slots[n % SLOTS]` currently holds.
    heads: [u64; SLOTS],
    slots: [(u64, u64); SLOTS],
    /// The slot last added to and the time it covers: most additions land in it, and comparing two
    /// instants is much cheaper than turning one into a slot number (a subtraction with carries and
    /// a division; callgrind on the success path).
    current: (u64, Instant, Instant),
}

impl Window {
    pub(crate) fn new(window: Duration) -> Self {
        let slot_len = (window / SLOTS as u32).max(Duration::from_millis(1));
        let start = Instant::now();
        Window {
            start,
            slot_len,
            slot_nanos: u64::try_from(slot_len.as_nanos())
                .unwrap_or(u64::MAX)
                .max(1),
            heads: [u64::MAX; SLOTS],
            slots: [(0, 0); SLOTS],
            // Empty until the first addition: no instant is at or after `start` and before it.
            current: (u64::MAX, start, start),
        }
    }

    fn slot_number(&self, now: Instant) -> u64 {
        // u64 nanoseconds (584 years) rather than u128: a 128-bit division on every request.
        let elapsed =
            u64::try_from(now.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX);
        elapsed / self.slot_nanos
    }

    /// The slot number of `now`, from the current slot when `now` falls in it.
    fn slot_of(&mut self, now: Instant) -> u64 {
        let (n, from, to) = self.current;
        if now >= from && now < to {
            return n;
        }
        let n = self.slot_number(now);
        let from = self.start + Duration::from_nanos(n.saturating_mul(self.slot_nanos));
        self.current = (n, from, from + self.slot_len);
        n
    }

    /// Adds to the slot of `now`.
    pub(crate) fn add(&mut self, now: Instant, a: u64, b: u64) {
        let n = self.slot_of(now);
        let i = (n % SLOTS as u64) as usize;
        if self.heads[i] != n {
            self.heads[i] = n;
            self.slots[i] = (0, 0);
        }
        self.slots[i].0 += a;
        self.slots[i].1 += b;
    }

    /// Takes back what [`add`](Self::add) added at `then`, if its slot is still in the window.
    pub(crate) fn sub(&mut self, then: Instant, a: u64, b: u64) {
        let n = self.slot_number(then);
        let i = (n % SLOTS as u64) as usize;
        if self.heads[i] == n {
            self.slots[i].0 = self.slots[i].0.saturating_sub(a);
            self.slots[i].1 = self.slots[i].1.saturating_sub(b);
        }
    }

    /// The sums over the slots still inside the window.
    pub(crate) fn sums(&self, now: Instant) -> (u64, u64) {
        let n = self.slot_number(now);
        let oldest = n.saturating_sub(SLOTS as u64 - 1);
        self.heads
            .iter()
            .zip(self.slots.iter())
            .filter(|(h, _)| **h != u64::MAX && **h >= oldest && **h <= n)
            .fold((0, 0), |(a, b), (_, s)| (a + s.0, b + s.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn old_slots_fall_out() {
        let mut w = Window::new(Duration::from_secs(10));
        w.add(Instant::now(), 5, 1);
        tokio::time::advance(Duration::from_secs(5)).await;
        w.add(Instant::now(), 2, 0);
        assert_eq!(w.sums(Instant::now()), (7, 1));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(w.sums(Instant::now()), (2, 0));
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(w.sums(Instant::now()), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn additions_land_in_the_slot_of_their_time_in_any_order() {
        let mut w = Window::new(Duration::from_secs(10));
        let t0 = Instant::now();
        w.add(t0, 1, 0);
        w.add(t0 + Duration::from_millis(999), 1, 0);
        w.add(t0 + Duration::from_millis(1000), 1, 1);
        // An older time after a newer one (another thread's attempt that started earlier).
        w.add(t0 + Duration::from_millis(500), 1, 0);
        assert_eq!(w.sums(t0 + Duration::from_millis(1000)), (4, 1));
        // 10.5 s later the first slot (0..1 s) is out, the second (1..2 s) is in.
        assert_eq!(w.sums(t0 + Duration::from_millis(10_500)), (1, 1));
        w.sub(t0 + Duration::from_millis(1000), 1, 1);
        assert_eq!(w.sums(t0 + Duration::from_millis(1500)), (3, 0));
        // Taking back from a slot that has left the window changes nothing.
        tokio::time::advance(Duration::from_secs(30)).await;
        w.add(Instant::now(), 1, 0);
        w.sub(t0, 5, 5);
        assert_eq!(w.sums(Instant::now()), (1, 0));
    }
}
