//! `backstop check` against a deliberately plain axum app (default rejections, no request id, no
//! limits): the expected violations are found and named, and what cannot be probed is skipped.

use axum::routing::{get, post};
use axum::{Json, Router};
use backstop_app::check::{self, CheckConfig, Outcome};

async fn plain_app() -> String {
    let app = Router::new()
        .route(
            "/items",
            post(|Json(v): Json<serde_json::Value>| async move { Json(v) }),
        )
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn violations_of_a_plain_axum_app_are_found_and_named() {
    let base = plain_app().await;
    let mut cfg = CheckConfig::new(&base);
    cfg.routes.add("/items", "POST", false);
    cfg.routes.add("/health", "GET", false);
    cfg.max_requests = 30;
    cfg.oversize_bytes = 3 * 1024 * 1024;
    let report = check::run(cfg, &mut |_, _, _| {}).await;
    let table = report.to_table();
    let outcome = |probe: &str| {
        report
            .results
            .iter()
            .find(|r| r.probe == probe)
            .unwrap_or_else(|| panic!("no probe {probe}"))
    };

    for probe in [
        "request_id_echoed",
        "request_id_crlf_replaced",
        "request_id_1kb_replaced",
        "unknown_route",
        "wrong_method",
        "malformed_json",
        "wrong_content_type",
        "oversized_body",
        "idempotency_replay",
        "idempotency_mismatch",
        "rate_limit",
        "error_envelopes",
    ] {
        assert_eq!(outcome(probe).outcome, Outcome::Fail, "{probe}\n{table}");
    }
    assert!(
        outcome("request_id_echoed")
            .summary
            .contains("no X-Request-Id")
    );
    assert!(
        outcome("unknown_route")
            .summary
            .contains("no error envelope"),
        "{table}"
    );
    assert!(outcome("malformed_json").summary.contains("INVALID_FORMAT"));
    assert!(outcome("rate_limit").summary.contains("no 429 after"));
    assert!(
        outcome("error_envelopes").summary.contains("not JSON"),
        "{table}"
    );
    assert!(
        outcome("error_envelopes")
            .summary
            .contains("empty error body"),
        "{table}"
    );
    for probe in ["missing_credentials", "garbage_token"] {
        assert_eq!(outcome(probe).outcome, Outcome::Skip, "{probe}\n{table}");
    }
    assert!(report.has_failures());
    let evidence = outcome("wrong_content_type").evidence.as_ref().unwrap();
    assert_eq!(evidence.status, 415);
    assert!(
        evidence.body_excerpt.contains("Content-Type"),
        "the evidence shows the plain-text body"
    );
}

#[tokio::test]
async fn an_unreachable_api_fails_every_probe_that_sends() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut cfg = CheckConfig::new(&base);
    cfg.max_requests = 5;
    let report = check::run(cfg, &mut |_, _, _| {}).await;
    let unknown = report
        .results
        .iter()
        .find(|r| r.probe == "unknown_route")
        .unwrap();
    assert_eq!(unknown.outcome, Outcome::Fail);
    assert!(
        unknown.summary.contains("could not connect"),
        "{}",
        unknown.summary
    );
}
