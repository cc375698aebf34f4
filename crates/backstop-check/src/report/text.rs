//! The plain-text report.

use std::fmt::Write;

use super::{Outcome, Report};

pub(super) fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "backstop check {}", r.target);
    if !r.allow_writes {
        let _ = writeln!(
            out,
            "(read-only: probes that may create something are skipped; --allow-writes runs them)"
        );
    }
    let _ = writeln!(out);
    let width = r.probes.iter().map(|p| p.probe.len()).max().unwrap_or(5);
    for p in &r.probes {
        let tag = match p.outcome {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
            Outcome::Advise => "NOTE",
        };
        let _ = writeln!(
            out,
            "{tag}  {:<width$}  {:<5}  {}",
            p.probe, p.clause, p.summary
        );
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "\nFindings, by clause of docs/CONTRACT.md:");
        let mut clause = "";
        for f in &r.findings {
            if f.clause != clause {
                clause = &f.clause;
                let _ = writeln!(out, "\n{} {}", f.clause, f.section);
            }
            let times = if f.occurrences > 1 {
                format!(" ({}x)", f.occurrences)
            } else {
                String::new()
            };
            let example = f
                .example
                .as_ref()
                .map(|e| format!("; e.g. {} -> {}", e.request, e.status))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  - {}{times}. Expected: {}. [{}{example}]",
                f.problem,
                f.expected,
                f.probes.join(", ")
            );
        }
    }
    let c = r.counts;
    let _ = writeln!(
        out,
        "\nprobes: {} pass, {} fail, {} skip, {} advice; findings: {}",
        c.pass,
        c.fail,
        c.skip,
        c.advise,
        r.findings.len()
    );
    out
}
