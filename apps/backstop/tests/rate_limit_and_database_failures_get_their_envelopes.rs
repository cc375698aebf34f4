//! 429 per partner with Retry-After; an unreachable database gets 503 with Retry-After (and
//! /healthz says so), a failing query 500 DATABASE_ERROR, neither with anything of the database in
//! the body; and the flat profile's seed-000 validation shape.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn rate_limit_is_per_partner_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("sqlite://{}", dir.path().join("b.db").display()));
    cfg.rate_limit_per_minute = 3;
    let srv = start(cfg).await;
    let a = partner(&srv.db, "A").await;
    let b = partner(&srv.db, "B").await;
    let c = client();
    for _ in 0..3 {
        assert_eq!(
            c.get(srv.url("/v1/platform/businesses/"))
                .bearer_auth(&a.api_key)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let r = c
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&a.api_key)
        .send()
        .await;
    let e = expect_error(
        &srv,
        "get",
        "/v1/platform/businesses/",
        r,
        429,
        "RATE_LIMIT_EXCEEDED",
    );
    assert!(e.retry_after().is_some());
    assert!(e.is_retryable());
    // Another partner has its own budget.
    assert_eq!(
        c.get(srv.url("/v1/platform/businesses/"))
            .bearer_auth(&b.api_key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    srv.stop().await;
}

fn assert_no_internals(body: &str) {
    for leak in [
        "sqlite",
        "pool",
        "closed",
        "sqlx",
        "SELECT",
        "no such table",
    ] {
        assert!(
            !body.to_lowercase().contains(&leak.to_lowercase()),
            "{leak} leaked: {body}"
        );
    }
}

#[tokio::test]
async fn unreachable_database_gets_503_with_retry_after_without_internals() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("sqlite://{}", dir.path().join("b.db").display()));
    // Long enough that auth answers from the cache once the database is gone.
    cfg.suspension_cache_ttl = Duration::from_secs(600);
    let srv = start(cfg).await;
    let p = partner(&srv.db, "A").await;
    let token = partner_token(&srv, &p).await;
    let c = client();
    assert_eq!(
        c.get(srv.url("/v1/platform/businesses/"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    srv.db.close().await;
    let raw = reqwest::Client::new()
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 503);
    assert!(raw.headers().contains_key("retry-after"));
    assert_no_internals(&raw.text().await.unwrap());
    let r = c
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .send()
        .await;
    let e = expect_error(
        &srv,
        "get",
        "/v1/platform/businesses/",
        r,
        503,
        "SERVICE_UNAVAILABLE",
    );
    assert!(e.is_retryable());
    assert!(e.retry_after().is_some());
    let r = c.get(srv.url("/healthz")).send().await;
    expect_error(&srv, "get", "/healthz", r, 503, "SERVICE_UNAVAILABLE");
    srv.stop().await;
}

#[tokio::test]
async fn a_failing_query_gets_500_database_error_without_internals() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let mut cfg = config(&url);
    cfg.suspension_cache_ttl = Duration::from_secs(600);
    let srv = start(cfg).await;
    let p = partner(&srv.db, "A").await;
    let token = partner_token(&srv, &p).await;
    // A schema the server does not expect (an operator's mistake): not something waiting cures.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TABLE businesses")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let raw = reqwest::Client::new()
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 500);
    assert!(!raw.headers().contains_key("retry-after"));
    assert_no_internals(&raw.text().await.unwrap());
    let r = client()
        .get(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .send()
        .await;
    expect_error(
        &srv,
        "get",
        "/v1/platform/businesses/",
        r,
        500,
        "DATABASE_ERROR",
    );
    srv.stop().await;
}

#[tokio::test]
async fn flat_profile_answers_validation_in_seed_000_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("sqlite://{}", dir.path().join("b.db").display()));
    cfg.error_format = backstop::Profile::Flat;
    let srv = start(cfg).await;
    let p = partner(&srv.db, "A").await;
    let token = partner_token(&srv, &p).await;
    let raw = reqwest::Client::new()
        .post(srv.url("/v1/platform/businesses/"))
        .bearer_auth(&token)
        .json(&json!({"external_id": "x", "legal_name": "L", "email": "nope", "country": "GB", "base_currency": "JPY"}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["error_code"], "validation_error");
    assert!(body["error"].is_string());
    assert_eq!(
        body["details"]["email"],
        json!(["Enter a valid email address."])
    );
    assert_eq!(
        body["details"]["base_currency"],
        json!(["Invalid currency code. Must be one of: GBP, EUR, USD"])
    );
    // The document lists the code as this profile spells it, in the description and the schema.
    let listed = &srv.openapi["paths"]["/v1/platform/businesses/"]["post"]["responses"]["400"];
    assert!(
        listed["description"]
            .as_str()
            .unwrap()
            .contains("validation_error"),
        "{listed}"
    );
    let codes =
        &listed["content"]["application/json"]["schema"]["properties"]["error_code"]["enum"];
    assert!(
        codes
            .as_array()
            .unwrap()
            .contains(&json!("validation_error")),
        "{codes}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn chaos_errors_are_envelopes_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("sqlite://{}", dir.path().join("b.db").display()));
    cfg.chaos = Some(backstop_app::ChaosConfig {
        error_rate: 1.0,
        status: 503,
        latency_ms: 0..=0,
    });
    let srv = start(cfg).await;
    let r = client()
        .get(srv.url("/v1/platform/businesses/"))
        .send()
        .await;
    let e = expect_error(
        &srv,
        "get",
        "/v1/platform/businesses/",
        r,
        503,
        "SERVICE_UNAVAILABLE",
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    // Operational endpoints are never injected.
    assert_eq!(
        client()
            .get(srv.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    srv.stop().await;
}
