//! `backstop check` against the recorded default error responses of five frameworks (FastAPI, Django REST
//! framework with DEBUG=True, Express, Fastify, fastapi-problem), replayed by a local fixture server: each
//! probe's verdict and each finding is pinned, and a default run leaves every fixture API's records as they were.

mod support;

use std::sync::atomic::Ordering;
use std::time::Instant;

use backstop_check::{Outcome, Report, cli};
use clap::Parser;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    args: cli::CheckArgs,
}

/// The flags record.py used for `framework`, with `base` the fixture server.
fn flags(framework: &str, base: &str, writes: bool) -> Vec<String> {
    let mut f = vec!["backstop-check".to_owned(), base.to_owned()];
    match framework {
        "fastapi" | "fastapi_problem" => {
            f.extend(["--openapi".to_owned(), format!("{base}/openapi.json")])
        }
        "drf" => f.extend(["--get-route", "/items/", "--post-route", "/items/"].map(String::from)),
        _ => f.extend(["--get-route", "/items", "--post-route", "/items"].map(String::from)),
    }
    f.extend(["--max-requests", "30", "--oversize-bytes", "3145728"].map(String::from));
    if writes {
        f.push("--allow-writes".to_owned());
    }
    f
}

struct Run {
    report: Report,
    records_delta: i64,
    unsafe_requests: usize,
    requests: usize,
}

async fn run(framework: &str, writes: bool) -> Run {
    let replay = support::start(framework).await;
    let args = Args::try_parse_from(flags(framework, &replay.base, writes))
        .unwrap()
        .args;
    let config = cli::config(&args).await.expect("the flags are valid");
    let started = Instant::now();
    let report = backstop_check::run(config, &mut |_, _, _| {})
        .await
        .expect("the fixture server is reachable");
    eprintln!(
        "{framework} ({}): {:?}, {} pass, {} fail, {} skip",
        if writes {
            "--allow-writes"
        } else {
            "read-only"
        },
        started.elapsed(),
        report.counts.pass,
        report.counts.fail,
        report.counts.skip
    );
    let unmatched = replay.stats.unmatched.lock().unwrap().clone();
    assert!(
        unmatched.is_empty(),
        "requests with no fixture (re-record with record.sh):\n{unmatched:#?}"
    );
    Run {
        records_delta: replay.stats.records_delta.load(Ordering::SeqCst),
        unsafe_requests: replay.stats.unsafe_requests.load(Ordering::SeqCst),
        requests: replay.stats.requests.load(Ordering::SeqCst),
        report,
    }
}

/// `P`, `F`, `S` for each probe in catalog order.
fn outcomes(r: &Report) -> String {
    r.probes
        .iter()
        .map(|p| match p.outcome {
            Outcome::Pass => 'P',
            Outcome::Fail => 'F',
            Outcome::Skip => 'S',
            Outcome::Advise => 'A',
        })
        .collect()
}

fn finding_keys(r: &Report) -> Vec<&str> {
    let mut k: Vec<&str> = r.findings.iter().map(|f| f.key.as_str()).collect();
    k.sort();
    k
}

/// Every code a report names was in a response body: no code is made up from a status.
fn no_code_made_up(r: &Report) {
    for p in &r.probes {
        if let Some(i) = p.summary.find("sent code ") {
            let code = p.summary[i + 10..].split([';', ' ']).next().unwrap();
            let body = &p.evidence.as_ref().unwrap().body_excerpt;
            assert!(body.contains(code), "{}: {code} is not in {body}", p.probe);
        }
    }
}

async fn check(framework: &str, read_only: (&str, &[&str]), writes: (&str, &[&str], i64)) {
    let ro = run(framework, false).await;
    let table = ro.report.to_text();
    assert_eq!(
        ro.records_delta, 0,
        "a default run changed {framework}'s records\n{table}"
    );
    assert_eq!(
        outcomes(&ro.report),
        read_only.0,
        "{framework} read-only\n{table}"
    );
    assert_eq!(
        finding_keys(&ro.report),
        read_only.1,
        "{framework} read-only\n{table}"
    );
    assert!(ro.report.has_failures());
    no_code_made_up(&ro.report);
    // Only DELETE under random ids or where Allow refuses it: nothing that can change an existing resource.
    assert!(
        ro.unsafe_requests <= 1,
        "{framework}: {} unsafe requests",
        ro.unsafe_requests
    );
    assert!(ro.requests <= 40, "{framework}: {} requests", ro.requests);

    let rw = run(framework, true).await;
    let table = rw.report.to_text();
    assert_eq!(
        outcomes(&rw.report),
        writes.0,
        "{framework} --allow-writes\n{table}"
    );
    assert_eq!(
        finding_keys(&rw.report),
        writes.1,
        "{framework} --allow-writes\n{table}"
    );
    assert_eq!(
        rw.records_delta, writes.2,
        "{framework} --allow-writes records\n{table}"
    );
    no_code_made_up(&rw.report);
}

// Probe order: request_id_echoed, request_id_replaced, unknown_route, unknown_resource, wrong_method,
// missing_credentials, garbage_token, malformed_json, wrong_content_type, validation, oversized_body,
// idempotency_replay, idempotency_mismatch, rate_limit, error_envelopes, no_leaks.

/// FastAPI: `{"detail": ...}` bodies (no profile), no request ids, 422 for bad JSON and text/plain, no body limit;
/// its 422 echoes the input back, 2 MiB and more for a 1 MiB body: an oversize finding, not "not JSON".
#[tokio::test]
async fn fastapi() {
    check(
        "fastapi",
        (
            "FFFAFFSSSSSSSSFFP",
            &[
                "envelope.none.unrecognised",
                "rate-limit.absent",
                "request-id.absent",
            ],
        ),
        (
            "FFFAFFSSFFFFFFFFF",
            &[
                "body.echo",
                "body.oversize",
                "envelope.none.unrecognised",
                "idempotency.absent",
                "rate-limit.absent",
                "request-id.absent",
                "status.malformed_json",
                "status.oversized_body",
                "status.wrong_content_type",
            ],
            0,
        ),
    )
    .await;
}

/// fastapi-problem: RFC 9457 bodies recognised as the problem profile, each missing member named (`code`,
/// `timestamp`, and `detail` on some), never a code made up from the status.
#[tokio::test]
async fn fastapi_problem() {
    check(
        "fastapi_problem",
        (
            "FFFAFFSSSSSSSSFFP",
            &[
                "envelope.problem.code.missing",
                "envelope.problem.detail.missing",
                "envelope.problem.timestamp.missing",
                "rate-limit.absent",
                "request-id.absent",
            ],
        ),
        (
            "FFFAFFSSFFFFFFFFF",
            &[
                "body.echo",
                "body.oversize",
                "envelope.problem.code.missing",
                "envelope.problem.detail.missing",
                "envelope.problem.timestamp.missing",
                "idempotency.absent",
                "rate-limit.absent",
                "request-id.absent",
                "status.malformed_json",
                "status.oversized_body",
                "status.wrong_content_type",
            ],
            0,
        ),
    )
    .await;
}

/// Django REST framework with DEBUG=True: Django's URL-pattern 404 page and, for a 2 MiB body, the DEBUG
/// traceback page (past 64 KiB) with site-packages paths; DRF's own `{"detail"}` and field-map bodies.
#[tokio::test]
async fn django_rest_framework() {
    check(
        "drf",
        (
            "FFFAFFSSSSSSSSFFF",
            &[
                "envelope.none.not-json",
                "envelope.none.unrecognised",
                "leak.Django's DEBUG page",
                "leak.Django's URL-pattern 404 page",
                "rate-limit.absent",
                "request-id.absent",
            ],
        ),
        (
            "FFFAFFSSFFFFFFFFF",
            &[
                "envelope.none.not-json",
                "envelope.none.unrecognised",
                "idempotency.absent",
                "leak.Django's DEBUG page",
                "leak.Django's URL-pattern 404 page",
                "leak.a Django module path",
                "leak.a Python package path",
                "leak.a Python stack frame",
                "leak.a Python stack trace",
                "leak.a server file path",
                "rate-limit.absent",
                "request-id.absent",
                "status.oversized_body",
                "status.validation",
            ],
            0,
        ),
    )
    .await;
}

/// Express: HTML error pages (no 405 at all: a method its own Allow refuses gets 404), stack traces with
/// node_modules paths for bad JSON and oversize bodies, and every write probe creates a record (5 of them).
#[tokio::test]
async fn express() {
    check(
        "express",
        (
            "FFFAFFSSSSSSSSFFP",
            &[
                "envelope.flat.error_code.missing",
                "envelope.flat.timestamp.missing",
                "envelope.none.not-json",
                "rate-limit.absent",
                "request-id.absent",
                "status.wrong_method",
            ],
        ),
        (
            "FFFAFFSSFFFFFFFFF",
            &[
                "envelope.flat.error_code.missing",
                "envelope.flat.timestamp.missing",
                "envelope.none.not-json",
                "idempotency.absent",
                "leak.a Node internal frame",
                "leak.a Node package path",
                "leak.a Node stack frame",
                "rate-limit.absent",
                "request-id.absent",
                "status.validation",
                "status.wrong_content_type",
                "status.wrong_method",
            ],
            5,
        ),
    )
    .await;
}

/// Fastify: `{"statusCode","error","message"}` bodies match no profile (no code is made up for them), 400 for
/// every body problem, a 413 of its own at 1 MiB.
#[tokio::test]
async fn fastify() {
    check(
        "fastify",
        (
            "FFFAFSSSSSSSSSFFP",
            &[
                "envelope.flat.error_code.missing",
                "envelope.flat.timestamp.missing",
                "envelope.none.unrecognised",
                "rate-limit.absent",
                "request-id.absent",
            ],
        ),
        (
            "FFFAFSSSFFFFFFFFP",
            &[
                "envelope.flat.error_code.missing",
                "envelope.flat.timestamp.missing",
                "envelope.none.unrecognised",
                "idempotency.absent",
                "rate-limit.absent",
                "request-id.absent",
                "status.validation",
                "status.wrong_content_type",
            ],
            0,
        ),
    )
    .await;
}
