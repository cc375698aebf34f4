//! `backstop check URL`: probes any HTTP API against the contract and reports every violation.
//!
//! Each probe is bounded in requests and time. Routes come from the API's OpenAPI document or from
//! flags; a probe that lacks what it needs is reported as skipped with the reason. Every error
//! response any probe sees is also checked for the envelope's shape, `Content-Type`, a `request_id`
//! equal to `X-Request-Id`, and leaked internals.

mod args;
mod inspect;
mod probes;
mod report;
mod routes;

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

pub use args::{CheckArgs, run as run_cli};
pub use report::{Evidence, Outcome, ProbeResult, Report};
pub use routes::{Route, Routes};

/// What to probe and how hard.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The API's base URL, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// The routes to use.
    pub routes: Routes,
    /// A credential header (`Authorization: Bearer …` or `X-API-Key: …`) for probes that need one.
    /// Never printed.
    pub auth: Option<(HeaderName, HeaderValue)>,
    /// A JSON body the POST route accepts, for the idempotency probes (`{}` when not given).
    pub post_body: Option<String>,
    /// The most requests the rate-limit burst sends.
    pub max_requests: u32,
    /// The size of the oversized body.
    pub oversize_bytes: usize,
    /// The time limit of each request.
    pub timeout: Duration,
}

impl CheckConfig {
    /// Defaults for `base_url`: no routes, no credentials, 200 requests, 12 MiB, 10 s.
    pub fn new(base_url: impl Into<String>) -> Self {
        CheckConfig {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            routes: Routes::default(),
            auth: None,
            post_body: None,
            max_requests: 200,
            oversize_bytes: 12 * 1024 * 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

/// A header given as `Name: value` on the command line.
pub fn parse_header(raw: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| "expected `Name: value`".to_owned())?;
    let name =
        HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| "bad header name".to_owned())?;
    let mut value =
        HeaderValue::from_str(value.trim()).map_err(|_| "bad header value".to_owned())?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// Runs every probe against the API. `progress` is told each probe's name before it runs.
pub async fn run(config: CheckConfig, progress: &mut dyn FnMut(usize, usize, &str)) -> Report {
    let target = config.base_url.clone();
    let results = probes::Prober::new(config).run_all(progress).await;
    Report { target, results }
}
