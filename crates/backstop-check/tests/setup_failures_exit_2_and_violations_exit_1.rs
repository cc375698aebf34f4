//! Exit status of `backstop-check`: a check that cannot start (bad URL or flag, closed port, TLS failure) prints
//! one line and exits 2 before any probe; violations exit 1; `--json` and `--junit` carry the same verdicts.

use std::process::Command;

fn check(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop-check"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

fn assert_setup_failure(args: &[&str], says: &str) {
    let (code, stdout, stderr) = check(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "no probe ran: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn setup_failures_are_one_line_and_exit_2() {
    let closed = closed_port();
    assert_setup_failure(&[&format!("http://{closed}")], "cannot reach 127.0.0.1");
    assert_setup_failure(&["127.0.0.1:8080"], "bad URL");
    assert_setup_failure(
        &["http://127.0.0.1:1", "--get-route", "items/1"],
        "a route starts with /",
    );
    assert_setup_failure(
        &["http://127.0.0.1:1", "--header", "Authorization: Bearer x"],
        "--auth-header",
    );
    assert_setup_failure(
        &["http://127.0.0.1:1", "--post-body", "{nope"],
        "--post-body: not JSON",
    );
    assert_setup_failure(
        &[
            &format!("http://{closed}"),
            "--openapi",
            "/nonexistent/openapi.json",
        ],
        "--openapi",
    );
}

#[tokio::test]
async fn tls_failure_is_a_setup_failure() {
    // A plain-HTTP server spoken to over https: the handshake fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, axum::Router::new()).await });
    let url = format!("https://{addr}");
    let out = tokio::task::spawn_blocking(move || check(&[&url, "--connect-timeout-secs", "3"]))
        .await
        .unwrap();
    assert_eq!(out.0, 2, "{}", out.2);
    assert!(out.2.contains("TLS with 127.0.0.1"), "{}", out.2);
    assert_eq!(out.2.lines().count(), 1, "{}", out.2);
}

#[tokio::test]
async fn violations_exit_1_with_json_and_junit_reports() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("check.xml");
    let junit_arg = junit.display().to_string();
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        check(&[
            &base,
            "--get-route",
            "/health",
            "--max-requests",
            "5",
            "--json",
            "--junit",
            &junit_arg,
        ])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("--json prints JSON");
    let counts = &report["counts"];
    let total = counts["pass"].as_u64().unwrap()
        + counts["fail"].as_u64().unwrap()
        + counts["skip"].as_u64().unwrap()
        + counts["advise"].as_u64().unwrap();
    assert_eq!(total as usize, backstop_check::probe::ALL.len());
    assert!(counts["fail"].as_u64().unwrap() > 0);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "request-id.absent")
        .expect("a structured finding");
    assert_eq!(finding["clause"], "§4");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        xml.matches("<testcase ").count(),
        backstop_check::probe::ALL.len(),
        "{xml}"
    );
    assert!(
        xml.contains("<failure") && xml.contains("<skipped"),
        "{xml}"
    );
}
