//! `backstop check` against `backstop serve`: every probe runs, and every probe passes.

mod common;

use backstop_app::check::{self, CheckConfig, Outcome, Routes, parse_header};

#[tokio::test]
async fn every_probe_passes_against_backstop_serve() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(&format!(
        "sqlite://{}",
        dir.path().join("check.db").display()
    ));
    config.rate_limit_per_minute = 60;
    let srv = common::start(config).await;
    let partner = common::partner(&srv.db, "Checker").await;
    let token = common::partner_token(&srv, &partner).await;

    let mut cfg = CheckConfig::new(&srv.base);
    cfg.routes = Routes::from_openapi(&srv.openapi);
    cfg.auth = Some(parse_header(&format!("Authorization: Bearer {token}")).unwrap());
    let mut seen = Vec::new();
    let report = check::run(cfg, &mut |_, _, name| seen.push(name.to_owned())).await;

    let table = report.to_table();
    for r in &report.results {
        assert_eq!(
            r.outcome,
            Outcome::Pass,
            "{}: {}\n{table}",
            r.probe,
            r.summary
        );
    }
    assert_eq!(report.results.len(), 14, "{table}");
    assert_eq!(seen.len(), 14, "progress is reported for every probe");
    assert!(!table.contains(&token), "the credential is never printed");
    srv.stop().await;
}
