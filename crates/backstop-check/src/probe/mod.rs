//! The probes. Each sends a bounded number of requests and ends in one verdict; every error response any of them
//! gets is also read strictly for the envelope and for leaks.

mod aggregate;
mod auth;
mod bodies;
pub mod catalog;
mod idempotency;
mod languages;
mod rate_limit;
mod request_id;
mod routing;

use reqwest::StatusCode;

use crate::http::{Exchange, Http, Request};
use crate::report::{Evidence, Findings, Outcome, ProbeResult};
use crate::wire::Issue;
pub use catalog::{ALL, ProbeSpec};

/// Headers worth showing as evidence.
const SHOWN: [&str; 9] = [
    "content-type",
    "x-request-id",
    "allow",
    "retry-after",
    "www-authenticate",
    "ratelimit",
    "ratelimit-policy",
    "idempotent-replayed",
    "content-length",
];

/// Runs the probes of one check.
pub struct Prober {
    http: Http,
    findings: Findings,
    /// Keys of envelope issues and of exposures (leaks, echoes, oversize) seen in error responses.
    envelope_keys: Vec<String>,
    exposure_keys: Vec<String>,
    /// Error responses read, and the profiles they were in.
    errors_seen: usize,
    profiles_seen: Vec<&'static str>,
    /// What the replay probe sent, for the mismatch probe.
    idempotency: Option<idempotency::Sent>,
}

/// What a probe concluded, before it becomes a [`ProbeResult`].
pub(crate) struct Verdict {
    issues: Vec<Issue>,
    evidence: Option<Evidence>,
    passed: String,
    skipped: Option<String>,
    advice: Option<String>,
}

impl Verdict {
    /// A verdict that passes with `passed` unless issues are added.
    pub(crate) fn new(passed: impl Into<String>) -> Self {
        Verdict {
            issues: Vec::new(),
            evidence: None,
            passed: passed.into(),
            skipped: None,
            advice: None,
        }
    }

    /// Notes something the contract recommends (SHOULD, MAY) that the API does not do: advice, not a
    /// failure.
    pub(crate) fn advise(&mut self, advice: impl Into<String>) {
        self.advice = Some(advice.into());
    }

    /// A skip, with the reason.
    pub(crate) fn skip(why: impl Into<String>) -> Self {
        let mut v = Verdict::new("");
        v.skipped = Some(why.into());
        v
    }

    /// Adds an issue.
    pub(crate) fn issue(&mut self, issue: Issue) {
        if !self.issues.iter().any(|i| i.key == issue.key) {
            self.issues.push(issue);
        }
    }

    /// Shows `ex` as the evidence.
    pub(crate) fn evidence(mut self, ex: &Exchange) -> Self {
        self.evidence = Some(evidence(ex));
        self
    }
}

impl Prober {
    /// A prober sending through `http`.
    pub fn new(http: Http) -> Self {
        Prober {
            http,
            findings: Findings::default(),
            envelope_keys: Vec::new(),
            exposure_keys: Vec::new(),
            errors_seen: 0,
            profiles_seen: Vec::new(),
            idempotency: None,
        }
    }

    /// Runs every probe; `progress` is told each probe's name before it runs.
    pub async fn run_all(
        mut self,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> (Vec<ProbeResult>, crate::report::Findings) {
        let mut out = Vec::with_capacity(ALL.len());
        for (i, spec) in ALL.iter().enumerate() {
            progress(i + 1, ALL.len(), spec.name);
            let verdict = if spec.writes && !self.http.config().allow_writes {
                Verdict::skip(format!(
                    "may create a record, runs with --allow-writes (sends: {})",
                    spec.sends
                ))
            } else {
                self.run_one(spec).await
            };
            out.push(self.finish(spec, verdict));
        }
        (out, self.findings)
    }

    async fn run_one(&mut self, spec: &'static ProbeSpec) -> Verdict {
        match spec.name {
            "request_id_echoed" => self.request_id_echoed(spec).await,
            "request_id_replaced" => self.request_id_replaced(spec).await,
            "unknown_route" => self.unknown_route(spec).await,
            "languages" => self.languages(spec).await,
            "unknown_resource" => self.unknown_resource(spec).await,
            "wrong_method" => self.wrong_method(spec).await,
            "missing_credentials" => self.missing_credentials(spec).await,
            "garbage_token" => self.garbage_token(spec).await,
            "malformed_json" => self.malformed_json(spec).await,
            "wrong_content_type" => self.wrong_content_type(spec).await,
            "validation" => self.validation(spec).await,
            "oversized_body" => self.oversized_body(spec).await,
            "idempotency_replay" => self.idempotency_replay(spec).await,
            "idempotency_mismatch" => self.idempotency_mismatch(spec).await,
            "rate_limit" => self.rate_limit(spec).await,
            "error_envelopes" => self.error_envelopes(),
            "no_leaks" => self.no_leaks(),
            other => Verdict::skip(format!("no probe named {other}")),
        }
    }

    fn finish(&mut self, spec: &'static ProbeSpec, v: Verdict) -> ProbeResult {
        let (outcome, summary) = match (&v.skipped, v.issues.is_empty()) {
            (Some(why), _) => (Outcome::Skip, why.clone()),
            (None, true) => match &v.advice {
                Some(advice) => (Outcome::Advise, advice.clone()),
                None => (Outcome::Pass, v.passed.clone()),
            },
            (None, false) => (
                Outcome::Fail,
                v.issues
                    .iter()
                    .map(|i| i.problem.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        for issue in &v.issues {
            self.findings.add(spec.name, issue, v.evidence.as_ref());
        }
        ProbeResult {
            probe: spec.name,
            clause: format!("§{}", spec.clause),
            writes: spec.writes,
            outcome,
            summary,
            findings: v.issues.iter().map(|i| i.key.clone()).collect(),
            evidence: v.evidence,
        }
    }

    /// Sends `req` for `probe`; an error response's envelope issues and exposures are recorded for the two
    /// reading probes, attributed to `probe` as well.
    pub(crate) async fn send(
        &mut self,
        probe: &'static str,
        req: Request,
    ) -> Result<Exchange, String> {
        let ex = self.http.send(req).await?;
        self.record(probe, &ex);
        Ok(ex)
    }

    fn record(&mut self, probe: &'static str, ex: &Exchange) {
        let Some(ins) = &ex.inspection else { return };
        self.errors_seen += 1;
        if let crate::wire::Shape::Envelope(p) = ins.shape
            && !self.profiles_seen.contains(&p.name())
        {
            self.profiles_seen.push(p.name());
        }
        let ev = evidence(ex);
        for (issues, keys) in [
            (&ins.issues, &mut self.envelope_keys),
            (&ins.exposures, &mut self.exposure_keys),
        ] {
            for issue in issues {
                self.findings.add(probe, issue, Some(&ev));
                if !keys.contains(&issue.key) {
                    keys.push(issue.key.clone());
                }
            }
        }
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    /// Whether a credential was given.
    pub(crate) fn has_credentials(&self) -> bool {
        self.http.config().auth.is_some()
    }

    /// The skip reason when `ex` was stopped by credentials (401/403) or a spent quota (429), which the probe did not
    /// mean to test.
    pub(crate) fn blocked(&self, ex: &Exchange) -> Option<String> {
        let given = self.has_credentials();
        match (ex.status, given) {
            (StatusCode::UNAUTHORIZED, false) => Some(format!(
                "blocked by missing credentials: {} got 401 (give --auth-header)",
                ex.request
            )),
            (StatusCode::UNAUTHORIZED, true) => Some(format!(
                "the credential given was refused: {} got 401",
                ex.request
            )),
            (StatusCode::FORBIDDEN, true) => Some(format!(
                "the credential given lacks permission: {} got 403",
                ex.request
            )),
            // A quota spent (by an earlier run, or another client) says nothing about this probe's contract.
            (StatusCode::TOO_MANY_REQUESTS, _) => Some(format!(
                "rate limited: {} got 429 (Retry-After: {}); run again once the quota refills",
                ex.request,
                ex.header("retry-after").unwrap_or("none")
            )),
            _ => None,
        }
    }
}

/// A random id no resource has: `backstop-check-` and 32 hex digits.
pub(crate) fn random_id() -> String {
    format!("backstop-check-{}", uuid::Uuid::now_v7().simple())
}

/// The evidence shown for `ex`.
pub(crate) fn evidence(ex: &Exchange) -> Evidence {
    Evidence {
        request: ex.request.clone(),
        status: ex.status.as_u16(),
        headers: SHOWN
            .iter()
            .filter_map(|h| {
                ex.headers.get(*h).map(|v| {
                    (
                        h.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
            })
            .collect(),
        body_excerpt: crate::wire::excerpt(
            &String::from_utf8_lossy(&ex.body[..ex.body.len().min(2048)]),
            200,
        ),
    }
}

/// Requires `ex`'s status to be one of `want`.
pub(crate) fn expect_status(
    spec: &ProbeSpec,
    ex: &Exchange,
    want: &[u16],
    expected: &str,
    v: &mut Verdict,
) -> bool {
    if want.contains(&ex.status.as_u16()) {
        return true;
    }
    v.issue(Issue::new(
        spec.clause,
        format!("status.{}", spec.name),
        format!("{} got {}", ex.request, ex.status.as_u16()),
        expected.to_owned(),
    ));
    false
}

/// Requires `ex`'s body to carry one of `codes` (`*_NOT_FOUND` matches any code with that suffix). A body with no
/// code contributes the envelope's own finding; a code is never made up.
pub(crate) fn expect_code(
    spec: &ProbeSpec,
    ex: &Exchange,
    codes: &[&str],
    expected: &str,
    v: &mut Verdict,
) -> bool {
    let Some(ins) = &ex.inspection else {
        return false;
    };
    match ins.code_upper() {
        Some(c) if codes.iter().any(|w| code_matches(w, &c)) => true,
        Some(c) => {
            v.issue(Issue::new(
                spec.clause,
                format!("code.{}", spec.name),
                format!(
                    "{} sent code {}",
                    ex.request,
                    ins.code.as_deref().unwrap_or(&c)
                ),
                expected.to_owned(),
            ));
            false
        }
        None => {
            v.issue(match ins.missing_code_issue() {
                Some(i) => i.clone(),
                None => Issue::new(
                    spec.clause,
                    format!("code.{}", spec.name),
                    format!("{} has no code", ex.request),
                    expected.to_owned(),
                ),
            });
            false
        }
    }
}

fn code_matches(want: &str, got: &str) -> bool {
    match want.strip_prefix('*') {
        Some(suffix) => got.ends_with(suffix),
        None => want == got,
    }
}

/// A transport failure as a verdict.
pub(crate) fn unreachable(spec: &ProbeSpec, e: String) -> Verdict {
    let mut v = Verdict::new("");
    v.issue(Issue::new(
        spec.clause,
        format!("transport.{}", spec.name),
        e,
        "an HTTP answer",
    ));
    v
}
