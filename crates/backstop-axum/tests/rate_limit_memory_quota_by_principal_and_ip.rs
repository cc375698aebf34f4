//! The in-memory limiter over real TCP: exactly the quota passes, draft-11 headers on every
//! response, 429 with Retry-After and details, anonymous callers limited per IP, principals per
//! tier, proxy headers trusted only when configured, and no 500 when no key can be found.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use backstop_axum::auth::{
    ApiKey, AuthLayer, Authenticator, KeyStatus, MemoryCredentialStore, Principal, PrincipalKind,
    StoredKey,
};
use backstop_axum::rate_limit::{MemoryRateLimitStore, Policies, Quota, RateLimitLayer};
use tower::ServiceExt;

fn minute(n: u32) -> Quota {
    Quota::new(n, Duration::from_secs(60)).unwrap()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    addr
}

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Sends `n` requests and returns how many got 200.
async fn passed(client: &reqwest::Client, url: &str, n: usize, headers: &[(&str, &str)]) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        let mut rb = client.get(url);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if rb.send().await.unwrap().status() == StatusCode::OK {
            ok += 1;
        }
    }
    ok
}

#[tokio::test]
async fn exactly_the_quota_passes_with_draft_11_headers_and_a_429_envelope() {
    let app = Router::new()
        .route("/", get(|| async { "hi" }))
        .layer(RateLimitLayer::new(
            MemoryRateLimitStore::new(),
            Policies::new(minute(10)),
        ));
    let addr = serve(app).await;
    let client = client_from("127.0.0.1");
    let url = format!("http://{addr}/");

    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["ratelimit-policy"], "\"default\";q=10;w=60");
    assert_eq!(first.headers()["ratelimit"], "\"default\";r=9;t=6");

    let ok = 1 + passed(&client, &url, 29, &[]).await;
    assert!((10..=11).contains(&ok), "{ok} passed, quota is 10");

    let refused = client.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refused.headers()["ratelimit-policy"],
        "\"default\";q=10;w=60"
    );
    assert!(
        refused.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"default\";r=0;t=")
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(body["error"]["retryable"], true);
    assert_eq!(body["error"]["details"]["limit"], 10);
    assert_eq!(body["error"]["details"]["window_seconds"], 60);

    // Another client IP has its own budget.
    let other = client_from("127.0.0.2");
    assert_eq!(passed(&other, &url, 10, &[]).await, 10);
}

#[tokio::test]
async fn principals_are_limited_by_id_with_their_tier_quota() {
    let store = MemoryCredentialStore::new();
    let free = ApiKey::generate("sk");
    let pro = ApiKey::generate("sk");
    for (g, id, tier) in [(&free, "acct_free", "free"), (&pro, "acct_pro", "pro")] {
        store.insert(StoredKey {
            prefix: g.prefix().to_owned(),
            hash: g.hash(),
            principal: Principal::new(id, PrincipalKind::ApiKey).with_tier(tier),
            expires_at: None,
            status: KeyStatus::Active,
        });
    }
    let policies = Policies::new(minute(3))
        .tier("pro", minute(6))
        .anonymous(minute(2));
    let app = Router::new()
        .route("/", get(|| async { "hi" }))
        .layer(RateLimitLayer::new(MemoryRateLimitStore::new(), policies))
        .layer(AuthLayer::new(
            Authenticator::new(store).allow_anonymous(true),
        ));
    let addr = serve(app).await;
    let client = client_from("127.0.0.1");
    let url = format!("http://{addr}/");

    let r = client
        .get(&url)
        .header("x-api-key", pro.key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["ratelimit-policy"], "\"pro\";q=6;w=60");
    assert_eq!(
        passed(&client, &url, 9, &[("x-api-key", pro.key())]).await,
        5
    );
    assert_eq!(
        passed(&client, &url, 9, &[("x-api-key", free.key())]).await,
        3
    );
    // Same IP, but anonymous: its own (anonymous) budget.
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["ratelimit-policy"], "\"anonymous\";q=2;w=60");
    assert_eq!(1 + passed(&client, &url, 5, &[]).await, 2);
}

#[tokio::test]
async fn forwarded_headers_count_only_when_trusted() {
    let route = || Router::new().route("/", get(|| async { "hi" }));
    let trusting = route().layer(
        RateLimitLayer::new(MemoryRateLimitStore::new(), Policies::new(minute(2)))
            .trust_forwarded_hops(1),
    );
    let ignoring = route().layer(RateLimitLayer::new(
        MemoryRateLimitStore::new(),
        Policies::new(minute(2)),
    ));
    let client = client_from("127.0.0.1");
    let t = format!("http://{}/", serve(trusting).await);
    let i = format!("http://{}/", serve(ignoring).await);

    assert_eq!(
        passed(&client, &t, 4, &[("x-forwarded-for", "203.0.113.1")]).await,
        2
    );
    assert_eq!(
        passed(&client, &t, 4, &[("x-forwarded-for", "203.0.113.2")]).await,
        2
    );
    assert_eq!(
        passed(&client, &i, 4, &[("x-forwarded-for", "203.0.113.1")]).await,
        2
    );
    assert_eq!(
        passed(&client, &i, 4, &[("x-forwarded-for", "203.0.113.2")]).await,
        0,
        "spoofed header ignored"
    );
}

#[tokio::test]
async fn ipv6_callers_share_a_budget_per_64_prefix() {
    let app = Router::new().route("/", get(|| async { "hi" })).layer(
        RateLimitLayer::new(MemoryRateLimitStore::new(), Policies::new(minute(2)))
            .trust_forwarded_hops(1),
    );
    let url = format!("http://{}/", serve(app).await);
    let client = client_from("127.0.0.1");
    let from = |ip: &'static str| [("x-forwarded-for", ip)];

    // Rotating through addresses of one /64 does not buy more requests.
    assert_eq!(passed(&client, &url, 1, &from("2001:db8:1:2::1")).await, 1);
    assert_eq!(passed(&client, &url, 1, &from("2001:db8:1:2::2")).await, 1);
    assert_eq!(
        passed(&client, &url, 2, &from("2001:db8:1:2:ffff::9")).await,
        0,
        "same /64, budget spent"
    );
    // Another /64 is another caller.
    assert_eq!(passed(&client, &url, 3, &from("2001:db8:1:3::1")).await, 2);
    // An IPv4-mapped address is its IPv4 caller.
    assert_eq!(passed(&client, &url, 1, &from("198.51.100.7")).await, 1);
    assert_eq!(
        passed(&client, &url, 2, &from("::ffff:198.51.100.7")).await,
        1
    );
}

#[tokio::test]
async fn without_any_key_requests_share_the_unknown_bucket_instead_of_a_500() {
    // No ConnectInfo (not served with connect info), no principal: one shared bucket.
    let app = Router::new()
        .route("/", get(|| async { "hi" }))
        .layer(RateLimitLayer::new(
            MemoryRateLimitStore::new(),
            Policies::new(minute(2)),
        ));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = app
            .clone()
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}
