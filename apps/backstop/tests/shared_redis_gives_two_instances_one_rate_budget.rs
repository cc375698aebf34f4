//! Two server instances on one database and one Redis share a partner's rate budget.

mod common;

use common::*;

#[tokio::test]
async fn shared_redis_gives_two_instances_one_rate_budget() {
    let Ok(redis) = std::env::var("BACKSTOP_TEST_REDIS_URL") else {
        eprintln!("skipping: BACKSTOP_TEST_REDIS_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let mut cfg = config(&url);
    cfg.redis_url = Some(redis);
    cfg.redis_prefix = format!("bs-test-{}", uuid::Uuid::now_v7().simple());
    cfg.rate_limit_per_minute = 4;
    let one = start(cfg.clone()).await;
    let two = start(cfg).await;
    let p = partner(&one.db, "A").await;
    let c = client();
    for srv in [&one, &two, &one, &two] {
        let r = c
            .get(srv.url("/v1/platform/businesses/"))
            .bearer_auth(&p.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = c
        .get(two.url("/v1/platform/businesses/"))
        .bearer_auth(&p.api_key)
        .send()
        .await;
    expect_error(
        &two,
        "get",
        "/v1/platform/businesses/",
        r,
        429,
        "RATE_LIMIT_EXCEEDED",
    );
    let r = c
        .get(one.url("/v1/platform/businesses/"))
        .bearer_auth(&p.api_key)
        .send()
        .await;
    expect_error(
        &one,
        "get",
        "/v1/platform/businesses/",
        r,
        429,
        "RATE_LIMIT_EXCEEDED",
    );
    one.stop().await;
    two.stop().await;
}
