//! Two app instances on one Redis share one budget (set BACKSTOP_TEST_REDIS_URL).
#![cfg(feature = "redis")]

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use backstop_axum::rate_limit::{Policies, Quota, RateLimitLayer, RedisRateLimitStore};

async fn instance(url: &str, prefix: &str) -> SocketAddr {
    let store = RedisRateLimitStore::new(url, prefix).unwrap();
    let app = Router::new()
        .route("/", get(|| async { "hi" }))
        .layer(RateLimitLayer::new(
            store,
            Policies::new(Quota::new(20, Duration::from_secs(60)).unwrap()),
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    addr
}

#[tokio::test]
async fn two_instances_share_one_budget_and_ips_are_separate() {
    let Ok(url) = std::env::var("BACKSTOP_TEST_REDIS_URL") else {
        eprintln!("skipped: BACKSTOP_TEST_REDIS_URL is not set");
        return;
    };
    let prefix = format!("backstop-test:{}:", rand::random::<u64>());
    let a = instance(&url, &prefix).await;
    let b = instance(&url, &prefix).await;
    let client = reqwest::Client::builder()
        .local_address("127.0.0.1".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();

    let first = client.get(format!("http://{a}/")).send().await.unwrap();
    assert_eq!(first.headers()["ratelimit-policy"], "\"default\";q=20;w=60");
    assert_eq!(first.headers()["ratelimit"], "\"default\";r=19;t=3");
    let mut ok = 1;
    for i in 0..59 {
        let addr = if i % 2 == 0 { b } else { a };
        let r = client.get(format!("http://{addr}/")).send().await.unwrap();
        match r.status() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(r.headers().contains_key("retry-after"));
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body["error"]["details"]["limit"], 20);
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        (20..=21).contains(&ok),
        "{ok} passed across both instances, quota is 20"
    );

    // Another client IP is another budget, on either instance.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.3".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let r = other.get(format!("http://{b}/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
