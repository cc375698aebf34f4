//! The two probes that send nothing: they read every error response the others got.

use super::{Prober, Verdict};
use crate::wire::Issue;

impl Prober {
    fn collected(&self, keys: &[String]) -> Vec<Issue> {
        let all = self.findings.list();
        keys.iter()
            .filter_map(|k| all.iter().find(|f| &f.key == k))
            .map(|f| Issue {
                clause: clause_static(&f.clause),
                key: f.key.clone(),
                problem: if f.occurrences > 1 {
                    format!("{} ({} requests)", f.problem, f.occurrences)
                } else {
                    f.problem.clone()
                },
                expected: f.expected.clone(),
            })
            .collect()
    }

    pub(super) fn error_envelopes(&self) -> Verdict {
        if self.errors_seen == 0 {
            return Verdict::skip("no error response was seen");
        }
        let mut v = Verdict::new(format!(
            "all {} error responses are {}-profile envelopes with every member",
            self.errors_seen,
            self.profiles_seen.join("/")
        ));
        for i in self.collected(&self.envelope_keys) {
            v.issue(i);
        }
        v
    }

    pub(super) fn no_leaks(&self) -> Verdict {
        if self.errors_seen == 0 {
            return Verdict::skip("no error response was seen");
        }
        let mut v = Verdict::new(format!(
            "no leak, echo or oversize in {} error responses",
            self.errors_seen
        ));
        for i in self.collected(&self.exposure_keys) {
            v.issue(i);
        }
        v
    }
}

/// The clause of a finding (`§2.1`) as the static text the catalog uses.
fn clause_static(clause: &str) -> &'static str {
    const KNOWN: [&str; 14] = [
        "2.1", "2.2", "2.3", "3.1", "4", "5", "6", "7.2", "7.3", "8.1", "8.2", "9.2", "9.3", "10.4",
    ];
    let c = clause.trim_start_matches('§');
    KNOWN.into_iter().find(|k| *k == c).unwrap_or("2.1")
}
