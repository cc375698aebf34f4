//! `GET /metrics`: Prometheus text with errors by code, matched route and status, and a latency
//! histogram by method and matched route; unmatched paths share one label.

mod common;

use common::*;

/// The value of the series whose line starts with `series` (name and labels), if any.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_errors_by_code_and_route_with_latency() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(config(&format!(
        "sqlite://{}",
        dir.path().join("m.db").display()
    )))
    .await;
    let p = partner(&srv.db, "Metrics").await;
    let c = client();
    let plain = reqwest::Client::new();
    for _ in 0..3 {
        let r = c
            .get(srv.url("/v1/platform/businesses/"))
            .bearer_auth(&p.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    for _ in 0..2 {
        let r = plain
            .get(srv.url("/v1/platform/businesses/biz_missing/"))
            .bearer_auth(&p.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    let r = reqwest::get(srv.url("/no/such/path/123")).await.unwrap();
    assert_eq!(r.status(), 404);
    let r = reqwest::get(srv.url("/v1/platform/businesses/"))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A method a client invents gets no series of its own.
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    let r = plain
        .request(brew, srv.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    let r = reqwest::get(srv.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();

    let ok = "backstop_request_duration_seconds_count{method=\"GET\",route=\"/v1/platform/businesses/\"}";
    // 3 successes and the 401 on the same route.
    assert_eq!(value(&text, ok), Some(4.0), "{text}");
    let inf = "backstop_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/platform/businesses/\",le=\"+Inf\"}";
    assert_eq!(value(&text, inf), Some(4.0), "{text}");
    // Buckets are cumulative: never decreasing, never above the count.
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| {
            l.starts_with(
                "backstop_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/platform/businesses/\",le=",
            )
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    assert_eq!(buckets.len(), 13, "{text}");
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{text}");

    // `error_type` is OpenTelemetry's `error.type`: the contract code, next to `code`.
    let not_found = "backstop_errors_total{code=\"BUSINESS_NOT_FOUND\",route=\"/v1/platform/businesses/{business_id}/\",status=\"404\",error_type=\"BUSINESS_NOT_FOUND\"}";
    assert_eq!(value(&text, not_found), Some(2.0), "{text}");
    let unmatched = "backstop_errors_total{code=\"NOT_FOUND\",route=\"unmatched\",status=\"404\",error_type=\"NOT_FOUND\"}";
    assert_eq!(value(&text, unmatched), Some(1.0), "{text}");
    let unauthenticated = "backstop_errors_total{code=\"AUTHENTICATION_REQUIRED\",route=\"/v1/platform/businesses/\",status=\"401\",error_type=\"AUTHENTICATION_REQUIRED\"}";
    assert_eq!(value(&text, unauthenticated), Some(1.0), "{text}");
    // Every family is described once, and the exposition is the Prometheus text format.
    for family in ["backstop_errors_total", "backstop_request_duration_seconds"] {
        let help = format!("# HELP {family} ");
        assert_eq!(text.matches(&help).count(), 1, "{text}");
    }
    assert!(
        text.contains("# TYPE backstop_errors_total counter\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE backstop_request_duration_seconds histogram\n"),
        "{text}"
    );
    assert!(
        text.contains("{method=\"_OTHER\",route=\"/healthz\""),
        "{text}"
    );
    assert!(!text.contains("BREW"), "{text}");
    // The raw unmatched path never becomes a label.
    assert!(!text.contains("/no/such/path"), "{text}");
    srv.stop().await;
}
