//! What `backstop check` found: one result per probe, as a table or JSON.

use serde::Serialize;

/// How a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The API did what the contract says.
    Pass,
    /// The API broke the contract; the evidence says how.
    Fail,
    /// The probe could not run (it lacked a route, credentials, …); the summary says why.
    Skip,
}

/// What a probe saw of one response, kept short.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// The request, as `METHOD path`.
    pub request: String,
    /// The response status.
    pub status: u16,
    /// The response headers that matter to the contract.
    pub headers: Vec<(String, String)>,
    /// The first bytes of the body.
    pub body_excerpt: String,
}

/// One probe's result.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    /// The probe's name, e.g. `unknown_route`.
    pub probe: &'static str,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// One line: what was expected and what happened (every violation, `; `-separated).
    pub summary: String,
    /// The response behind the verdict, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

impl ProbeResult {
    /// A skipped probe.
    pub fn skip(probe: &'static str, why: impl Into<String>) -> Self {
        ProbeResult {
            probe,
            outcome: Outcome::Skip,
            summary: why.into(),
            evidence: None,
        }
    }

    /// A verdict from a list of violations: none means pass.
    pub fn verdict(
        probe: &'static str,
        passed: impl Into<String>,
        violations: Vec<String>,
        evidence: Option<Evidence>,
    ) -> Self {
        if violations.is_empty() {
            ProbeResult {
                probe,
                outcome: Outcome::Pass,
                summary: passed.into(),
                evidence,
            }
        } else {
            ProbeResult {
                probe,
                outcome: Outcome::Fail,
                summary: violations.join("; "),
                evidence,
            }
        }
    }
}

/// Every probe's result, in the order they ran.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The API's base URL.
    pub target: String,
    /// The results.
    pub results: Vec<ProbeResult>,
}

impl Report {
    /// Whether any probe failed.
    pub fn has_failures(&self) -> bool {
        self.results.iter().any(|r| r.outcome == Outcome::Fail)
    }

    /// How many probes passed, failed and were skipped.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |o| self.results.iter().filter(|r| r.outcome == o).count();
        (n(Outcome::Pass), n(Outcome::Fail), n(Outcome::Skip))
    }

    /// A plain-text table, with the evidence under each failure.
    pub fn to_table(&self) -> String {
        let width = self
            .results
            .iter()
            .map(|r| r.probe.len())
            .max()
            .unwrap_or(5);
        let mut out = format!("backstop check {}\n\n", self.target);
        out.push_str(&format!("{:<6}  {:<width$}  detail\n", "result", "probe"));
        for r in &self.results {
            let tag = match r.outcome {
                Outcome::Pass => "PASS",
                Outcome::Fail => "FAIL",
                Outcome::Skip => "SKIP",
            };
            out.push_str(&format!("{tag:<6}  {:<width$}  {}\n", r.probe, r.summary));
            if r.outcome == Outcome::Fail
                && let Some(e) = &r.evidence
            {
                {
                    out.push_str(&format!("        {} -> {}\n", e.request, e.status));
                    for (k, v) in &e.headers {
                        out.push_str(&format!("        {k}: {v}\n"));
                    }
                    if !e.body_excerpt.is_empty() {
                        out.push_str(&format!("        body: {}\n", e.body_excerpt));
                    }
                }
            }
        }
        let (pass, fail, skip) = self.counts();
        out.push_str(&format!(
            "\nprobes: {pass} pass, {fail} fail, {skip} skip\n"
        ));
        out
    }
}
