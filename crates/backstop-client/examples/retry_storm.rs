//! Retry-storm harness: how many upstream attempts each client makes per logical request when the
//! upstream fails, and how fast it recovers.
//!
//! Clients compared, each against its own local upstream (127.0.0.1, scripted failures), driven at the
//! same fixed logical rate, all at once:
//! * `backstop` — backstop-client with its defaults (budget + breaker);
//! * `backstop-no-breaker` — backstop-client with the breaker off (budget only);
//! * `backstop-no-pacing` — (d) only: backstop-client with pacing off;
//! * `seeds-loop` — the loop the seeds tell integrators to write: 3 attempts, backoff 1 s then 2 s, no budget;
//! * `reqwest-retry` — reqwest-middleware 0.5 + reqwest-retry 0.9 (2 retries, exponential 1 s..4 s).
//!
//! Scenarios: (a) total outage (100% 503); (b) 10% random 503; (c) outage then recovery; (d) a
//! quota of half the offered rate per 1 s window, announced on every answer (`RateLimit` /
//! `RateLimit-Policy`, draft-11), with 429 + `Retry-After` beyond it.
//!
//! ```text
//! cargo run --release -p backstop-client --example retry_storm -- --secs 30 --rate 100
//! ```
#![allow(missing_docs)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstop::{ApiError, Code, Profile};
use backstop_client::{CircuitBreakerConfig, CircuitState, Client};
use clap::Parser;
use rand::Rng;
use tokio::time::Instant;

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Length of scenarios (a) and (b), in seconds (the outage in (c) is half of it).
    #[arg(long, default_value_t = 30)]
    secs: u64,
    /// Logical requests per second, per client.
    #[arg(long, default_value_t = 100)]
    rate: u64,
    /// The breaker's open duration, in seconds (scenario (c) runs open + 5 s after recovery).
    #[arg(long, default_value_t = 30)]
    open_secs: u64,
    /// Run only these scenarios (a, b, c, d).
    #[arg(long, default_value = "abcd")]
    scenarios: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scenario {
    Outage,
    Random10,
    Recovery,
    Quota,
}

/// Upstream behaviour and attempt log.
struct Upstream {
    scenario: Scenario,
    start: Instant,
    recover_at: Duration,
    attempts: Mutex<Vec<Duration>>,
    /// Scenario (d): requests allowed per 1 s window, and (window start, used, 429s sent).
    quota: u32,
    window: Mutex<(Instant, u32, usize)>,
}

impl Upstream {
    fn failing(&self) -> bool {
        match self.scenario {
            Scenario::Outage => true,
            Scenario::Random10 => rand::rng().random::<f64>() < 0.10,
            Scenario::Recovery => self.start.elapsed() < self.recover_at,
            Scenario::Quota => false,
        }
    }

    /// Scenario (d): whether this request is within the quota, and the `RateLimit` fields to send.
    fn take_quota(&self) -> (bool, String, u64) {
        let mut w = self.window.lock().unwrap();
        if w.0.elapsed() >= Duration::from_secs(1) {
            *w = (Instant::now(), 0, w.2);
        }
        let reset = Duration::from_secs(1)
            .saturating_sub(w.0.elapsed())
            .as_millis()
            .div_ceil(1000)
            .max(1) as u64;
        let allowed = w.1 < self.quota;
        if allowed {
            w.1 += 1;
        } else {
            w.2 += 1;
        }
        let remaining = self.quota - w.1;
        (
            allowed,
            format!("\"default\";r={remaining};t={reset}"),
            reset,
        )
    }
}

async fn spawn_upstream(up: Arc<Upstream>) -> String {
    let unavailable = Profile::Backstop.encode(&ApiError::new(Code::SERVICE_UNAVAILABLE));
    let limited = Profile::Backstop.encode(&ApiError::new(Code::RATE_LIMIT_EXCEEDED));
    let app = axum::Router::new().fallback(move || {
        let up = up.clone();
        let body = unavailable.body.clone();
        let limited = limited.body.clone();
        async move {
            use axum::response::IntoResponse;
            up.attempts.lock().unwrap().push(up.start.elapsed());
            if up.scenario == Scenario::Quota {
                let (allowed, fields, reset) = up.take_quota();
                let policy = format!("\"default\";q={};w=1", up.quota);
                return if allowed {
                    (
                        axum::http::StatusCode::OK,
                        [
                            ("content-type", "text/plain".to_owned()),
                            ("ratelimit", fields),
                            ("ratelimit-policy", policy),
                        ],
                        b"ok".to_vec(),
                    )
                        .into_response()
                } else {
                    (
                        axum::http::StatusCode::TOO_MANY_REQUESTS,
                        [
                            ("content-type", "application/json".to_owned()),
                            ("ratelimit", fields),
                            ("ratelimit-policy", policy),
                            ("retry-after", reset.to_string()),
                        ],
                        limited,
                    )
                        .into_response()
                };
            }
            if up.failing() {
                (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    [("content-type", "application/json")],
                    body,
                )
                    .into_response()
            } else {
                (
                    axum::http::StatusCode::OK,
                    [("content-type", "text/plain")],
                    b"ok".to_vec(),
                )
                    .into_response()
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/resource")
}

#[derive(Clone)]
enum Kind {
    Backstop(Client, Arc<Mutex<Option<Duration>>>),
    SeedsLoop(reqwest::Client),
    ReqwestRetry(reqwest_middleware::ClientWithMiddleware),
}

impl Kind {
    async fn call(&self, url: &str) -> bool {
        match self {
            Kind::Backstop(c, _) => match c.get(url).send().await {
                Ok(_) => true,
                Err(e) => {
                    if std::env::var_os("RETRY_STORM_DEBUG").is_some() {
                        eprintln!("{e}");
                    }
                    false
                }
            },
            Kind::SeedsLoop(c) => {
                // The seeds' hand-written loop: 3 attempts, exponential backoff 1 s, 2 s, no budget.
                let mut delay = Duration::from_secs(1);
                for attempt in 1..=3 {
                    match c.get(url).send().await {
                        Ok(r) if r.status().is_success() => return true,
                        Ok(r) if !matches!(r.status().as_u16(), 429 | 500 | 502 | 503 | 504) => {
                            return false;
                        }
                        _ => {}
                    }
                    if attempt < 3 {
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
                false
            }
            Kind::ReqwestRetry(c) => {
                matches!(c.get(url).send().await, Ok(r) if r.status().is_success())
            }
        }
    }
}

struct Outcome {
    start: Duration,
    latency: Duration,
    ok: bool,
}

struct Row {
    client: &'static str,
    requests: usize,
    attempts: usize,
    refused: usize,
    amp_after_open: Option<f64>,
    success: f64,
    p50: Duration,
    p99: Duration,
    recover: Option<Duration>,
}

async fn run_client(name: &'static str, kind: Kind, scenario: Scenario, args: &Args) -> Row {
    let run_for = match scenario {
        Scenario::Recovery => Duration::from_secs(args.secs / 2 + args.open_secs + 5),
        _ => Duration::from_secs(args.secs),
    };
    let recover_at = Duration::from_secs(args.secs / 2);
    let start = Instant::now();
    let up = Arc::new(Upstream {
        scenario,
        start,
        recover_at,
        attempts: Mutex::new(Vec::new()),
        quota: (args.rate / 2).max(1) as u32,
        window: Mutex::new((Instant::now(), 0, 0)),
    });
    let url = spawn_upstream(up.clone()).await;
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    while start.elapsed() < run_for {
        tick.tick().await;
        let (kind, url, outcomes) = (kind.clone(), url.clone(), outcomes.clone());
        tasks.push(tokio::spawn(async move {
            let t0 = start.elapsed();
            let ok = kind.call(&url).await;
            outcomes.lock().unwrap().push(Outcome {
                start: t0,
                latency: start.elapsed() - t0,
                ok,
            });
        }));
    }
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    let mut outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let attempts = up.attempts.lock().unwrap().clone();
    outcomes.sort_by_key(|o| o.start);
    let mut lat: Vec<Duration> = outcomes.iter().map(|o| o.latency).collect();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let amp_after_open = match &kind {
        Kind::Backstop(_, opened) => opened.lock().unwrap().map(|t| {
            let reqs = outcomes.iter().filter(|o| o.start >= t).count().max(1);
            let att = attempts.iter().filter(|a| **a >= t).count();
            att as f64 / reqs as f64
        }),
        _ => None,
    };
    let recover = (scenario == Scenario::Recovery).then(|| {
        // From the upstream's recovery until the start of the first request after which every request succeeded.
        let last_fail = outcomes.iter().filter(|o| !o.ok).map(|o| o.start).max();
        match last_fail {
            Some(t) if t >= recover_at => {
                t - recover_at + Duration::from_secs_f64(1.0 / args.rate as f64)
            }
            _ => Duration::ZERO,
        }
    });
    Row {
        client: name,
        requests: outcomes.len(),
        attempts: attempts.len(),
        refused: up.window.lock().unwrap().2,
        amp_after_open,
        success: outcomes.iter().filter(|o| o.ok).count() as f64 / outcomes.len().max(1) as f64,
        p50: pct(0.50),
        p99: pct(0.99),
        recover,
    }
}

fn backstop(breaker: bool, pacing: bool, open: Duration) -> Kind {
    let opened = Arc::new(Mutex::new(None));
    let start = Instant::now();
    let o = opened.clone();
    let mut b = Client::builder().on_circuit_change(move |_, _, to| {
        if to == CircuitState::Open {
            o.lock().unwrap().get_or_insert(start.elapsed());
        }
    });
    if !pacing {
        b = b.no_pacing();
    }
    b = if breaker {
        b.circuit_breaker(CircuitBreakerConfig {
            open_duration: open,
            ..Default::default()
        })
    } else {
        b.no_circuit_breaker()
    };
    Kind::Backstop(b.build(), opened)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let open = Duration::from_secs(args.open_secs);
    let printed_header = AtomicBool::new(false);
    for (letter, scenario, label) in [
        ('a', Scenario::Outage, "(a) total outage, 100% 503"),
        ('b', Scenario::Random10, "(b) 10% random 503"),
        ('c', Scenario::Recovery, "(c) outage then recovery"),
        (
            'd',
            Scenario::Quota,
            "(d) 429 with a quota of half the rate",
        ),
    ] {
        if !args.scenarios.contains(letter) {
            continue;
        }
        let retry = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(reqwest_retry::RetryTransientMiddleware::new_with_policy(
                reqwest_retry::policies::ExponentialBackoff::builder()
                    .retry_bounds(Duration::from_secs(1), Duration::from_secs(4))
                    .build_with_max_retries(2),
            ))
            .build();
        let mut clients: Vec<(&'static str, Kind)> = vec![
            ("backstop", backstop(true, true, open)),
            ("backstop-no-breaker", backstop(false, true, open)),
            ("seeds-loop", Kind::SeedsLoop(reqwest::Client::new())),
            ("reqwest-retry", Kind::ReqwestRetry(retry)),
        ];
        if scenario == Scenario::Quota {
            clients.insert(1, ("backstop-no-pacing", backstop(true, false, open)));
        }
        // The clients' clocks start together with their upstreams.
        let runs = clients.into_iter().map(|(name, kind)| {
            let args = args.clone();
            tokio::spawn(async move { run_client(name, kind, scenario, &args).await })
        });
        let mut rows = Vec::new();
        for r in runs.collect::<Vec<_>>() {
            rows.push(r.await.unwrap());
        }
        if !printed_header.swap(true, Ordering::SeqCst) {
            println!(
                "rate {} req/s per client, {} s scenarios, breaker open {} s\n",
                args.rate, args.secs, args.open_secs
            );
            println!(
                "| scenario | client | logical requests | upstream attempts | attempts/request | after open | success | p50 | p99 | time to recover | 429s drawn |"
            );
            println!("|---|---|---|---|---|---|---|---|---|---|---|");
        }
        for r in rows {
            println!(
                "| {label} | {} | {} | {} | {:.3}x | {} | {:.2}% | {:.0} ms | {:.0} ms | {} | {} |",
                r.client,
                r.requests,
                r.attempts,
                r.attempts as f64 / r.requests.max(1) as f64,
                r.amp_after_open
                    .map_or("-".to_owned(), |a| format!("{a:.3}x")),
                r.success * 100.0,
                r.p50.as_secs_f64() * 1000.0,
                r.p99.as_secs_f64() * 1000.0,
                r.recover
                    .map_or("-".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
                if scenario == Scenario::Quota {
                    r.refused.to_string()
                } else {
                    "-".to_owned()
                },
            );
        }
    }
}
