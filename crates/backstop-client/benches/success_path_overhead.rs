//! Success-path overhead per call: backstop-client against plain reqwest, on the same local axum
//! server, in the same run.
//!
//! `cargo bench -p backstop-client --bench success_path_overhead` runs two things:
//!
//! 1. **Interleaved medians** (the figure the contract's ≤ 1.03× target is about): four clients take
//!    turns in blocks of 20 requests for `OVERHEAD_ROUNDS` rounds (default 1500): plain reqwest, a
//!    *second* plain reqwest client (the control: its ratio to the first is the noise of this
//!    machine in this run), backstop-client with its defaults, and backstop-client with every policy
//!    off. Each request is timed; the medians and their ratios to the first plain client are printed.
//! 2. The criterion groups (`success_path/plain_reqwest`, `success_path/backstop_client`).
//!
//! `OVERHEAD_CURRENT_THREAD=1` (with `OVERHEAD_INTERLEAVED_ONLY=1`) runs the interleaved medians on
//! one thread, client and server together: the client's own CPU time, without the cross-thread
//! wake-ups, so its share of the round trip comes out about twice as large.
//!
//! `OVERHEAD_LOOP=<case>:<n>` instead runs one case `n` times in a plain loop, for
//! `valgrind --tool=callgrind` (see `benches/instructions.sh`). Cases: `plain`, `backstop`,
//! `backstop-off`, `none`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};

struct Setup {
    rt: tokio::runtime::Runtime,
    url: String,
    plain: reqwest::Client,
    control: reqwest::Client,
    backstop: backstop_client::Client,
    backstop_off: backstop_client::Client,
}

/// `current_thread` for the instruction counts (one thread: the same work in every run), a
/// one-worker multi-thread runtime (client on the caller's thread, server on the worker) for timings.
fn setup(current_thread: bool) -> Setup {
    let rt = if current_thread {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    };
    let addr = rt.block_on(async {
        let app = axum::Router::new().route("/ok", axum::routing::get(|| async { "ok" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });
    let plain = reqwest::Client::new();
    let backstop = backstop_client::Client::builder()
        .http_client(reqwest::Client::new())
        .build();
    let backstop_off = backstop_client::Client::builder()
        .http_client(reqwest::Client::new())
        .max_attempts(1)
        .no_retry_budget()
        .no_circuit_breaker()
        .no_pacing()
        .build();
    Setup {
        rt,
        url: format!("http://{addr}/ok"),
        plain,
        control: reqwest::Client::new(),
        backstop,
        backstop_off,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Case {
    Plain,
    Control,
    Backstop,
    BackstopOff,
}

async fn one(s: &Setup, case: Case) {
    let r = match case {
        Case::Plain => s.plain.get(&s.url).send().await.unwrap(),
        Case::Control => s.control.get(&s.url).send().await.unwrap(),
        Case::Backstop => s.backstop.get(&s.url).send().await.unwrap(),
        Case::BackstopOff => s.backstop_off.get(&s.url).send().await.unwrap(),
    };
    black_box(r.bytes().await.unwrap());
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn interleaved(s: &Setup) {
    let rounds: usize = std::env::var("OVERHEAD_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let cases = [
        ("plain reqwest", Case::Plain),
        ("plain reqwest (control)", Case::Control),
        ("backstop-client (defaults)", Case::Backstop),
        ("backstop-client (policies off)", Case::BackstopOff),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds * 20); cases.len()];
    s.rt.block_on(async {
        // Warm the pools.
        for (_, c) in cases {
            for _ in 0..200 {
                one(s, c).await;
            }
        }
        for round in 0..rounds {
            // Rotate who goes first, so no client always follows the same one.
            for k in 0..cases.len() {
                let i = (k + round) % cases.len();
                for _ in 0..20 {
                    let t = Instant::now();
                    one(s, cases[i].1).await;
                    times[i].push(t.elapsed());
                }
            }
        }
    });
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    println!("interleaved medians, {} requests each:", rounds * 20);
    for (i, (name, _)) in cases.iter().enumerate() {
        println!(
            "  {name:32} {:>8.1} µs  {:.3}x",
            medians[i].as_secs_f64() * 1e6,
            medians[i].as_secs_f64() / medians[0].as_secs_f64()
        );
    }
}

fn bench(c: &mut Criterion) {
    let s = setup(false);
    interleaved(&s);
    let mut group = c.benchmark_group("success_path");
    group.bench_function("plain_reqwest", |b| {
        b.iter(|| s.rt.block_on(one(&s, Case::Plain)))
    });
    group.bench_function("backstop_client", |b| {
        b.iter(|| s.rt.block_on(one(&s, Case::Backstop)))
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(spec) = std::env::var("OVERHEAD_LOOP") {
        let (case, n) = spec.split_once(':').unwrap_or((spec.as_str(), "2000"));
        let n: usize = n.parse().unwrap_or(2000);
        let s = setup(true);
        let case = match case {
            "plain" => Some(Case::Plain),
            "backstop" => Some(Case::Backstop),
            "backstop-off" => Some(Case::BackstopOff),
            _ => None,
        };
        s.rt.block_on(async {
            // The same warm-up in every case, so that `none` subtracts it.
            for _ in 0..10 {
                one(&s, Case::Control).await;
            }
            if let Some(case) = case {
                for _ in 0..n {
                    one(&s, case).await;
                }
            }
        });
        return;
    }
    if std::env::var_os("OVERHEAD_INTERLEAVED_ONLY").is_some() {
        interleaved(&setup(
            std::env::var_os("OVERHEAD_CURRENT_THREAD").is_some(),
        ));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
