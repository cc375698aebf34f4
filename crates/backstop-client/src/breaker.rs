//! The circuit breaker, one per host (authority).
//!
//! Hand-written rather than taken from `failsafe` or `recloser`: both let every call through while
//! half-open, and §5 needs a hard cap on concurrent probes, per-host state, and state changes that are
//! both traced and observable.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// Circuit breaker settings. Defaults: 5 consecutive failures, open for 30 s, 1 probe while half-open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// When a closed circuit opens.
    pub trip: TripPolicy,
    /// How long an open circuit rejects before it lets probes through.
    pub open_duration: Duration,
    /// Concurrent probes admitted while half-open; every other call is rejected.
    pub half_open_probes: u32,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        CircuitBreakerConfig {
            trip: TripPolicy::ConsecutiveFailures(5),
            open_duration: Duration::from_secs(30),
            half_open_probes: 1,
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
        consecutive: u32,
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
}

pub(crate) struct Breakers {
    config: CircuitBreakerConfig,
    /// Ordered rather than hashed: a client talks to a few hosts, and two SipHash runs per request
    /// (admit and outcome) cost more than the handful of string comparisons of a B-tree lookup
    /// (callgrind on the success path).
    hosts: Mutex<BTreeMap<String, Host>>,
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
    host: &'a str,
    generation: u64,
    probe: bool,
    done: bool,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Host>> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits an attempt to `host`, or refuses it (open, or half-open with every probe slot taken).
    pub(crate) fn admit<'a>(&'a self, host: &'a str) -> Option<Permit<'a>> {
        let mut changes = None;
        let permit = {
            let mut hosts = self.lock();
            if !hosts.contains_key(host) {
                if hosts.len() >= MAX_HOSTS {
                    Self::make_room(&mut hosts);
                }
                hosts.insert(
                    host.to_owned(),
                    Host {
                        state: self.closed(),
                        generation: 0,
                    },
                );
            }
            let h = hosts.get_mut(host)?;
            if let State::Open { until } = h.state
                && Instant::now() >= until
            {
                h.state = State::HalfOpen { probes: 0 };
                h.generation += 1;
                changes = Some((CircuitState::Open, CircuitState::HalfOpen));
            }
            match &mut h.state {
                State::Closed { .. } => Some(Permit::new(self, host, h.generation, false)),
                State::Open { .. } => None,
                State::HalfOpen { probes } => {
                    if *probes < self.config.half_open_probes {
                        *probes += 1;
                        Some(Permit::new(self, host, h.generation, true))
                    } else {
                        None
                    }
                }
            }
        };
        if let Some((from, to)) = changes {
            self.notify(host, from, to);
        }
        permit
    }

    /// Forgets closed circuits to make room for a new host: first those with nothing counted (they
    /// carry no information), then, if that was not enough, every closed one (at worst a failing host
    /// trips a few failures later than it would have). Open and half-open circuits are kept:
    /// forgetting one would let calls through to a host known to be down. With `MAX_HOSTS` circuits
    /// open at once the map grows past the cap rather than forget them.
    fn make_room(hosts: &mut BTreeMap<String, Host>) {
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

    fn outcome(&self, host: &str, generation: u64, probe: bool, failed: Option<bool>) {
        let change = {
            let mut hosts = self.lock();
            let Some(h) = hosts.get_mut(host) else { return };
            if h.generation != generation {
                return;
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
                    Some(failed),
                ) => {
                    let now = Instant::now();
                    *consecutive = if failed {
                        consecutive.saturating_add(1)
                    } else {
                        0
                    };
                    let trip = match self.config.trip {
                        TripPolicy::ConsecutiveFailures(n) => *consecutive >= n.max(1),
                        TripPolicy::FailureRatio {
                            ratio, min_calls, ..
                        } => match window {
                            Some(w) => {
                                w.add(now, 1, u64::from(failed));
                                let (calls, failures) = w.sums(now);
                                failed
                                    && calls >= u64::from(min_calls.max(1))
                                    && failures as f64 >= ratio * calls as f64
                            }
                            None => false,
                        },
                    };
                    trip.then(|| State::Open {
                        until: now + self.config.open_duration,
                    })
                }
                _ => None,
            };
            next.map(|next| {
                let from = h.state.public();
                let to = next.public();
                h.state = next;
                h.generation += 1;
                (from, to)
            })
        };
        if let Some((from, to)) = change {
            self.notify(host, from, to);
        }
    }

    fn notify(&self, host: &str, from: CircuitState, to: CircuitState) {
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
            .get(host)
            .map_or(CircuitState::Closed, |h| public_now(&h.state))
    }

    /// Every host seen so far with its state.
    pub(crate) fn states(&self) -> Vec<(String, CircuitState)> {
        let mut v: Vec<_> = self
            .lock()
            .iter()
            .map(|(k, h)| (k.clone(), public_now(&h.state)))
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
    fn new(breakers: &'a Breakers, host: &'a str, generation: u64, probe: bool) -> Self {
        Permit {
            breakers,
            host,
            generation,
            probe,
            done: false,
        }
    }

    /// Reports the attempt: `failed` for transport errors and server-side failures.
    pub(crate) fn record(mut self, failed: bool) {
        self.done = true;
        self.breakers
            .outcome(self.host, self.generation, self.probe, Some(failed));
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breakers
                .outcome(self.host, self.generation, self.probe, None);
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
            },
            None,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn many_hosts_stay_bounded_and_open_circuits_are_kept() {
        let b = breakers(TripPolicy::ConsecutiveFailures(2));
        for _ in 0..2 {
            b.admit("down:443").unwrap().record(true);
        }
        assert_eq!(b.state("down:443"), CircuitState::Open);
        for i in 0..3 * MAX_HOSTS {
            let host = format!("h{i}:443");
            b.admit(&host).unwrap().record(false);
        }
        assert!(b.lock().len() <= MAX_HOSTS, "{} hosts", b.lock().len());
        assert_eq!(b.state("down:443"), CircuitState::Open, "kept");
        assert!(b.admit("down:443").is_none(), "still refusing calls");
    }

    #[tokio::test(start_paused = true)]
    async fn ratio_mode_opens_once_enough_calls_fail() {
        let b = breakers(TripPolicy::FailureRatio {
            ratio: 0.5,
            min_calls: 10,
            window: Duration::from_secs(10),
        });
        for i in 0..9 {
            b.admit("h").unwrap().record(i % 2 == 0);
        }
        assert_eq!(b.state("h"), CircuitState::Closed, "below min_calls");
        b.admit("h").unwrap().record(true);
        assert_eq!(b.state("h"), CircuitState::Open);
        assert!(b.admit("h").is_none());
        tokio::time::advance(Duration::from_secs(30)).await;
        let probe = b.admit("h").unwrap();
        assert!(b.admit("h").is_none(), "one probe at a time");
        drop(probe);
        let probe = b.admit("h").expect("a dropped probe frees its slot");
        probe.record(true);
        assert_eq!(b.state("h"), CircuitState::Open, "failed probe re-opens");
    }
}
