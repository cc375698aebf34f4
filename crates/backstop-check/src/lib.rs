//! # backstop-check: probe any HTTP API against the backstop error contract
//!
//! `backstop check URL` sends a small, bounded set of requests that should each end in a contract error (an
//! unknown path, a refused method, a missing credential, a burst...) and judges what came back strictly: the wire
//! profile is recognised from the body and `Content-Type`, then that profile's members are required and each
//! missing one is named ([`wire`]). It never reports a code the server did not send.
//!
//! It is safe by default: nothing it sends can change or delete an existing resource (refused methods go to
//! random ids or where the server's own `Allow` leaves them out), and the probes that may create something run
//! only with `--allow-writes` ([`probe::catalog`] says what each probe sends). Findings are grouped by clause of
//! `docs/CONTRACT.md`, one line each, one per missing capability ([`report`]).
//!
//! ```
//! use backstop_check::wire::{Shape, inspect};
//! use reqwest::StatusCode;
//! use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
//!
//! // Fastify's default 404: JSON, but an envelope of no profile, so no code is reported.
//! let mut headers = HeaderMap::new();
//! headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
//! let body = br#"{"message":"Route GET:/x not found","error":"Not Found","statusCode":404}"#;
//! let seen = inspect(StatusCode::NOT_FOUND, &headers, body, false, None);
//! assert_eq!(seen.code, None);
//! assert!(matches!(seen.shape, Shape::Unrecognised { .. }));
//! assert!(seen.issues.iter().any(|i| i.key == "request-id.absent"));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod config;
pub mod http;
pub mod probe;
pub mod report;
pub mod routes;
pub mod wire;

pub use config::{CheckConfig, SetupError, parse_header};
pub use report::{Finding, Outcome, ProbeResult, Report};
pub use routes::{Route, Routes};

/// Runs every probe against the API: first one request to be sure it can be reached (a [`SetupError`] if not,
/// before any probe), then the probes. `progress` is told each probe's name before it runs.
pub async fn run(
    config: CheckConfig,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Report, SetupError> {
    let http = http::Http::new(&config)?;
    http.preflight().await?;
    let (results, findings) = probe::Prober::new(http).run_all(progress).await;
    Ok(Report::new(
        config.base_url.to_string(),
        config.allow_writes,
        results,
        findings.into_vec(),
    ))
}

/// The README's examples, run as doctests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
