//! What a check found: one result per probe, and the findings behind the failures, grouped by contract clause.
//!
//! A finding is one problem of the API, however many probes and responses showed it: a server without request
//! ids is one finding naming the probes that saw it, not one per probe.

mod junit;
mod text;

use serde::Serialize;

use crate::wire::Issue;

/// How a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The API did what the contract says.
    Pass,
    /// The API broke the contract; the findings say how.
    Fail,
    /// The probe did not run or could not judge (writes not allowed, no route, blocked by credentials); the
    /// summary says why.
    Skip,
    /// The API keeps the contract but does not do something it recommends (a SHOULD or MAY, such as
    /// answering in the client's language); the summary says what. Not a violation.
    Advise,
}

/// What a probe saw of one response, kept short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The request, as `METHOD /path`.
    pub request: String,
    /// The response status.
    pub status: u16,
    /// The response headers that matter to the contract.
    pub headers: Vec<(String, String)>,
    /// The start of the body (at most 200 characters, control characters removed).
    pub body_excerpt: String,
}

/// One probe's result.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    /// The probe's name, e.g. `unknown_route`.
    pub probe: &'static str,
    /// The section of docs/CONTRACT.md it checks, e.g. `§3.1`.
    pub clause: String,
    /// Whether it may create something (runs only with `--allow-writes`).
    pub writes: bool,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// One line: what passed, what failed (`; `-separated), or why it was skipped.
    pub summary: String,
    /// The keys of the findings it contributed to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// The response behind the verdict, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// One problem of the API.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The section of docs/CONTRACT.md, e.g. `§4`.
    pub clause: String,
    /// The section's title.
    pub section: &'static str,
    /// A stable key for the problem (`request-id.absent`, `envelope.backstop.timestamp.missing`...).
    pub key: String,
    /// What is wrong, in one line.
    pub problem: String,
    /// What the contract expects.
    pub expected: String,
    /// The probes that showed it.
    pub probes: Vec<&'static str>,
    /// How many distinct requests (method and path) showed it.
    pub occurrences: usize,
    /// The first response that showed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Evidence>,
    /// The distinct requests that showed it (`METHOD /path`), counted in `occurrences`.
    #[serde(skip)]
    requests: Vec<String>,
}

/// Pass, fail and skip counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Probes that passed.
    pub pass: usize,
    /// Probes that failed.
    pub fail: usize,
    /// Probes skipped.
    pub skip: usize,
    /// Probes that passed with advice (a recommendation the API does not follow).
    pub advise: usize,
}

/// Every probe's result and every finding.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The API's base URL.
    pub target: String,
    /// Whether probes that may create something ran.
    pub allow_writes: bool,
    /// Pass, fail and skip counts.
    pub counts: Counts,
    /// The results, in the order the probes ran.
    pub probes: Vec<ProbeResult>,
    /// The findings, by clause.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Builds a report; counts are computed and findings sorted by clause.
    pub fn new(
        target: String,
        allow_writes: bool,
        probes: Vec<ProbeResult>,
        mut findings: Vec<Finding>,
    ) -> Self {
        let n = |o| probes.iter().filter(|r| r.outcome == o).count();
        let counts = Counts {
            pass: n(Outcome::Pass),
            fail: n(Outcome::Fail),
            skip: n(Outcome::Skip),
            advise: n(Outcome::Advise),
        };
        findings.sort_by_key(|f| clause_order(&f.clause));
        Report {
            target,
            allow_writes,
            counts,
            probes,
            findings,
        }
    }

    /// Whether any probe failed.
    pub fn has_failures(&self) -> bool {
        self.counts.fail > 0
    }

    /// A probe's result by name.
    pub fn probe(&self, name: &str) -> Option<&ProbeResult> {
        self.probes.iter().find(|r| r.probe == name)
    }

    /// A finding by key.
    pub fn finding(&self, key: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.key == key)
    }

    /// The report as plain text: the probe table, then the findings by clause.
    pub fn to_text(&self) -> String {
        text::render(self)
    }

    /// The report as JUnit XML (one test case per probe).
    pub fn to_junit(&self) -> String {
        junit::render(self)
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// Collects findings, merging the same key from any number of probes and responses.
#[derive(Debug, Default)]
pub struct Findings {
    list: Vec<Finding>,
}

impl Findings {
    /// Records `issue` as seen by `probe` in the response `example`.
    /// Without `example`, only `probe` is added to a finding already recorded.
    pub fn add(&mut self, probe: &'static str, issue: &Issue, example: Option<&Evidence>) {
        let request = example.map(|e| e.request.clone());
        if let Some(f) = self.list.iter_mut().find(|f| f.key == issue.key) {
            if !f.probes.contains(&probe) {
                f.probes.push(probe);
            }
            if let Some(r) = request
                && !f.requests.contains(&r)
            {
                f.requests.push(r);
                f.occurrences += 1;
            }
            if f.example.is_none() {
                f.example = example.cloned();
            }
            return;
        }
        self.list.push(Finding {
            clause: format!("§{}", issue.clause),
            section: section_title(issue.clause),
            key: issue.key.clone(),
            problem: issue.problem.clone(),
            expected: issue.expected.clone(),
            probes: vec![probe],
            occurrences: 1,
            example: example.cloned(),
            requests: request.into_iter().collect(),
        });
    }

    /// The findings so far.
    pub fn list(&self) -> &[Finding] {
        &self.list
    }

    /// The findings, taken.
    pub fn into_vec(self) -> Vec<Finding> {
        self.list
    }
}

/// The title of a docs/CONTRACT.md section.
pub fn section_title(clause: &str) -> &'static str {
    match clause {
        "2.1" => "The envelope: members",
        "2.2" => "The envelope: wire profiles",
        "2.3" => "The envelope: content types",
        "3.1" => "The catalog",
        "4" => "Request ids",
        "5" => "Validation errors",
        "6" => "Order of checks",
        "7.2" => "Authentication: codes",
        "7.3" => "Authentication: WWW-Authenticate",
        "8.1" => "Rate limits: quotas",
        "8.2" => "Rate limits: headers",
        "9.2" => "Idempotency: replay",
        "9.3" => "Idempotency: in-flight and mismatch",
        "10.4" => "Overload, faults and abuse: abuse",
        _ => "",
    }
}

fn clause_order(clause: &str) -> Vec<u32> {
    clause
        .trim_start_matches('§')
        .split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}
