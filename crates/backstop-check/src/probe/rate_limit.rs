//! Rate limits (docs/CONTRACT.md §8.1, §8.2): a burst of GETs to a route the API limits, at most `--max-requests`,
//! stopping at the first 429.

use std::time::SystemTime;

use backstop::parse_retry_after;
use futures_util::future::join_all;
use reqwest::Method;

use super::{ProbeSpec, Prober, Verdict, expect_code, random_id};
use crate::http::{Exchange, Request};
use crate::wire::Issue;

/// Requests in flight at once during the burst.
const CONCURRENCY: u32 = 8;

impl Prober {
    pub(super) async fn rate_limit(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let has_credentials = self.has_credentials();
        let Some(route) = self
            .http()
            .config()
            .routes
            .limited_get(has_credentials)
            .cloned()
        else {
            return Verdict::skip("no API route with GET known (give --openapi or --get-route)");
        };
        let secured = route.op("GET").is_some_and(|o| o.secured);
        let path = route.concrete(&random_id());
        let max = self.http().config().max_requests;
        let mut sent = 0u32;
        let mut limited: Option<Exchange> = None;
        let mut fields_on_success = false;
        let mut successes = 0u32;
        let mut unauthorized = 0u32;
        let mut last_error = None;
        while sent < max && limited.is_none() {
            let batch = (max - sent).min(CONCURRENCY);
            let http = self.http();
            let results = join_all((0..batch).map(|_| {
                http.send(
                    Request::new(Method::GET, path.clone()).authed(secured && has_credentials),
                )
            }))
            .await;
            sent += batch;
            for r in results {
                match r {
                    Ok(ex) => {
                        self.record(spec.name, &ex);
                        if ex.status.is_success() {
                            successes += 1;
                            fields_on_success |= ex.headers.contains_key("ratelimit")
                                && ex.headers.contains_key("ratelimit-policy");
                        }
                        if ex.status.as_u16() == 401 {
                            unauthorized += 1;
                        }
                        if ex.status.as_u16() == 429 && limited.is_none() {
                            limited = Some(ex);
                        }
                    }
                    Err(e) => last_error = Some(e),
                }
            }
        }
        let Some(ex) = limited else {
            let hint = if unauthorized == sent && !has_credentials {
                " (all got 401: no per-address limit before credentials, §6; give --auth-header to reach the per-principal one)"
            } else {
                ""
            };
            let mut v = Verdict::new("");
            let mut problem = format!("no 429 after {sent} GETs of {}{hint}", route.path);
            if let Some(e) = last_error {
                problem.push_str(&format!("; last failure: {e}"));
            }
            v.issue(Issue::new(
                "8.1",
                "rate-limit.absent",
                problem,
                "429 RATE_LIMIT_EXCEEDED with Retry-After once the quota is spent (raise --max-requests if it is larger)",
            ));
            return v;
        };
        let mut v = Verdict::new(format!(
            "429 RATE_LIMIT_EXCEEDED within {sent} requests, with Retry-After and RateLimit fields"
        ))
        .evidence(&ex);
        expect_code(
            spec,
            &ex,
            &["RATE_LIMIT_EXCEEDED"],
            "429 with code RATE_LIMIT_EXCEEDED",
            &mut v,
        );
        match ex.header("retry-after") {
            None => v.issue(Issue::new(
                "8.2",
                "rate-limit.no-retry-after",
                "429 responses without Retry-After",
                "Retry-After (seconds or HTTP-date) on every 429",
            )),
            Some(r) if parse_retry_after(r, SystemTime::now()).is_none() => v.issue(Issue::new(
                "8.2",
                "rate-limit.bad-retry-after",
                format!("Retry-After {r:?} is neither seconds nor an HTTP-date"),
                "Retry-After: delta-seconds",
            )),
            Some(_) => {}
        }
        let missing: Vec<&str> = ["RateLimit", "RateLimit-Policy"]
            .into_iter()
            .filter(|h| !ex.headers.contains_key(*h))
            .collect();
        if !missing.is_empty() || (successes > 0 && !fields_on_success) {
            v.issue(Issue::new(
                "8.2",
                "rate-limit.no-fields",
                if missing.is_empty() {
                    "successful responses of a limited route carry no RateLimit / RateLimit-Policy fields".to_owned()
                } else {
                    format!("429 responses without {}", missing.join(" and "))
                },
                "RateLimit-Policy and RateLimit on every rate-limited response, 2xx included",
            ));
        }
        v
    }
}
