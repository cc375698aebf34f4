//! A sliding window of counters in time slots, shared by the retry budget and the failure-ratio breaker.

use std::time::Duration;

use tokio::time::Instant;

const SLOTS: usize = 10;

/// Two counters (`a`, `b`) summed over the last `window`, kept in ten slots.
#[derive(Debug)]
pub(crate) struct Window {
    start: Instant,
    slot_len: Duration,
    /// The absolute slot number that `slots[n % SLOTS]` currently holds.
    heads: [u64; SLOTS],
    slots: [(u64, u64); SLOTS],
}

impl Window {
    pub(crate) fn new(window: Duration) -> Self {
        let slot_len = (window / SLOTS as u32).max(Duration::from_millis(1));
        Window {
            start: Instant::now(),
            slot_len,
            heads: [u64::MAX; SLOTS],
            slots: [(0, 0); SLOTS],
        }
    }

    fn slot_number(&self, now: Instant) -> u64 {
        // u64 nanoseconds (584 years) rather than u128: a 128-bit division on every request.
        let elapsed =
            u64::try_from(now.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX);
        let slot = u64::try_from(self.slot_len.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1);
        elapsed / slot
    }

    /// Adds to the current slot.
    pub(crate) fn add(&mut self, now: Instant, a: u64, b: u64) {
        let n = self.slot_number(now);
        let i = (n % SLOTS as u64) as usize;
        if self.heads[i] != n {
            self.heads[i] = n;
            self.slots[i] = (0, 0);
        }
        self.slots[i].0 += a;
        self.slots[i].1 += b;
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
}
