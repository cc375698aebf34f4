//! The circuit breaker, one per host (authority).
//!
//! Hand-written rather than taken from `failsafe` or `recloser`: both let every call through while
//! half-open, and docs/CONTRACT.md §11.5 needs a hard cap on concurrent probes, per-host state, and
//! state changes that are both traced and observable.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::window::Window;

/// When a closed circuit opens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TripPolicy {
    /// After this many consecutive failed attempts (default 5).
    ConsecutiveFailures(u32),
    /// When at least `min_calls` attempts in the last `window` were made and the failed fraction is at
    /// least `ratio`.
    FailureRatio {
        /// Failed fraction of attempts that opens the circuit (0.0..=1.0).
        ratio: f64,
        /// Attempts needed in the window before the ratio counts.
        min_calls: u32,
        /// The sliding window.
        window: Duration,
    },
}

impl TripPolicy {
    /// The default: at least 50% of at least 20 attempts in the last 10 s failed (the defaults of
    /// resilience4j and Polly). Independent noise cannot trip it: with 10% of attempts failing, 20
    /// attempts reach 50% failed with probability 7·10⁻⁶, and busier windows far less.
    pub const DEFAULT: TripPolicy = TripPolicy::FailureRatio {
        ratio: 0.5,
        min_calls: 20,
        window: Duration::from_secs(10),
    };
}

impl Default for TripPolicy {
    fn default() -> Self {
        TripPolicy::DEFAULT
    }
}

/// Circuit breaker settings. Defaults: open when ≥ 50% of ≥ 20 attempts in 10 s failed, open for
/// 30 s, 1 probe while half-open, and other callers wait up to 5 s for the probe's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// When a closed circuit opens.
    pub trip: TripPolicy,
    /// How long an open circuit rejects before it lets probes through.
    pub open_duration: Duration,
    /// Concurrent probes admitted while half-open.
    pub half_open_probes: u32,
    /// While half-open with every probe slot taken, how long another caller waits for a probe's
    /// outcome (bounded by its deadline) before failing with `CircuitOpen`: when the probe succeeds
    /// the waiters go ahead, when it fails they fail. `None`: fail at once.
    pub probe_wait: Option<Duration>,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        CircuitBreakerConfig {
            trip: TripPolicy::DEFAULT,
            open_duration: Duration::from_secs(30),
            half_open_probes: 1,
            probe_wait: Some(Duration::from_secs(5)),
        }
    }
}

/// A host's circuit state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CircuitState {
    /// Calls go through; failures are counted.
    Closed,
    /// Calls are rejected locally.
    Open,
    /// A bounded number of probes go through; the first outcome decides.
    HalfOpen,
}

impl fmt::Display for CircuitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
        })
    }
}

/// Called on every state change with the host, the old state and the new one.
pub type StateListener = Arc<dyn Fn(&str, CircuitState, CircuitState) + Send + Sync>;

#[derive(Debug)]
enum State {
    Closed {
        /// Consecutive failures ([`TripPolicy::ConsecutiveFailures`]; 0 otherwise).
        consecutive: u32,
        /// [`TripPolicy::FailureRatio`]'s window: attempts (counted when admitted) and failures
        /// (counted when they end).
        window: Option<Box<Window>>,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        probes: u32,
    },
}

impl State {
    fn public(&self) -> CircuitState {
        match self {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { .. } => CircuitState::Open,
            State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }
}

/// Hosts tracked at most before closed circuits are forgotten (see [`Breakers::make_room`]): a
/// client that talks to many hosts (a crawler, a webhook sender) must not grow without bound.
const MAX_HOSTS: usize = 4096;

struct Host {
    state: State,
    /// Bumped on every transition, so late outcomes of an older state are ignored.
    generation: u64,
    /// Woken when a half-open circuit's probe ends; made by the first caller that waits.
    probe_done: Option<Arc<Notify>>,
}

/// What [`Breakers::admit`] decided.
pub(crate) enum Admission<'a> {
    Permit(Permit<'a>),
    Open,
    /// Half-open with every probe slot taken: wait on this for a probe to end.
    ProbeBusy(Arc<Notify>),
}

pub(crate) struct Breakers {
    config: CircuitBreakerConfig,
    /// Keyed by the authority's bytes (`host:port`, ASCII): a `&str` made from the request's key
    /// would be checked for UTF-8 on every request. Ordered rather than hashed: a client talks to a
    /// few hosts, and two SipHash runs per request
    /// (admit and outcome) cost more than the handful of string comparisons of a B-tree lookup
    /// (callgrind on the success path).
    hosts: Mutex<BTreeMap<Vec<u8>, Host>>,
    listener: Option<StateListener>,
}

impl fmt::Debug for Breakers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Breakers")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Permission for one attempt; report its outcome with [`Permit::record`]. Dropped unreported, it
/// releases its probe slot without deciding anything.
pub(crate) struct Permit<'a> {
    breakers: &'a Breakers,
    host: &'a [u8],
    generation: u64,
    probe: bool,
    done: bool,
    /// Counted in a closed circuit's ratio window when admitted: a success has nothing to add.
    counted: bool,
    at: Instant,
}

impl Breakers {
    pub(crate) fn new(config: CircuitBreakerConfig, listener: Option<StateListener>) -> Self {
        Breakers {
            config,
            hosts: Mutex::new(BTreeMap::new()),
            listener,
        }
    }

    fn closed(&self) -> State {
        let window = match self.config.trip {
            TripPolicy::FailureRatio { window, .. } => Some(Box::new(Window::new(window))),
            TripPolicy::ConsecutiveFailures(_) => None,
        };
        State::Closed {
            consecutive: 0,
            window,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Vec<u8>, Host>> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits an attempt to `host` at once, or says why not.
    /// `now` is the attempt's start: its outcome is counted in the window at that time.
    pub(crate) fn admit<'a>(&'a self, host: &'a [u8], now: Instant) -> Admission<'a> {
        self.try_admit(host, now)
    }

    /// While half-open with every probe slot taken: waits for a probe's outcome (`probe` is woken
    /// when one ends) up to the configured `probe_wait` and `deadline`, trying again each time.
    /// `None` when the circuit stays closed to this caller.
    pub(crate) async fn wait_for_probe<'a>(
        &'a self,
        host: &'a [u8],
        probe: Arc<Notify>,
        deadline: Option<Instant>,
    ) -> Option<Permit<'a>> {
        let wait = self.config.probe_wait?;
        let limit = Instant::now() + wait;
        let limit = deadline.map_or(limit, |d| d.min(limit));
        let mut notify = probe;
        loop {
            let current = notify.clone();
            let done = current.notified();
            tokio::pin!(done);
            // Registered before the state is looked at again: a probe ending in between still wakes us.
            done.as_mut().enable();
            match self.try_admit(host, Instant::now()) {
                Admission::Permit(p) => return Some(p),
                Admission::Open => return None,
                Admission::ProbeBusy(n) if Arc::ptr_eq(&n, &current) => {}
                Admission::ProbeBusy(n) => {
                    notify = n;
                    continue;
                }
            }
            if tokio::time::timeout_at(limit, done).await.is_err() {
                return None;
            }
        }
    }

    /// Admits an attempt to `host` now, or not at all (a hedge asks this way).
    pub(crate) fn admit_now<'a>(&'a self, host: &'a [u8]) -> Option<Permit<'a>> {
        match self.try_admit(host, Instant::now()) {
            Admission::Permit(p) => Some(p),
            _ => None,
        }
    }

    /// Admits an attempt to `host` at once, or says why not.
    fn try_admit<'a>(&'a self, host: &'a [u8], now: Instant) -> Admission<'a> {
        let mut changes = None;
        let admission = {
            let mut hosts = self.lock();
            // One lookup on the usual path (a known host); the insert path looks again.
            let h = match hosts.get_mut(host) {
                Some(h) => h,
                None => {
                    if hosts.len() >= MAX_HOSTS {
                        Self::make_room(&mut hosts);
                    }
                    hosts.entry(host.to_vec()).or_insert(Host {
                        state: self.closed(),
                        generation: 0,
                        probe_done: None,
                    })
                }
            };
            if let State::Open { until } = h.state
                && now >= until
            {
                h.state = State::HalfOpen { probes: 0 };
                h.generation += 1;
                changes = Some((CircuitState::Open, CircuitState::HalfOpen));
            }
            match &mut h.state {
                State::Closed { window, .. } => {
                    // Counted now, so that a success has nothing left to count: with the ratio
                    // policy (the default) the usual outcome takes no lock (see `Permit::record`).
                    let counted = match window {
                        Some(w) => {
                            w.add(now, 1, 0);
                            true
                        }
                        None => false,
                    };
                    let mut permit = Permit::new(self, host, h.generation, false, now);
                    permit.counted = counted;
                    Admission::Permit(permit)
                }
                State::Open { .. } => Admission::Open,
                State::HalfOpen { probes } => {
                    if *probes < self.config.half_open_probes {
                        *probes += 1;
                        Admission::Permit(Permit::new(self, host, h.generation, true, now))
                    } else {
                        Admission::ProbeBusy(
                            h.probe_done.get_or_insert_with(Default::default).clone(),
                        )
                    }
                }
            }
        };
        if let Some((from, to)) = changes {
            self.notify(host, from, to);
        }
        admission
    }

    /// Forgets closed circuits to make room for a new host: first those with nothing counted (they
    /// carry no information), then, if that was not enough, every closed one (at worst a failing host
    /// trips a few failures later than it would have). Open and half-open circuits are kept:
    /// forgetting one would let calls through to a host known to be down. With `MAX_HOSTS` circuits
    /// open at once the map grows past the cap rather than forget them.
    fn make_room(hosts: &mut BTreeMap<Vec<u8>, Host>) {
        let now = Instant::now();
        hosts.retain(|_, h| match &h.state {
            State::Closed {
                consecutive: 0,
                window,
            } => window.as_ref().is_some_and(|w| w.sums(now).0 > 0),
            _ => true,
        });
        if hosts.len() >= MAX_HOSTS {
            hosts.retain(|_, h| !matches!(h.state, State::Closed { .. }));
        }
    }

    fn outcome(
        &self,
        host: &[u8],
        generation: u64,
        probe: bool,
        at: Instant,
        failed: Option<bool>,
    ) {
        let mut wake = None;
        let change = {
            let mut hosts = self.lock();
            let Some(h) = hosts.get_mut(host) else { return };
            if h.generation != generation {
                return;
            }
            if probe {
                // Whatever the probe's end, callers waiting for a slot or an outcome look again.
                wake = h.probe_done.clone();
            }
            let next = match (&mut h.state, failed) {
                (State::HalfOpen { probes }, None) => {
                    if probe {
                        *probes = probes.saturating_sub(1);
                    }
                    None
                }
                (State::HalfOpen { .. }, Some(false)) => Some(self.closed()),
                (State::HalfOpen { .. }, Some(true)) => Some(State::Open {
                    until: Instant::now() + self.config.open_duration,
                }),
                (
                    State::Closed {
                        consecutive,
                        window,
                    },
                    failed,
                ) => {
                    let trip = match (self.config.trip, window, failed) {
                        (TripPolicy::ConsecutiveFailures(n), _, Some(failed)) => {
                            *consecutive = if failed {
                                consecutive.saturating_add(1)
                            } else {
                                0
                            };
                            *consecutive >= n.max(1)
                        }
                        // The attempt was counted when admitted; only its failure is counted now,
                        // in the same slot (its start: no clock read here).
                        (
                            TripPolicy::FailureRatio {
                                ratio, min_calls, ..
                            },
                            Some(w),
                            Some(failed),
                        ) => {
                            w.add(at, 0, u64::from(failed));
                            // Only a failure can trip it: a success need not sum the window.
                            failed && {
                                let (calls, failures) = w.sums(at);
                                calls >= u64::from(min_calls.max(1))
                                    && failures as f64 >= ratio * calls as f64
                            }
                        }
                        // Ended without an outcome (cancelled): it no longer counts as an attempt.
                        (TripPolicy::FailureRatio { .. }, Some(w), None) => {
                            w.sub(at, 1, 0);
                            false
                        }
                        _ => false,
                    };
                    trip.then(|| State::Open {
                        until: Instant::now() + self.config.open_duration,
                    })
                }
                _ => None,
            };
            next.map(|next| {
                let from = h.state.public();
                let to = next.public();
                h.state = next;
                h.generation += 1;
                if from == CircuitState::HalfOpen {
                    h.probe_done = None;
                }
                (from, to)
            })
        };
        if let Some((from, to)) = change {
            self.notify(host, from, to);
        }
        if let Some(w) = wake {
            w.notify_waiters();
        }
    }

    fn notify(&self, host: &[u8], from: CircuitState, to: CircuitState) {
        let host = &*String::from_utf8_lossy(host);
        match to {
            CircuitState::Open => tracing::warn!(host, %from, %to, "circuit breaker opened"),
            _ => tracing::info!(host, %from, %to, "circuit breaker state changed"),
        }
        if let Some(listener) = &self.listener {
            listener(host, from, to);
        }
    }

    /// The state of one host (`Closed` for hosts never seen). An open circuit whose open duration has
    /// passed is reported as half-open: the next call will be a probe.
    pub(crate) fn state(&self, host: &str) -> CircuitState {
        self.lock()
            .get(host.as_bytes())
            .map_or(CircuitState::Closed, |h| public_now(&h.state))
    }

    /// Every host seen so far with its state.
    pub(crate) fn states(&self) -> Vec<(String, CircuitState)> {
        let mut v: Vec<_> = self
            .lock()
            .iter()
            .map(|(k, h)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    public_now(&h.state),
                )
            })
            .collect();
        v.sort();
        v
    }
}

fn public_now(s: &State) -> CircuitState {
    match s {
        State::Open { until } if Instant::now() >= *until => CircuitState::HalfOpen,
        s => s.public(),
    }
}

impl<'a> Permit<'a> {
    fn new(
        breakers: &'a Breakers,
        host: &'a [u8],
        generation: u64,
        probe: bool,
        at: Instant,
    ) -> Self {
        Permit {
            breakers,
            host,
            generation,
            probe,
            done: false,
            counted: false,
            at,
        }
    }

    /// Reports the attempt: `failed` for transport errors and server-side failures.
    pub(crate) fn record(mut self, failed: bool) {
        self.done = true;
        if self.counted && !failed {
            // A success in a closed circuit with the ratio policy: the attempt was counted when it
            // was admitted and nothing else changes (no lock on the usual path). Should the circuit
            // have changed state since, the outcome would have been ignored anyway.
            return;
        }
        self.breakers.outcome(
            self.host,
            self.generation,
            self.probe,
            self.at,
            Some(failed),
        );
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breakers
                .outcome(self.host, self.generation, self.probe, self.at, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breakers(trip: TripPolicy) -> Breakers {
        Breakers::new(
            CircuitBreakerConfig {
                trip,
                open_duration: Duration::from_secs(30),
                half_open_probes: 1,
                probe_wait: None,
            },
            None,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn many_hosts_stay_bounded_and_open_circuits_are_kept() {
        let b = breakers(TripPolicy::ConsecutiveFailures(2));
        for _ in 0..2 {
            b.admit_now(b"down:443").unwrap().record(true);
        }
        assert_eq!(b.state("down:443"), CircuitState::Open);
        for i in 0..3 * MAX_HOSTS {
            let host = format!("h{i}:443");
            b.admit_now(host.as_bytes()).unwrap().record(false);
        }
        assert!(b.lock().len() <= MAX_HOSTS, "{} hosts", b.lock().len());
        assert_eq!(b.state("down:443"), CircuitState::Open, "kept");
        assert!(b.admit_now(b"down:443").is_none(), "still refusing calls");
    }

    #[tokio::test(start_paused = true)]
    async fn ratio_mode_opens_once_enough_calls_fail() {
        let b = breakers(TripPolicy::FailureRatio {
            ratio: 0.5,
            min_calls: 10,
            window: Duration::from_secs(10),
        });
        for i in 0..9 {
            b.admit_now(b"h").unwrap().record(i % 2 == 0);
        }
        assert_eq!(b.state("h"), CircuitState::Closed, "below min_calls");
        b.admit_now(b"h").unwrap().record(true);
        assert_eq!(b.state("h"), CircuitState::Open);
        assert!(b.admit_now(b"h").is_none());
        tokio::time::advance(Duration::from_secs(30)).await;
        let probe = b.admit_now(b"h").unwrap();
        assert!(b.admit_now(b"h").is_none(), "one probe at a time");
        drop(probe);
        let probe = b.admit_now(b"h").expect("a dropped probe frees its slot");
        probe.record(true);
        assert_eq!(b.state("h"), CircuitState::Open, "failed probe re-opens");
    }

    /// Drives `attempts` attempts at `per_second` against one host, each failing when `fails(i)`;
    /// returns the attempt at which the circuit opened, if it did.
    async fn drive(
        b: &Breakers,
        attempts: u32,
        per_second: u32,
        mut fails: impl FnMut(u32) -> bool,
    ) -> Option<u32> {
        let step = Duration::from_secs(1) / per_second;
        for i in 0..attempts {
            match b.admit_now(b"h:443") {
                Some(p) => p.record(fails(i)),
                None => return Some(i),
            }
            tokio::time::advance(step).await;
        }
        None
    }

    #[tokio::test(start_paused = true)]
    async fn ten_percent_independent_errors_never_open_the_default_breaker() {
        use rand::{Rng, SeedableRng};
        for (seed, per_second) in [(1, 100), (2, 100), (3, 10), (4, 10)] {
            let b = breakers(TripPolicy::DEFAULT);
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let opened = drive(&b, 100_000, per_second, |_| rng.random::<f64>() < 0.10).await;
            assert_eq!(opened, None, "seed {seed}, {per_second}/s");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_sixty_percent_burst_opens_the_default_breaker_within_the_window() {
        use rand::{Rng, SeedableRng};
        let b = breakers(TripPolicy::DEFAULT);
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        // 30 s healthy at 100/s, then 60% of attempts fail.
        let healthy = 3_000;
        let opened = drive(&b, 10_000, 100, |i| {
            i >= healthy && rng.random::<f64>() < 0.60
        })
        .await
        .expect("opens");
        let after = Duration::from_millis(u64::from(opened - healthy) * 10);
        assert!(
            after <= Duration::from_secs(10),
            "opened {after:?} into the burst"
        );
        assert_eq!(b.state("h:443"), CircuitState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn cancelled_attempts_are_not_counted_and_successes_are() {
        let b = breakers(TripPolicy::DEFAULT);
        // 30 attempts cancelled before their outcome: they count for nothing.
        for _ in 0..30 {
            drop(b.admit_now(b"h:443").unwrap());
        }
        assert_eq!(
            drive(&b, 19, 100, |_| true).await,
            None,
            "19 calls in the window"
        );
        assert_eq!(b.state("h:443"), CircuitState::Closed);
        // 20 successes then 20 failures: 50% of 59 calls only once the 30th failure lands.
        let b = breakers(TripPolicy::DEFAULT);
        assert_eq!(drive(&b, 20, 100, |_| false).await, None);
        assert_eq!(drive(&b, 19, 100, |_| true).await, None, "19 of 39 failed");
        assert_eq!(
            drive(&b, 2, 100, |_| true).await,
            Some(1),
            "20 of 40 failed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_ratio_needs_its_minimum_of_calls() {
        let b = breakers(TripPolicy::DEFAULT);
        // 19 failures in a quiet window: under the minimum of 20 calls.
        assert_eq!(drive(&b, 19, 2, |_| true).await, None);
        assert_eq!(b.state("h:443"), CircuitState::Closed);
        // The twentieth opens it.
        assert_eq!(drive(&b, 2, 2, |_| true).await, Some(1));
    }
}
