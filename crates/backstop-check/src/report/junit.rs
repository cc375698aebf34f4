//! The JUnit XML report, for CI: one test suite, one test case per probe.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{Outcome, Report};

pub(super) fn render(r: &Report) -> String {
    let mut suite = TestSuite::new(format!("backstop check {}", r.target));
    for p in &r.probes {
        let status = match p.outcome {
            // Advice is not a failure: the case passes, with the advice as its output.
            Outcome::Pass | Outcome::Advise => TestCaseStatus::success(),
            Outcome::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(p.summary.clone());
                let details: Vec<String> = r
                    .findings
                    .iter()
                    .filter(|f| p.findings.contains(&f.key))
                    .map(|f| {
                        format!(
                            "{} {}: {}. Expected: {}.",
                            f.clause, f.section, f.problem, f.expected
                        )
                    })
                    .collect();
                s.set_description(details.join("\n"));
                s
            }
            Outcome::Skip => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(p.summary.clone());
                s
            }
        };
        let mut case = TestCase::new(p.probe, status);
        if p.outcome == Outcome::Advise {
            case.set_system_out(format!("advice: {}", p.summary));
        }
        case.set_classname(format!("docs/CONTRACT.md {}", p.clause));
        suite.add_test_case(case);
    }
    let mut report = quick_junit::Report::new("backstop-check");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}
