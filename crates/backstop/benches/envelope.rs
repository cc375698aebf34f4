//! Encode and decode a validation error with five fields, against a hand-written
//! `#[derive(Serialize, Deserialize)]` struct of the same JSON, in the same run.

use std::collections::BTreeMap;
use std::hint::black_box;

use backstop::{ApiError, Profile, decode};
use criterion::{Criterion, criterion_group};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use time::macros::datetime;

#[derive(Serialize, Deserialize)]
struct BaselineEnvelope {
    error: BaselineError,
}

#[derive(Serialize, Deserialize)]
struct BaselineError {
    code: String,
    message: String,
    details: BTreeMap<String, Vec<String>>,
    request_id: String,
    timestamp: String,
    retryable: bool,
}

const FIELDS: [(&str, &str); 5] = [
    ("email", "Enter a valid email address."),
    (
        "currency",
        "Invalid currency code. Must be one of: GBP, EUR, USD",
    ),
    ("country", "Must be an ISO 3166 alpha-2 code"),
    ("line_items[0].quantity", "Must be greater than 0"),
    ("line_items[1].unit_amount", "Must be at least 0"),
];

fn error() -> ApiError {
    let mut e = ApiError::validation()
        .with_request_id("0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22")
        .with_timestamp(Some(datetime!(2026-11-22 10:15:30.123 UTC)));
    for (f, m) in FIELDS {
        e = e.with_field(f, m);
    }
    e
}

fn baseline() -> BaselineEnvelope {
    BaselineEnvelope {
        error: BaselineError {
            code: "VALIDATION_ERROR".into(),
            message: "Request validation failed".into(),
            details: FIELDS
                .iter()
                .map(|(f, m)| (f.to_string(), vec![m.to_string()]))
                .collect(),
            request_id: "0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22".into(),
            timestamp: "2026-11-22T10:15:30.123Z".into(),
            retryable: false,
        },
    }
}

fn bench(c: &mut Criterion) {
    let e = error();
    let b = baseline();
    let body = Profile::Backstop.encode(&e).body;
    assert_eq!(body.len(), serde_json::to_vec(&b).unwrap().len());

    let mut g = c.benchmark_group("encode");
    g.bench_function("baseline_serde_derive", |bench| {
        bench.iter(|| serde_json::to_vec(black_box(&b)).unwrap())
    });
    g.bench_function("backstop_profile", |bench| {
        bench.iter(|| Profile::Backstop.encode(black_box(&e)))
    });
    g.finish();

    let mut g = c.benchmark_group("decode");
    g.bench_function("baseline_serde_derive", |bench| {
        bench.iter(|| serde_json::from_slice::<BaselineEnvelope>(black_box(&body)).unwrap())
    });
    g.bench_function("backstop_auto_detect", |bench| {
        bench.iter(|| decode(StatusCode::UNPROCESSABLE_ENTITY, None, black_box(&body)))
    });
    let flat = Profile::Flat.encode(&e).body;
    g.bench_function("backstop_auto_detect_flat", |bench| {
        bench.iter(|| decode(StatusCode::BAD_REQUEST, None, black_box(&flat)))
    });
    g.finish();
}

criterion_group!(benches, bench);

/// `ENVELOPE_LOOP=<case>:<iterations>` runs one case in a plain loop instead of criterion, for
/// `valgrind --tool=callgrind`, whose instruction counts do not move with the machine's load
/// (see `crates/backstop/benches/instructions.sh`). Cases: encode-baseline, encode-backstop,
/// decode-baseline, decode-backstop, none.
fn main() {
    if let Ok(spec) = std::env::var("ENVELOPE_LOOP") {
        let (case, n) = spec.split_once(':').unwrap_or((spec.as_str(), "10000"));
        let n: usize = n.parse().unwrap_or(10_000);
        let (e, b) = (error(), baseline());
        let body = Profile::Backstop.encode(&e).body;
        for _ in 0..n {
            match case {
                "encode-baseline" => drop(black_box(serde_json::to_vec(black_box(&b)))),
                "encode-backstop" => drop(black_box(Profile::Backstop.encode(black_box(&e)))),
                "decode-baseline" => drop(black_box(serde_json::from_slice::<BaselineEnvelope>(
                    black_box(&body),
                ))),
                "decode-backstop" => drop(black_box(decode(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    black_box(&body),
                ))),
                _ => {}
            }
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
