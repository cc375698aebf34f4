//! `backstop check` against `backstop serve` in each of the four wire profiles: with a credential and
//! `--allow-writes` every probe runs and passes; the README's command (read-only, no credential) fails nothing
//! and changes no record.

mod common;

use backstop::Profile;
use backstop_check::{Outcome, Report, cli};
use clap::Parser;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    args: cli::CheckArgs,
}

struct Served {
    srv: common::TestServer,
    token: String,
    _dir: tempfile::TempDir,
    db_url: String,
}

async fn serve(profile: Profile) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("check.db").display());
    let mut config = common::config(&db_url);
    config.error_format = profile;
    config.rate_limit_per_minute = 60;
    // The server's own default per-address quota, as `backstop serve` runs it.
    config.rate_limit_per_address_per_minute =
        backstop_app::ServeConfig::new("").rate_limit_per_address_per_minute;
    let srv = common::start(config).await;
    let partner = common::partner(&srv.db, "Checker").await;
    let token = common::partner_token(&srv, &partner).await;
    Served {
        srv,
        token,
        _dir: dir,
        db_url,
    }
}

async fn check(argv: &[&str]) -> Report {
    let mut full = vec!["backstop-check"];
    full.extend_from_slice(argv);
    let args = Args::try_parse_from(full).unwrap().args;
    let config = cli::config(&args).await.expect("valid flags");
    backstop_check::run(config, &mut |_, _, _| {})
        .await
        .expect("serve is reachable")
}

/// Businesses, customers and invoices stored.
async fn records(db_url: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM businesses) + (SELECT count(*) FROM customers) + (SELECT count(*) FROM invoices)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn every_probe_passes_with_a_credential_and_writes_in_every_profile() {
    for profile in Profile::ALL {
        let s = serve(profile).await;
        let base = s.srv.base.clone();
        let openapi = format!("{base}/openapi.json");
        let auth = format!("Authorization: Bearer {}", s.token);
        let body = r#"{"external_id":"check-1","legal_name":"Check Ltd","email":"billing@check.example","country":"GB","base_currency":"GBP"}"#;
        let report = check(&[
            &base,
            "--openapi",
            &openapi,
            "--auth-header",
            &auth,
            "--allow-writes",
            "--post-body",
            body,
        ])
        .await;
        let table = report.to_text();
        for r in &report.probes {
            assert_eq!(
                r.outcome,
                Outcome::Pass,
                "{profile:?} {}: {}\n{table}",
                r.probe,
                r.summary
            );
        }
        assert_eq!(report.probes.len(), backstop_check::probe::ALL.len());
        assert!(report.findings.is_empty(), "{profile:?}\n{table}");
        for out in [table, report.to_json(), report.to_junit()] {
            assert!(!out.contains(&s.token), "the credential is never printed");
        }
        s.srv.stop().await;
    }
}

#[tokio::test]
async fn the_readme_command_changes_nothing_and_passes_every_read_only_probe() {
    for profile in Profile::ALL {
        let s = serve(profile).await;
        common::create_business(&s.srv, &s.token, "existing-1").await;
        let before = records(&s.db_url).await;
        let base = s.srv.base.clone();
        let report = check(&[&base, "--openapi", &format!("{base}/openapi.json")]).await;
        let table = report.to_text();
        assert_eq!(
            records(&s.db_url).await,
            before,
            "{profile:?}: a default run changed records\n{table}"
        );
        for r in &report.probes {
            match r.outcome {
                Outcome::Fail => panic!("{profile:?} {}: {}\n{table}", r.probe, r.summary),
                Outcome::Skip => assert!(
                    r.writes || r.summary.starts_with("blocked by missing credentials"),
                    "{profile:?} {} skipped: {}\n{table}",
                    r.probe,
                    r.summary
                ),
                // The reference API follows every recommendation too (Content-Language and
                // Accept-Language included).
                Outcome::Advise => {
                    panic!("{profile:?} {} advised: {}\n{table}", r.probe, r.summary)
                }
                Outcome::Pass => {}
            }
        }
        assert!(report.findings.is_empty(), "{profile:?}\n{table}");
        s.srv.stop().await;
    }
}

#[tokio::test]
async fn the_backstop_check_command_exits_0_on_a_clean_run() {
    let s = serve(Profile::Backstop).await;
    let base = s.srv.base.clone();
    let token = s.token.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
            .args(["check", &base, "--openapi", &format!("{base}/openapi.json")])
            .env(
                "BACKSTOP_CHECK_AUTH_HEADER",
                format!("Authorization: Bearer {token}"),
            )
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 fail"), "{stdout}");
    assert!(!stdout.contains(&s.token));
    s.srv.stop().await;
}
